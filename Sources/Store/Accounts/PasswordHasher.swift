import Crypto
import Foundation
import HummingbirdBcrypt
import NIOPosix

/// bcrypt over a SHA-256 pre-hash, run on the thread pool (never on an event loop).
///
/// bcrypt reads only 72 bytes; hashing the password with SHA-256 first (base64, 44 bytes) means a
/// long password is never silently truncated. Stored hashes carry a scheme prefix so the scheme
/// can change later without a flag day.
public struct PasswordHasher: Sendable {
    static let scheme = "bcrypt-sha256$"
    let cost: UInt8
    /// A hash of a random password, checked when a login names no account, so that a missing
    /// account costs the same time as a wrong password.
    let decoy: String

    public init(cost: Int) {
        self.cost = UInt8(cost)
        self.decoy = Self.scheme + Bcrypt.hash(Self.prehash(UUID().uuidString), cost: UInt8(cost))
    }

    public func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await NIOThreadPool.singleton.runIfActive {
            Self.scheme + Bcrypt.hash(Self.prehash(password), cost: cost)
        }
    }

    /// Checks `password` against `stored`, or against the decoy when there is no account.
    public func verify(_ password: String, against stored: String?) async throws -> Bool {
        let target = stored ?? decoy
        let matches = try await NIOThreadPool.singleton.runIfActive {
            guard target.hasPrefix(Self.scheme) else { return false }
            return Bcrypt.verify(Self.prehash(password), hash: String(target.dropFirst(Self.scheme.count)))
        }
        return matches && stored != nil
    }

    static func prehash(_ password: String) -> String {
        Data(SHA256.hash(data: Array(password.utf8))).base64EncodedString()
    }
}
