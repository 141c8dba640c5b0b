/// The rate limits the account operations apply themselves (`RATE_LIMIT_*`): sign-ins per client
/// and per client and account, registrations per client, and current-password guesses per user.
public struct AccountLimits: Sendable {
    public var signInPerClient: RateLimitPolicy
    public var signInPerAccount: RateLimitPolicy
    public var registrationsPerClient: RateLimitPolicy
    public var passwordGuessesPerUser: RateLimitPolicy

    public init(
        signInPerClient: RateLimitPolicy, signInPerAccount: RateLimitPolicy, registrationsPerClient: RateLimitPolicy,
        passwordGuessesPerUser: RateLimitPolicy
    ) {
        self.signInPerClient = signInPerClient
        self.signInPerAccount = signInPerAccount
        self.registrationsPerClient = registrationsPerClient
        self.passwordGuessesPerUser = passwordGuessesPerUser
    }
}
