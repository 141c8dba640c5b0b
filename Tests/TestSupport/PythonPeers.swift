import Foundation

/// The Python peers of the tests (`ops/local/peers.sh` installs them, pinned, in a private venv):
/// where their interpreter and scripts are.
public enum PythonPeers {
    /// The checkout's root (this file is `Tests/TestSupport/PythonPeers.swift`).
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The venv's interpreter: `PEERS_PYTHON`, or the one `ops/local/peers.sh` makes.
    public static var python: String {
        ProcessInfo.processInfo.environment["PEERS_PYTHON"] ?? root.appendingPathComponent(".data/peers/venv/bin/python").path
    }

    /// Starts `Tests/Peers/<script>` with `arguments`, recorded for the run's cleanup; its output
    /// goes to `logFile`. Fails with a hint when the venv is missing.
    public static func start(_ script: String, arguments: [String], logFile: String) throws -> pid_t {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw CocoaError(
                .fileNoSuchFile,
                userInfo: [NSLocalizedDescriptionKey: "no Python peers at \(python): run ops/local/peers.sh (make test does)"])
        }
        let path = root.appendingPathComponent("Tests/Peers/\(script)").path
        let pid = try ChildProcess.spawn(python, arguments: [path] + arguments, environment: ["PATH": "/usr/bin:/bin"], logFile: logFile)
        TestChildren.record(process: pid, program: script)
        return pid
    }

    /// Stops a peer started by ``start(_:arguments:logFile:)`` and reaps it. SIGKILL: a child
    /// spawned from the test binary may inherit a mask that blocks SIGTERM, and a peer keeps
    /// nothing a test needs after it.
    public static func stop(_ pid: pid_t) async {
        kill(pid, SIGKILL)
        await ChildProcess.wait(pid)
        TestChildren.forget(process: pid)
    }

    /// Runs `body` with a peer `start` made, stopping it however `body` ends.
    public static func with<Peer: StoppablePeer, T: Sendable>(
        _ start: () async throws -> Peer, _ body: (Peer) async throws -> T
    ) async throws -> T {
        let peer = try await start()
        do {
            let result = try await body(peer)
            await peer.stop()
            return result
        } catch {
            await peer.stop()
            throw error
        }
    }

    /// Waits for a peer to write its port into `file`.
    public static func port(in file: String, within limit: Duration = .seconds(20)) async throws -> Int {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOfFile: file, encoding: .utf8), let port = Int(text) { return port }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "a peer did not report its port in \(file)"])
    }
}

/// A peer a test starts and must stop: a receiver, a mail sink.
public protocol StoppablePeer: Sendable {
    func stop() async
}
