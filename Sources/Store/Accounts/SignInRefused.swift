/// A sign-in that did not match an active account's password (one refusal for every reason, so
/// a caller learns nothing about which accounts exist).
public struct SignInRefused: Error, Sendable {
    public init() {}
}
