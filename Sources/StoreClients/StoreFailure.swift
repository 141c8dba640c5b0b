import Logging
import Postgres
import ProcessSupport
import Redis

/// A failure of Postgres or Redis, classified for the edge and described for logs.
///
/// `transient`: the store is unreachable, restarting, overloaded or did not answer in time, so
/// the same request may well succeed shortly (503 with `Retry-After`). `bug`: the store answered
/// and refused what we sent (a constraint we did not check first, bad SQL): retrying will not
/// help, and monitoring must see it (500).
public struct StoreFailure: Error, Sendable, CustomStringConvertible {
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        let base: String
        public static let transient = Kind(base: "transient")
        public static let bug = Kind(base: "bug")
        public var description: String { base }
    }

    public var kind: Kind
    /// What a log line may say about the failure: codes and names, never row values or SQL.
    public var logMetadata: Logger.Metadata

    public var description: String { "StoreFailure(\(kind))" }

    /// The classification of `error`, or nil when it is not a store failure.
    public init?(_ error: any Error) {
        switch error {
        case let failure as StoreFailure:
            self = failure
        case let error as DatabaseError:
            self.init(kind: error.isTransient ? .transient : .bug, logMetadata: error.logMetadata)
        case let error as RedisError:
            self.init(kind: error.isTransient ? .transient : .bug, logMetadata: error.logMetadata)
        case let error as DeadlineExceeded:
            self.init(kind: .transient, logMetadata: ["error.type": "DeadlineExceeded", "error.after": "\(error.after)"])
        default:
            return nil
        }
    }

    init(kind: Kind, logMetadata: Logger.Metadata) {
        self.kind = kind
        self.logMetadata = logMetadata
    }
}

extension Logger.Metadata {
    /// Metadata describing `error` for a log line without leaking row values, SQL or secrets:
    /// a store failure's codes and names, otherwise the error's type and description; `extra`
    /// is merged in (the line's own keys).
    public static func describing(_ error: any Error, _ extra: Logger.Metadata = [:]) -> Logger.Metadata {
        extra.merging(errorFields(error)) { own, _ in own }
    }

    private static func errorFields(_ error: any Error) -> Logger.Metadata {
        if let failure = StoreFailure(error) { return failure.logMetadata }
        return ["error.type": "\(type(of: error))", "error.message": "\(String(describing: error))"]
    }
}
