import Foundation
import Logging

/// What can be done with accounts, below HTTP: registering, signing in, reading and changing
/// them. The API, the console and the CLI all go through here, so an account is checked, limited
/// and audited the same whichever front end acts.
public struct AccountOperations: Sendable {
    let users: any UserRepository
    /// Each user's sessions in Redis (the front ends list and end a user's own through it).
    public let sessions: SessionStore
    let hasher: PasswordHasher
    let limiter: RateLimiter
    let limits: AccountLimits

    public init(users: any UserRepository, sessions: SessionStore, hasher: PasswordHasher, limiter: RateLimiter, limits: AccountLimits) {
        self.users = users
        self.sessions = sessions
        self.hasher = hasher
        self.limiter = limiter
        self.limits = limits
    }

    /// Creates the account once every field is valid; a taken username or email is
    /// ``StoreError/Code/duplicate`` naming the field.
    public func create(_ account: NewAccount, logger: Logger) async throws -> User {
        try account.validate()
        return try await insert(account, logger: logger)
    }

    /// Stores `account` as given (the bootstrap admin's configured name and password are the
    /// operator's to choose).
    func insert(_ account: NewAccount, logger: Logger) async throws -> User {
        let hash = try await hasher.hash(account.password)
        let user = User(
            id: UUIDv7.make(), username: account.username, email: account.email.lowercased(), passwordHash: hash,
            role: account.role, fullName: account.fullName, phone: account.phone, address: account.address
        )
        return try await users.create(user, logger: logger)
    }

    /// Counts a registration from `client` (a rate-limit subject), before its body is read:
    /// ``RateLimited`` when the client has registered too often.
    public func admitRegistration(from client: String, logger: Logger) async throws {
        try await limiter.enforce([(limits.registrationsPerClient, client)], logger: logger)
    }

    /// The active account `login` (a username or an email) names, when `password` is its own;
    /// else ``SignInRefused``, one refusal for every case. Both sign-in limits (per client, and per
    /// client and account however the account is named) are checked before the password, and a
    /// missing account costs the same bcrypt as a wrong password.
    public func authenticate(login: String, password: String, client: String, logger: Logger) async throws -> User {
        let user = login.unicodeScalars.count <= 254 ? try await users.find(login: login, logger: logger) : nil
        let account = user.map { "user:" + $0.id.lowercasedString } ?? "login:" + Self.normalised(login: login)
        try await limiter.enforce([(limits.signInPerClient, client), (limits.signInPerAccount, client + "|" + account)], logger: logger)
        let matches = try await hasher.verify(String(password.prefix(1024)), against: user?.passwordHash)
        guard matches, let user, user.isActive else { throw SignInRefused() }
        return user
    }

    /// The account `id`, if there is one.
    public func find(id: UUID, logger: Logger) async throws -> User? {
        try await users.find(id: id, logger: logger)
    }

    /// The account a username or email names, if any.
    public func find(login: String, logger: Logger) async throws -> User? {
        try await users.find(login: login, logger: logger)
    }

    /// Who manages accounts (lists them, changes anyone's, ends their sessions): admins. A front
    /// end that reads input first asks it early, to answer 403 before 422.
    public func adminsOnly(_ actor: Actor) throws(Forbidden) {
        try Forbidden.unless(actor, is: .admin)
    }

    /// The accounts matching `query`: admins only.
    public func list(_ query: UserQuery, by actor: Actor, logger: Logger) async throws -> Page<User> {
        try adminsOnly(actor)
        return try await users.list(query, logger: logger)
    }

    /// How an identifier that names no account is counted: one spelling per case and Unicode
    /// normalisation form, at most 254 code points.
    static func normalised(login: String) -> String {
        String(String.UnicodeScalarView(login.lowercased().precomposedStringWithCanonicalMapping.unicodeScalars.prefix(254)))
    }

    /// Applies `changes`; a change of role, active flag or password ends the user's sessions at once.
    ///
    /// For role and active-flag changes the sessions are ended both before and after the update:
    /// if the process dies between the commit and the second revocation, only a session opened
    /// in that instant can outlive the change.
    func update(_ id: UUID, _ changes: UserChanges, keepingSession current: String? = nil, logger: Logger) async throws -> User? {
        guard let before = try await users.find(id: id, logger: logger) else { return nil }
        let revokesAll =
            changes.role.map { $0 != before.role } == true || changes.isActive.map { $0 != before.isActive } == true
            || (changes.passwordHash != nil && current == nil)
        if revokesAll { try await sessions.revokeAll(userID: id, logger: logger) }
        guard let after = try await users.update(id: id, changes, logger: logger) else { return nil }
        if revokesAll {
            try await sessions.revokeAll(userID: id, logger: logger)
        } else if changes.passwordHash != nil, let current {
            for session in try await sessions.list(userID: id, logger: logger) where session.id != current {
                try await sessions.revoke(userID: id, sessionID: session.id, logger: logger)
            }
        }
        return after
    }

    /// Creates the configured admin unless an account with that email exists; safe when several
    /// gateways start at once (the loser of the race sees the duplicate and moves on).
    public func bootstrapAdmin(email: String, password: String, logger: Logger) async throws {
        if let existing = try await users.find(login: email, logger: logger) {
            // The admin an earlier start created: nothing to say. Anything else (the demo admin,
            // a customer with that email, another password) the operator must hear about, since
            // ADMIN_PASSWORD will not sign them in.
            if existing.role == .admin, existing.isActive, try await hasher.verify(password, against: existing.passwordHash) {
                logger.info("bootstrap admin already exists")
                return
            }
            logger.warning(
                "ADMIN_EMAIL names an existing account, so it was left as it is: ADMIN_PASSWORD was not applied; sign in with that account's own password or reset it with an admin",
                metadata: ["user.id": "\(existing.id)", "user.role": "\(existing.role.rawValue)", "user.is_active": "\(existing.isActive)"]
            )
            return
        }
        let username = String(email.split(separator: "@").first ?? "admin").filter { $0.isLetter || $0.isNumber || "_.-".contains($0) }
        do {
            _ = try await insert(
                NewAccount(username: username.count >= 3 ? username : "admin", email: email, password: password, role: .admin),
                logger: logger
            )
            logger.notice("created the bootstrap admin", metadata: ["user.email": "\(email)"])
        } catch let error as StoreError where error.code == .duplicate {
            logger.info("bootstrap admin already exists")
        }
    }
}
