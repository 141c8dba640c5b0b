import Logging
import PostgresNIO

/// Why a statement or a lease failed, in the project's error pattern: a stable ``code``, the
/// server's SQLSTATE and the names it gave, never its message or detail (they can quote row
/// values: "Failing row contains (…)" once carried a password hash) nor the SQL or its binds.
public struct DatabaseError: Error, Sendable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let base: String
        /// The server refused the statement; ``DatabaseError/sqlState`` says why.
        public static let server = Code(base: "server")
        /// The server could not be reached, or the connection was lost, closed or unreadable.
        public static let connection = Code(base: "connection")
        /// postgres-nio refused what was asked before sending it (too many parameters, an
        /// authentication scheme it does not speak).
        public static let client = Code(base: "client")
        public var description: String { base }
    }

    public var code: Code
    public var sqlState: String?
    public var table: String?
    public var column: String?
    public var constraint: String?
    public var routine: String?
    /// postgres-nio's name for what happened (`PSQLError.serverClosedConnection`), for logs.
    public var source: String

    public var description: String { "DatabaseError(\(code)\(sqlState.map { ", \($0)" } ?? ""))" }

    /// `error`, thrown by postgres-nio or the network below it, classified.
    init(_ error: any Error) {
        switch error {
        case let error as DatabaseError:
            self = error
        case let error as PSQLError where error.code == .server:
            let info = error.serverInfo
            self.init(
                code: .server, sqlState: info?[.sqlState], table: info?[.tableName], column: info?[.columnName],
                constraint: info?[.constraintName], routine: info?[.routine], source: "PSQLError.server")
        case let error as PSQLError:
            // Everything but a server reply is about reaching the server (connecting, a closed
            // connection or pool, an unreadable answer) except what postgres-nio refuses to send.
            let refused: [PSQLError.Code] = [.tooManyParameters, .invalidCommandTag, .unsupportedAuthMechanism]
            self.init(code: refused.contains(error.code) ? .client : .connection, source: "PSQLError.\(error.code)")
        case let error as PostgresError:
            // The prepared-statement API reports in postgres-nio's older error type.
            switch error {
            case .server(let message):
                self.init(
                    code: .server, sqlState: message.fields[.sqlState], table: message.fields[.tableName],
                    column: message.fields[.columnName], constraint: message.fields[.constraintName], routine: message.fields[.routine],
                    source: "PostgresError.server")
            case .connectionClosed:
                self.init(code: .connection, source: "PostgresError.connectionClosed")
            case .protocol(let message):
                let refused = message.hasPrefix("Unsupported auth scheme")
                self.init(code: refused ? .client : .connection, source: "PostgresError.protocol")
            }
        default:
            // Below postgres-nio: the socket (IOError, ChannelError, a connect timeout).
            self.init(code: .connection, source: "\(type(of: error))")
        }
    }

    init(
        code: Code, sqlState: String? = nil, table: String? = nil, column: String? = nil, constraint: String? = nil,
        routine: String? = nil, source: String
    ) {
        self.code = code
        self.sqlState = sqlState
        self.table = table
        self.column = column
        self.constraint = constraint
        self.routine = routine
        self.source = source
    }

    /// Whether the same work may well succeed shortly: the server unreachable, restarting or
    /// overloaded, a lock or statement timeout, a transaction rolled back by a conflict. False
    /// when the server refused what was sent for good (a constraint not checked first, bad SQL).
    public var isTransient: Bool {
        switch code {
        case .connection: true
        case .server: Self.isTransient(sqlState: sqlState ?? "")
        default: false
        }
    }

    /// The server refused a row because a unique index already holds its key.
    public var isUniqueViolation: Bool { sqlState == "23505" }

    /// The server refused the rows a statement wrote, not the statement: a constraint they break
    /// or a value out of range (SQLSTATE classes 23 and 22). The same statement over other rows
    /// may well pass, so a batch refused this way can be split to find the rows at fault.
    public var refusesItsRows: Bool {
        code == .server && (sqlState?.hasPrefix("23") == true || sqlState?.hasPrefix("22") == true)
    }

    /// What a log line may say about it.
    public var logMetadata: Logger.Metadata {
        var metadata: Logger.Metadata = ["error.type": "DatabaseError", "error.code": "\(code)", "error.source": "\(source)"]
        let fields = [
            ("error.sql_state", sqlState), ("error.table", table), ("error.column", column), ("error.constraint", constraint),
            ("error.routine", routine),
        ]
        for case (let key, let value?) in fields { metadata[key] = "\(value)" }
        return metadata
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
