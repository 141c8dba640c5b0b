import Foundation
import Synchronization

/// Access tokens whose signature and claims were already checked, until they expire.
///
/// A client sends the same token with every request for its whole lifetime; checking it once
/// saves jwt-kit's HMAC and its two JSON decodes of the payload (6–7 % of a read's CPU). Only
/// the signature check is skipped: the session is still looked up in Redis on every request, so
/// logout and deactivation act at once. Bounded: when full, expired entries go, then all.
final class VerifiedTokenCache: Sendable {
    private let entries = Mutex<[String: (identity: Identity, expires: Date)]>([:])
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The identity of a token checked earlier and not expired at `now`.
    func identity(for token: String, now: Date = Date()) -> Identity? {
        entries.withLock { entries in
            guard let entry = entries[token] else { return nil }
            guard entry.expires > now else {
                entries[token] = nil
                return nil
            }
            return entry.identity
        }
    }

    func remember(_ token: String, as identity: Identity, until expires: Date, now: Date = Date()) {
        entries.withLock { entries in
            if entries.count >= capacity {
                entries = entries.filter { $0.value.expires > now }
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[token] = (identity, expires)
        }
    }

    var count: Int { entries.withLock { $0.count } }
}
