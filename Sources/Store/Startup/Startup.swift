import Foundation
import Logging
import PostgresNIO

/// Reads configuration, or prints the one-line reason it is bad and exits with status 78 (EX_CONFIG).
public func loadConfiguration<T>(_ make: (Settings) throws(ConfigurationError) -> T) async -> T {
    do {
        return try make(try await Settings.load())
    } catch let error as ConfigurationError {
        failStartup(error.description, status: 78)
    } catch {
        failStartup("configuration error: \(error)", status: 78)
    }
}

/// Runs a process's main work; a failure to start prints one line, not a stack trace, and exits 1.
public func exitOnStartupFailure(_ body: () async throws -> Void) async {
    do {
        try await body()
    } catch let error as MigrationError {
        failStartup("startup failed: \(error.message)", status: 1)
    } catch {
        // The same safe description a log line gets: a store error's codes, never its query.
        let fields = Logger.Metadata.describing(error).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        failStartup("startup failed: " + fields.joined(separator: " "), status: 1)
    }
}

/// Applies every bundled migration with a short-lived client, for `gateway migrate` and `make migrate`.
public func runMigrations(_ configuration: PlatformConfiguration) async throws {
    var logger = Logger(label: "migrate")
    logger.logLevel = configuration.logLevel
    let client = PostgresClient(configuration: configuration.postgres, backgroundLogger: logger)
    try await withThrowingDiscardingTaskGroup { group in
        group.addTask { await client.run() }
        let applied = try await Migrator(client: client, migrations: Migration.bundled(), logger: logger).migrate()
        logger.info("migrations done", metadata: ["migration.applied": "\(applied.count)"])
        group.cancelAll()
    }
}

private func failStartup(_ line: String, status: Int32) -> Never {
    FileHandle.standardError.write(Data((line + "\n").utf8))
    exit(status)
}
