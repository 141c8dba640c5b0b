import ProcessSupport

/// Why migrating, or checking the schema, failed.
public struct MigrationError: StartupFailure, Sendable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let base: String
        public static let missingFiles = Code(base: "missingFiles")
        /// The database is older than this build needs: run `gateway migrate`.
        public static let schemaTooOld = Code(base: "schemaTooOld")
        public var description: String { base }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
