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
        Self.frame(UInt8(ascii: "*"), length: arguments.count, payload: nil, into: &buffer)
        for argument in arguments {
            argument.withRESPBytes { Self.frame(UInt8(ascii: "$"), length: $0.count, payload: $0, into: &buffer) }
        }
    }

    /// `marker`, `length` in decimal and CRLF, then `payload` and CRLF when there is one, in one
    /// write: each of `ByteBuffer`'s writes checks its storage, and five of them per argument
    /// cost an authenticated request 3 % of its instructions.
    static func frame(_ marker: UInt8, length: Int, payload: UnsafeRawBufferPointer?, into buffer: inout ByteBuffer) {
        let payloadLength = payload.map { $0.count + 2 } ?? 0
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 1 + RESPDecimal.maximumLength + 2 + payloadLength) { out in
            out[0] = marker
            var index = RESPDecimal.write(length, into: out, at: 1)
            out[index] = UInt8(ascii: "\r")
            out[index + 1] = UInt8(ascii: "\n")
            index += 2
            guard let payload else { return index }
            if let source = payload.baseAddress, !payload.isEmpty {
                (out.baseAddress! + index).copyMemory(from: source, byteCount: payload.count)
            }
            index += payload.count
            out[index] = UInt8(ascii: "\r")
            out[index + 1] = UInt8(ascii: "\n")
            return index + 2
        }
    }
}
