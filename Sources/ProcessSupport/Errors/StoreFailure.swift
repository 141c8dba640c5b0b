import Logging
import PostgresNIO
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

    /// The classification of `error`, or nil when it is not a store failure. Transaction
    /// wrappers are looked through (the error that caused the rollback counts).
    public init?(_ error: any Error) {
        switch error {
        case let failure as StoreFailure:
            self = failure
        case let error as PostgresTransactionError:
            guard let cause = error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError,
                let failure = StoreFailure(cause)
            else { return nil }
            self = failure
        case let error as PSQLError:
            self.init(postgres: error)
        case let error as PostgresError:
            let code = error.code.raw
            self.init(
                kind: Self.isTransient(sqlState: code) ? .transient : .bug,
                logMetadata: ["error.type": "PostgresError", "error.sql_state": "\(code)"])
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

    private init(postgres error: PSQLError) {
        var metadata: Logger.Metadata = ["error.type": "PSQLError", "error.code": "\(error.code)"]
        // Only names: the server's message and detail can quote row values ("Failing row
        // contains (…)" carried a password hash), and the query carries its bindings.
        let fields: [(String, PSQLError.ServerInfo.Field)] = [
            ("error.sql_state", .sqlState), ("error.table", .tableName), ("error.column", .columnName),
            ("error.constraint", .constraintName), ("error.routine", .routine),
        ]
        for (key, field) in fields {
            if let value = error.serverInfo?[field] { metadata[key] = "\(value)" }
        }
        let transient: Bool
        if error.code == .server {
            transient = Self.isTransient(sqlState: error.serverInfo?[.sqlState] ?? "")
        } else {
            // Everything but a server reply is about reaching the server: connecting, a closed
            // connection, a closed pool, a cancelled query.
            transient = ![PSQLError.Code.tooManyParameters, .invalidCommandTag, .unsupportedAuthMechanism].contains(error.code)
        }
        self.init(kind: transient ? .transient : .bug, logMetadata: metadata)
    }

    /// SQLSTATEs that mean "not now" rather than "never": connection exceptions (class 08),
    /// serialization failures and deadlocks (40001, 40P01: the transaction was rolled back and
    /// may be retried), insufficient resources (class 53), a lock or statement timeout (55P03,
    /// 57014), a server shutting down, crashed or starting (57P01–57P03), and a read-only
    /// server during a failover (25006).
    static func isTransient(sqlState: String) -> Bool {
        if sqlState.hasPrefix("08") || sqlState.hasPrefix("53") { return true }
        return ["40001", "40P01", "55P03", "57014", "57P01", "57P02", "57P03", "25006"].contains(sqlState)
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
        // A transaction's own description would print its causes' debug descriptions.
        if let transaction = error as? PostgresTransactionError,
            let cause = transaction.closureError ?? transaction.beginError ?? transaction.commitError ?? transaction.rollbackError
        {
            return errorFields(cause)
        }
        return ["error.type": "\(type(of: error))", "error.message": "\(String(describing: error))"]
    }
}
