/// A configuration value that is missing or malformed; its description is the one line printed at start.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// The environment variable at fault.
    public var key: String
    public var reason: String

    public init(key: String, reason: String) {
        self.key = key
        self.reason = reason
    }

    public var description: String { "configuration error: \(key) \(reason)" }
}
