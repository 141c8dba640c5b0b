/// Why an account change was refused; the edge maps each code to its answer.
struct AccountError: Error, Sendable, Equatable {
    enum Code: Sendable, Equatable {
        /// No such user.
        case notFound
        /// A password change whose current password did not match.
        case wrongPassword
        /// An admin demoting or deactivating themselves (another admin must).
        case selfDemotion
    }

    var code: Code

    init(_ code: Code) {
        self.code = code
    }
}
