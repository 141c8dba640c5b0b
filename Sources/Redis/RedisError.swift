/// An error from the Redis client, in the `PSQLError` style: a stable `code` plus detail for logs.
public struct RedisError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let base: String
        public static let connectionFailed = Code(base: "connectionFailed")
        public static let connectionClosed = Code(base: "connectionClosed")
        public static let timeout = Code(base: "timeout")
        public static let protocolError = Code(base: "protocolError")
        /// Redis answered with an error reply (`ERR`, `NOSCRIPT`, `WRONGTYPE`, ...).
        public static let server = Code(base: "server")
        public static let shutdown = Code(base: "shutdown")
        /// A command or script call whose keys hash to several cluster slots, refused unsent.
        public static let crossSlot = Code(base: "crossSlot")
        public var description: String { base }
    }

    public var code: Code
    /// Detail for logs only: server error text or the underlying I/O error.
    public var message: String

    public init(_ code: Code, _ message: String = "") {
        self.code = code
        self.message = message
    }

    /// The first word of a server error reply, e.g. `NOSCRIPT`.
    public var serverErrorPrefix: Substring? {
        guard code == .server else { return nil }
        return message.split(separator: " ", maxSplits: 1).first
    }

    public var description: String { "RedisError(\(code))" }
    public var debugDescription: String { "RedisError(code: \(code), message: \(message))" }
}
