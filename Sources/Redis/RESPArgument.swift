import NIOCore

/// Something that can be sent to Redis as one bulk-string argument.
public protocol RESPArgument: Sendable {
    /// Calls `body` with the argument's bytes (not its RESP framing), so a command is framed
    /// straight into the channel's buffer without a copy of each argument in between.
    func withRESPBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result
}

extension String: RESPArgument {
    public func withRESPBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        var text = self
        return try text.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
    }
}

extension Substring: RESPArgument {
    public func withRESPBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        var text = self
        return try text.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
    }
}

extension Int: RESPArgument {
    /// The digits in a tuple on the stack: `withUnsafeTemporaryAllocation`, reached through the
    /// protocol (its `Result` unknown there), looked up `Swift.Result`'s metadata on each call,
    /// 1,400 instructions an argument.
    public func withRESPBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)
        return try withUnsafeMutableBytes(of: &scratch) { scratch in
            try body(UnsafeRawBufferPointer(rebasing: scratch[..<RESPDecimal.write(self, into: scratch, at: 0)]))
        }
    }
}

extension Int64: RESPArgument {
    public func withRESPBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try Int(self).withRESPBytes(body)
    }
}

extension Double: RESPArgument {
    public func withRESPBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try String(self).withRESPBytes(body)
    }
}

extension Array: RESPArgument where Element == UInt8 {
    public func withRESPBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try withUnsafeBytes(body)
    }
}
