import Foundation
import Synchronization

/// One of the built executables (`gateway`, `worker`) running as a real process on a loopback
/// port of its own, for tests that must see what a crash or a signal does to it.
public final class ServerProcess: Sendable {
    public let pid: pid_t
    public let port: Int
    public let logFile: String
    /// The exit status once `isRunning` has seen the process end (and reaped it).
    private let exited = Mutex<Int32?>(nil)

    /// Starts `binary` from the build folder with `environment` (PORT or WORKER_PORT is set to a
    /// free port) and waits until `/health/live` answers.
    public init(_ binary: String, environment: [String: String], portVariable: String = "PORT") async throws {
        port = try LoopbackPorts.free()
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("\(binary)-\(UUID().uuidString).log").path
        var environment = environment
        environment[portVariable] = String(port)
        environment["PATH"] = ProcessInfo.processInfo.environment["PATH"]
        let program = ChildProcess.productsDirectory.appendingPathComponent(binary).path
        pid = try ChildProcess.spawn(program, environment: environment, logFile: logFile)
        TestChildren.record(process: pid, program: program)
        for _ in 0..<300 {
            if LoopbackPorts.accepts(port) { return }
            guard isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        kill(pid, SIGKILL)
        await ChildProcess.wait(pid)
        TestChildren.forget(process: pid)
        throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "\(binary) did not start: \(log.suffix(800))"])
    }

    /// Whether the process still runs (not exited, not a zombie).
    public var isRunning: Bool {
        exited.withLock { exited in
            guard exited == nil else { return false }
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { return true }
            exited = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
            return false
        }
    }

    /// How the process ended, once it has (a signal `n` reads as 128 + n).
    public var exitStatus: Int32? {
        _ = isRunning
        return exited.withLock { $0 }
    }

    /// What the process wrote so far.
    public var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

    /// SIGTERM, then SIGKILL after `grace`; reaped either way.
    public func stop(grace: Duration = .seconds(10)) async {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        let status = await ChildProcess.status(of: pid, within: grace)
        exited.withLock { $0 = status ?? 128 + SIGKILL }
        TestChildren.forget(process: pid)
    }
}
