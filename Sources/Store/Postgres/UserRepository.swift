import Foundation
import Logging

/// Users in the database. Usernames and emails are unique case-insensitively.
public protocol UserRepository: Sendable {
    /// Inserts `user`; a taken username or email is ``StoreError/Code/duplicate`` naming the field.
    func create(_ user: User, logger: Logger) async throws -> User
    func find(id: UUID, logger: Logger) async throws -> User?
    /// Finds by username or email, case-insensitively.
    func find(login: String, logger: Logger) async throws -> User?
    func list(_ query: UserQuery, logger: Logger) async throws -> Page<User>
    /// Applies `changes` and returns the updated user, or nil when there is no such user.
    func update(id: UUID, _ changes: UserChanges, logger: Logger) async throws -> User?
}
