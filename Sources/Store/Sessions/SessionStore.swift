import Crypto
import Foundation
import Logging
import Redis

/// Login sessions in Redis. A session lives as long as its refresh token (sliding on refresh);
/// deleting it ends every access token bound to it at once.
public struct SessionStore: Sendable {
    let redis: RedisClient
    /// Lifetime of a session without a refresh.
    let ttl: Duration
    /// Open sessions a user may have; starting one more ends the oldest.
    let maxSessions: Int

    public init(redis: RedisClient, ttl: Duration, maxSessions: Int = 10) {
        self.redis = redis
        self.ttl = ttl
        self.maxSessions = maxSessions
    }

    var ttlMilliseconds: Int { Int(ttl.components.seconds * 1000) }

    /// How a user is named in Redis keys and tags: every key of one user (sessions, their index,
    /// the user's rate-limit counter) carries `{<this>}`, so all share one cluster slot.
    public static func keyName(of userID: UUID) -> String { userID.lowercasedString }

    static func sessionKey(_ userID: UUID, _ sessionID: String) -> String { sessionKey(user: keyName(of: userID), sessionID) }
    /// The session's key for a user already named (``keyName(of:)``).
    static func sessionKey(user: String, _ sessionID: String) -> String { "session:{\(user)}:\(sessionID)" }
    static func indexKey(_ userID: UUID) -> String { "sessions:{\(keyName(of: userID))}" }

    /// Starts a session and returns it with its first refresh token.
    public func create(
        userID: UUID, role: Role, userAgent: String?, ip: String?, logger: Logger
    ) async throws -> (session: SessionRecord, refreshToken: String) {
        let sessionID = Self.randomToken(bytes: 16)
        let secret = Self.randomToken(bytes: 32)
        // The user's other sessions are read only when the cap needs some ended.
        let created = try await runDeclaringSessions(
            SessionScripts.create, of: userID, readFirst: false,
            keys: [Self.sessionKey(userID, sessionID), Self.indexKey(userID)],
            arguments: [
                userID.lowercasedString, role.rawValue, Self.hash(secret), ttlMilliseconds,
                String((userAgent ?? "").prefix(256)), ip ?? "", sessionID, maxSessions,
            ],
            logger: logger
        )
        let now = Date(timeIntervalSince1970: Double(created.int ?? 0) / 1000)
        let session = SessionRecord(
            id: sessionID, userID: userID, role: role, createdAt: now, lastSeenAt: now, userAgent: userAgent, ip: ip)
        return (session, Self.refreshToken(userID: userID, sessionID: sessionID, secret: secret))
    }

    /// The script call that authenticates a request, for batching with other per-request calls.
    func touchCall(userID: UUID, sessionID: String) -> ScriptCall {
        ScriptCall(SessionScripts.touch, keys: [Self.sessionKey(userID, sessionID)])
    }

    /// Interprets the reply of ``touchCall(userID:sessionID:)``.
    static func role(fromTouch reply: RESPValue) throws(RedisError) -> Role? {
        if case .error(let message) = reply { throw RedisError(.server, message) }
        return reply.string.flatMap(Role.init(rawValue:))
    }

    /// Rotates a refresh token; a token that was already used revokes its session.
    public func refresh(token: String, logger: Logger) async throws -> RefreshOutcome {
        guard let (userID, sessionID, secret) = Self.parse(refreshToken: token) else { return .invalid }
        let newSecret = Self.randomToken(bytes: 32)
        let reply = try await redis.run(
            SessionScripts.rotate,
            keys: [Self.sessionKey(userID, sessionID), Self.indexKey(userID)],
            arguments: [Self.hash(secret), Self.hash(newSecret), ttlMilliseconds, sessionID],
            logger: logger
        )
        let values = reply.array ?? []
        switch values.first?.int {
        case 1:
            guard let role = values.dropFirst().first?.string.flatMap(Role.init(rawValue:)) else { return .invalid }
            return .rotated(
                userID: userID, sessionID: sessionID, role: role,
                refreshToken: Self.refreshToken(userID: userID, sessionID: sessionID, secret: newSecret))
        case -1:
            logger.warning("refresh token reused; session revoked", metadata: ["user.id": "\(userID)", "session.id": "\(sessionID)"])
            return .reused
        default:
            return .invalid
        }
    }

