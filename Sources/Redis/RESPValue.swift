/// A reply from Redis (RESP2), copied out of hiredis' reply tree.
public enum RESPValue: Sendable, Equatable {
    case simpleString(String)
    case bulkString([UInt8])
    case integer(Int)
    case null
    case array([RESPValue])
    /// An error reply nested in an array (a top-level error reply is thrown as ``RedisError`` instead).
    case error(String)

    /// The value as text when it is a string or an integer.
    public var string: String? {
        switch self {
        case .simpleString(let value): value
        case .bulkString(let bytes): String(decoding: bytes, as: UTF8.self)
        case .integer(let value): String(value)
        default: nil
        }
    }

    /// The value as an integer, also when Redis sent a number as a bulk string.
    public var int: Int? {
        switch self {
        case .integer(let value): value
        case .bulkString, .simpleString: string.flatMap { Int($0) }
        default: nil
        }
    }

    public var array: [RESPValue]? {
        if case .array(let values) = self { return values }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}
