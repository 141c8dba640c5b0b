import NIOCore

/// One Redis command: its name and arguments, encoded as a RESP array of bulk strings.
///
/// Encoding is done here rather than with `redisFormatCommandArgv` so the bytes go straight
/// into the channel's buffer without a C allocation and copy per command; hiredis parses replies.
public struct RedisCommand: Sendable {
    public var arguments: [any RESPArgument]

    public init(_ name: String, _ arguments: [any RESPArgument] = []) {
        self.arguments = [name] + arguments
    }

    public init(_ name: String, _ arguments: any RESPArgument...) {
        self.init(name, arguments)
    }

    /// The command's name, for logs and metrics (never its arguments, which may be secrets).
    public var name: String { (arguments.first as? String) ?? "?" }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeStaticString("*")
        buffer.writeString(String(arguments.count))
        buffer.writeStaticString("\r\n")
        var scratch = ByteBuffer()
        for argument in arguments {
            scratch.clear()
            argument.writeRESPBytes(into: &scratch)
            buffer.writeStaticString("$")
            buffer.writeString(String(scratch.readableBytes))
            buffer.writeStaticString("\r\n")
            buffer.writeImmutableBuffer(scratch)
            buffer.writeStaticString("\r\n")
        }
    }
}