    /// Ends one session; false when it did not exist.
    @discardableResult
    public func revoke(userID: UUID, sessionID: String, logger: Logger) async throws -> Bool {
        let replies = try await redis.pipeline(
            [
                RedisCommand("DEL", Self.sessionKey(userID, sessionID)),
                RedisCommand("SREM", Self.indexKey(userID), sessionID),
            ], logger: logger)
        return replies.first?.int == 1
    }

    /// Ends every session of a user (logout everywhere, deactivation, role or password change).
    public func revokeAll(userID: UUID, logger: Logger) async throws {
        _ = try await runDeclaringSessions(
            SessionScripts.revokeAll, of: userID, readFirst: true, keys: [Self.indexKey(userID)], arguments: [], logger: logger)
    }

    /// Runs a script that may touch any of the user's sessions, declaring each: `keys` and
    /// `arguments`, then the key of every session the index lists and, in the arguments, its id.
    /// The script answers `RETRY` when the index lists a session it was not given (started in
    /// between, or not read yet when `readFirst` is false); the index is read and the call made
    /// again, at most 5 times.
    private func runDeclaringSessions(
        _ script: RedisScript, of userID: UUID, readFirst: Bool, keys: [String], arguments: [any RESPArgument], logger: Logger
    ) async throws -> RESPValue {
        var ids: [String] = []
        var read = readFirst
        for _ in 0..<5 {
            if read {
                ids =
                    try await redis.send(RedisCommand("SMEMBERS", Self.indexKey(userID)), logger: logger).array?.compactMap(\.string) ?? []
            }
            let reply = try await redis.run(
                script, keys: keys + ids.map { Self.sessionKey(userID, $0) }, arguments: arguments + ids, logger: logger)
            guard reply.string == "RETRY" else { return reply }
            read = true
        }
        throw RedisError(.server, "TRYAGAIN the user's sessions kept changing")
    }

    /// The user's live sessions, newest first; ids of expired ones are pruned from the index.
    public func list(userID: UUID, logger: Logger) async throws -> [SessionRecord] {
        let ids = try await redis.send(RedisCommand("SMEMBERS", Self.indexKey(userID)), logger: logger).array?.compactMap(\.string) ?? []
        guard !ids.isEmpty else { return [] }
        let replies = try await redis.pipeline(ids.map { RedisCommand("HGETALL", Self.sessionKey(userID, $0)) }, logger: logger)
        var sessions: [SessionRecord] = []
        var expired: [String] = []
        for (id, reply) in zip(ids, replies) {
            let fields = reply.array?.compactMap(\.string) ?? []
            guard !fields.isEmpty else {
                expired.append(id)
                continue
            }
            var map: [String: String] = [:]
            for pair in stride(from: 0, to: fields.count - 1, by: 2) { map[fields[pair]] = fields[pair + 1] }
            sessions.append(
                SessionRecord(
                    id: id, userID: userID, role: map["role"].flatMap(Role.init(rawValue:)) ?? .customer,
                    createdAt: Date(timeIntervalSince1970: (Double(map["ca"] ?? "") ?? 0) / 1000),
                    lastSeenAt: Date(timeIntervalSince1970: (Double(map["ls"] ?? "") ?? 0) / 1000),
                    userAgent: map["ua"].flatMap { $0.isEmpty ? nil : $0 },
                    ip: map["ip"].flatMap { $0.isEmpty ? nil : $0 }
                ))
        }
        if !expired.isEmpty {
            try await redis.send(RedisCommand("SREM", [Self.indexKey(userID)] + expired), logger: logger)
        }
        return sessions.sorted { $0.createdAt > $1.createdAt }
    }

    // MARK: Tokens

    /// `<user id>.<session id>.<secret>`: opaque to clients; only the secret's hash is stored.
    static func refreshToken(userID: UUID, sessionID: String, secret: String) -> String {
        "\(userID.lowercasedString).\(sessionID).\(secret)"
    }

    static func parse(refreshToken token: String) -> (UUID, String, String)? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let userID = UUID(parsing: String(parts[0])),
            parts[1].count == 22, parts[2].count == 43
        else { return nil }
        return (userID, String(parts[1]), String(parts[2]))
    }

    static func hash(_ secret: String) -> String {
        SHA256.hash(data: Array(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// URL-safe base64 of `bytes` random bytes from the system's CSPRNG.
    static func randomToken(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
