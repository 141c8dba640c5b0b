import NIOCore

/// Something that can be sent to Redis as one bulk-string argument.
public protocol RESPArgument: Sendable {
    /// Writes the argument's bytes (not its RESP framing).
    func writeRESPBytes(into buffer: inout ByteBuffer)
}

extension String: RESPArgument {
    public func writeRESPBytes(into buffer: inout ByteBuffer) { buffer.writeString(self) }
}

extension Substring: RESPArgument {
    public func writeRESPBytes(into buffer: inout ByteBuffer) { buffer.writeString(String(self)) }
}

extension Int: RESPArgument {
    public func writeRESPBytes(into buffer: inout ByteBuffer) { buffer.writeString(String(self)) }
}

extension Int64: RESPArgument {
    public func writeRESPBytes(into buffer: inout ByteBuffer) { buffer.writeString(String(self)) }
}

extension Double: RESPArgument {
    public func writeRESPBytes(into buffer: inout ByteBuffer) { buffer.writeString(String(self)) }
}

extension Array: RESPArgument where Element == UInt8 {
    public func writeRESPBytes(into buffer: inout ByteBuffer) { buffer.writeBytes(self) }
}
