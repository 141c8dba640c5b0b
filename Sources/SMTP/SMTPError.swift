/// A conversation that did not end in acceptance: the server's refusal (with its code) or a
/// failure of the connection. `isTransient` tells whether trying again later may work.
public struct SMTPError: Error, Sendable, CustomStringConvertible {
    public var code: Int?
    public var message: String
    public var isTransient: Bool

    public init(code: Int?, message: String, isTransient: Bool) {
        self.code = code
        self.message = message
        self.isTransient = isTransient
    }

    /// A refusal in `reply` to `command` (its first word only: never an address or a password).
    static func refused(_ reply: SMTPReply, to command: String) -> SMTPError {
        SMTPError(code: reply.code, message: "\(command) answered \(reply.code) \(reply.text.prefix(200))", isTransient: reply.isTransient)
    }

    public var description: String { "SMTPError(\(message))" }
}
