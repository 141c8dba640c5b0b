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

/// Prints `line` to standard error and exits with `status`: how a process that cannot start says why.
public func failStartup(_ line: String, status: Int32) -> Never {
    FileHandle.standardError.write(Data((line + "\n").utf8))
    exit(status)
}
