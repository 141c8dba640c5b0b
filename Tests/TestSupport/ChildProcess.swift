import Foundation
import ProcessSupport

/// Runs a program to completion with posix_spawn and waitpid (Foundation's `Process` never saw
/// its children exit inside the test runner).
public enum ChildProcess {
    /// What a finished program left behind.
    public struct Result: Sendable {
        public var status: Int32
        public var standardError: String
    }

    /// Runs `path` with `arguments` to completion; `environment` replaces the inherited one.
    ///
    /// The blocking `waitpid` happens on a thread of its own: the test runner has only as many
    /// cooperative threads as cores (2 here), and blocking them stalls every other test.
    @discardableResult
    public static func run(_ path: String, _ arguments: [String], environment: [String: String]? = nil) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Swift.Result { try runBlocking(path, arguments, environment: environment) })
            }
        }
    }

    static func runBlocking(_ path: String, _ arguments: [String], environment: [String: String]?) throws -> Result {
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("stderr-\(UUID().uuidString)").path
        defer { unlink(errorFile) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, errorFile, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        closeInheritedDescriptors(&actions)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let envp = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { for pointer in envp ?? [] { free(pointer) } }
        var pid = pid_t()
        let spawned = envp.map { posix_spawn(&pid, path, &actions, nil, argv, $0) } ?? posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "cannot run \(path): error \(spawned)"])
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        let exitCode = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        let standardError = (try? String(contentsOfFile: errorFile, encoding: .utf8)) ?? ""
        return Result(status: exitCode, standardError: standardError)
    }

    /// Starts a program in the background with `environment`, its output appended to `logFile`;
    /// returns its pid (stop it with `kill` and reap it with ``wait(_:)``).
    public static func spawn(_ path: String, arguments: [String] = [], environment: [String: String], logFile: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logFile, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, logFile, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        closeInheritedDescriptors(&actions)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in envp { free(pointer) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard spawned == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "cannot run \(path): error \(spawned)"])
        }
        return pid
    }

    /// Reaps a child started with ``spawn(_:environment:logFile:)``, off the cooperative threads.
    public static func wait(_ pid: pid_t) async {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) == -1, errno == EINTR {}
                continuation.resume()
            }
        }
    }

    /// The exit status of a child started with ``spawn(_:environment:logFile:)`` once it ends, or
    /// nil when it still runs after `limit` (it is then killed and reaped).
    public static func status(of pid: pid_t, within limit: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + limit
        var status: Int32 = 0
        while ContinuousClock.now < deadline {
            if waitpid(pid, &status, WNOHANG) == pid {
                return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        kill(pid, SIGKILL)
        await wait(pid)
        return nil
    }

    /// Closes every descriptor above stderr in the child. SwiftNIO opens sockets without
    /// close-on-exec, and what a child starts lives on: a Postgres restarted by `pg_ctl` held the
    /// test's client connections to a gateway open, so the gateway never saw them close.
    static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        // glibc ≥ 2.34 has it; Swift's Glibc module does not export it.
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
        } else {
            InheritedDescriptors.closeOnExec()
        }
    }

    /// The directory holding the built products (`gateway`, `worker`) next to the test bundle.
    public static var productsDirectory: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }
}
