import Foundation
import Hummingbird
import Logging
import ProcessSupport
import ServiceHTTP
import Store

/// Account rules shared by the auth and users routes, the bootstrap admin and the CLI.
struct AccountService: Sendable {
    let users: any UserRepository
    let sessions: SessionStore
    let hasher: PasswordHasher
    let tokens: TokenIssuer

    /// What a new account needs; validated by the caller.
    struct NewAccount: Sendable {
        var username: String
        var email: String
        var password: String
        var role: Role
        var fullName: String?
        var phone: String?
        var address: String?
    }

    /// Creates the account; a taken username or email is ``StoreError/Code/duplicate`` naming
    /// the field.
    func create(_ account: NewAccount, logger: Logger) async throws -> User {
        let hash = try await hasher.hash(account.password)
        let user = User(
            id: UUIDv7.make(), username: account.username, email: account.email.lowercased(), passwordHash: hash,
            role: account.role, fullName: account.fullName, phone: account.phone, address: account.address
        )
        return try await users.create(user, logger: logger)
    }

    /// The active account `login` (a username or an email) names, when `password` is its own;
    /// else ``SignInRefused``, one refusal for every case. Both sign-in limits (per client, and per
    /// client and account however the account is named) are checked before the password, and a
    /// missing account costs the same bcrypt as a wrong password. The API and the console both
    /// sign in through here.
    func authenticate(
        login: String, password: String, client: ClientAddress, limiter: RateLimiter, limits: GatewayConfiguration.RateLimits,
        logger: Logger
    ) async throws -> User {
        let user = login.unicodeScalars.count <= 254 ? try await users.find(login: login, logger: logger) : nil
        let account = user.map { "user:" + $0.id.uuidString.lowercased() } ?? "login:" + Self.normalised(login: login)
        try await limiter.enforce(
            [(limits.loginPerIP, client.rateLimitKey), (limits.loginPerUser, client.rateLimitKey + "|" + account)], logger: logger
        )
        let matches = try await hasher.verify(String(password.prefix(1024)), against: user?.passwordHash)
        guard matches, let user, user.isActive else { throw SignInRefused() }
        return user
    }

    /// How an identifier that names no account is counted: one spelling per case and Unicode
    /// normalisation form, at most 254 code points.
    static func normalised(login: String) -> String {
        String(String.UnicodeScalarView(login.lowercased().precomposedStringWithCanonicalMapping.unicodeScalars.prefix(254)))
    }

    /// A session just started: its tokens, and whose it is.
    struct SignedIn: Sendable {
        var user: User
        var session: SessionRecord
        var accessToken: String
        var refreshToken: String
        /// Seconds the access token lives.
        var expiresIn: Int
    }

    /// Starts a session for `user` (the API's and the console's alike).
    func startSession(for user: User, userAgent: String?, ip: String, logger: Logger) async throws -> SignedIn {
        let (session, refreshToken) = try await sessions.create(
            userID: user.id, role: user.role, userAgent: userAgent, ip: ip, logger: logger)
        let access = try await tokens.sign(userID: user.id, role: user.role, sessionID: session.id)
        return SignedIn(
            user: user, session: session, accessToken: access, refreshToken: refreshToken,
            expiresIn: Int(tokens.lifetime.components.seconds))
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
    func bootstrapAdmin(email: String, password: String, logger: Logger) async throws {
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
            _ = try await create(
                NewAccount(username: username.count >= 3 ? username : "admin", email: email, password: password, role: .admin),
                logger: logger
            )
            logger.notice("created the bootstrap admin", metadata: ["user.email": "\(email)"])
        } catch let error as StoreError where error.code == .duplicate {
            logger.info("bootstrap admin already exists")
        }
    }
}
