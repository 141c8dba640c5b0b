import Logging
import ProcessSupport

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
