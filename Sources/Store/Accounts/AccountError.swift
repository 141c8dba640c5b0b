/// Why an account change was refused; the edge maps each code to its answer.
public struct AccountError: Error, Sendable, Equatable {
    public enum Code: Sendable, Equatable {
        /// No such user.
        case notFound
        /// A password change whose current password did not match.
        case wrongPassword
        /// An admin demoting or deactivating themselves (another admin must).
        case selfDemotion
    }

    public var code: Code

    public init(_ code: Code) {
        self.code = code
    }
}
