import Foundation
import Logging
import Postgres
import PostgresNIO

/// ``UserRepository`` on Postgres.
public struct PostgresUserRepository: UserRepository {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    static let columns =
        "id, username, email, password_hash, role, full_name, phone, address, is_active, is_verified, created_at, updated_at, email_notifications"

    public func create(_ user: User, logger: Logger) async throws -> User {
        do {
            let created = try Self.users(
                try await database.query(
                    """
                    INSERT INTO users (id, username, email, password_hash, role, full_name, phone, address, is_active, is_verified)
                    VALUES (\(user.id), \(user.username), \(user.email), \(user.passwordHash), \(user.role.rawValue),
                            \(user.fullName), \(user.phone), \(user.address), \(user.isActive), \(user.isVerified))
                    RETURNING \(unescaped: Self.columns)
                    """,
                    logger: logger
                )
            ).first
            guard let created else { throw StoreError(.notFound) }
            return created
        } catch let error as DatabaseError where error.isUniqueViolation {
            let constraint = error.constraint ?? ""
            throw StoreError(.duplicate, field: constraint.contains("email") ? "email" : "username")
        }
    }

    public func find(id: UUID, logger: Logger) async throws -> User? {
        try Self.users(try await database.query("SELECT \(unescaped: Self.columns) FROM users WHERE id = \(id)", logger: logger)).first
    }

    public func find(login: String, logger: Logger) async throws -> User? {
        try Self.users(
            try await database.query(
                """
                SELECT \(unescaped: Self.columns) FROM users
                WHERE lower(username) = lower(\(login)) OR lower(email) = lower(\(login))
                ORDER BY lower(username) = lower(\(login)) DESC
                LIMIT 1
                """,
                logger: logger
            )
        ).first
    }

    public func list(_ query: UserQuery, logger: Logger) async throws -> Page<User> {
        let pattern = query.search.map { "%" + Self.escapeLike($0.lowercased()) + "%" }
        // The total comes from the same snapshot as the page, and is there even past the last page.
        let rows = try await database.query(
            """
            WITH filtered AS (
                SELECT * FROM users
                WHERE (\(query.role?.rawValue)::text IS NULL OR role = \(query.role?.rawValue))
                  AND (\(query.isActive)::boolean IS NULL OR is_active = \(query.isActive))
                  AND (\(pattern)::text IS NULL
                       OR lower(username) LIKE \(pattern) OR lower(email) LIKE \(pattern)
                       OR lower(coalesce(full_name, '')) LIKE \(pattern))
            )
            SELECT (SELECT count(*) FROM filtered), page.id
            FROM (SELECT 1) AS one
            LEFT JOIN LATERAL (
                SELECT id, created_at FROM filtered ORDER BY created_at DESC, id DESC
                LIMIT \(query.size) OFFSET \((query.page - 1) * query.size)
            ) AS page ON true
            ORDER BY page.created_at DESC, page.id DESC
            """,
            logger: logger
        )
        var total = 0
        var ids: [UUID] = []
        for row in rows {
            let (count, id) = try row.decode((Int, UUID?).self)
            total = count
            if let id { ids.append(id) }
        }
        guard !ids.isEmpty else { return Page(items: [], total: total) }
        let users = try Self.users(
            try await database.query(
                "SELECT \(unescaped: Self.columns) FROM users WHERE id = ANY(\(ids)) ORDER BY created_at DESC, id DESC",
                logger: logger
            ))
        return Page(items: users, total: total)
    }

    public func update(id: UUID, _ changes: UserChanges, logger: Logger) async throws -> User? {
        let mayRemoveAnAdmin = changes.role.map { $0 != .admin } == true || changes.isActive == false
        guard mayRemoveAnAdmin else {
            return try await database.withConnection { try await Self.update(id: id, changes, on: $0, logger: logger) }
        }
        // Changes that may leave the shop without an admin are serialised (one lock for all of
        // them) and refused when no active admin would remain: two admins demoting each other at
        // once cannot both succeed, whatever the timing.
        return try await database.transaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended('users:admins', 0))", logger: logger)
            let updated = try await Self.update(id: id, changes, on: connection, logger: logger)
            let admins =
                try await connection.query("SELECT count(*) FROM users WHERE role = 'admin' AND is_active", logger: logger)
                .first?.decode(Int.self) ?? 0
            if admins == 0 { throw StoreError(.lastAdmin) }
            return updated
        }
    }

    static func update(id: UUID, _ changes: UserChanges, on connection: DatabaseConnection, logger: Logger) async throws -> User? {
        try users(
            try await connection.query(
                """
                UPDATE users SET
                    full_name = CASE WHEN \(changes.fullName != nil) THEN \(changes.fullName ?? nil) ELSE full_name END,
                    phone = CASE WHEN \(changes.phone != nil) THEN \(changes.phone ?? nil) ELSE phone END,
                    address = CASE WHEN \(changes.address != nil) THEN \(changes.address ?? nil) ELSE address END,
                    role = coalesce(\(changes.role?.rawValue), role),
                    is_active = coalesce(\(changes.isActive), is_active),
                    email_notifications = coalesce(\(changes.emailNotifications), email_notifications),
                    password_hash = coalesce(\(changes.passwordHash), password_hash),
                    updated_at = now()
                WHERE id = \(id)
                RETURNING \(unescaped: Self.columns)
                """,
                logger: logger
            )
        ).first
    }

    // MARK: Rows

    static func users(_ rows: [DatabaseRow]) throws -> [User] {
        try rows.map(user)
    }

    static func user(_ row: DatabaseRow) throws -> User {
        let (id, username, email, hash, role, fullName, phone, address, isActive, isVerified, createdAt, updatedAt, emailNotifications) =
            try row.decode((UUID, String, String, String, String, String?, String?, String?, Bool, Bool, Date, Date, Bool).self)
        return User(
            id: id, username: username, email: email, passwordHash: hash, role: Role(rawValue: role) ?? .customer,
            fullName: fullName, phone: phone, address: address, isActive: isActive, isVerified: isVerified,
            emailNotifications: emailNotifications, createdAt: createdAt, updatedAt: updatedAt
        )
    }

    /// Escapes `%`, `_` and `\` so a search term matches literally inside LIKE.
    static func escapeLike(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(
            of: "_", with: "\\_")
    }
}
