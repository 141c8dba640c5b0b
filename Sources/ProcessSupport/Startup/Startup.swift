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
    } catch let error as any StartupFailure {
        failStartup("startup failed: \(error.message)", status: 1)
    } catch {
        // The same safe description a log line gets: a store error's codes, never its query.
        let fields = Logger.Metadata.describing(error).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        failStartup("startup failed: " + fields.joined(separator: " "), status: 1)
    }
}

private func failStartup(_ line: String, status: Int32) -> Never {
    FileHandle.standardError.write(Data((line + "\n").utf8))
    exit(status)
}
