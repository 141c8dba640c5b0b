import Foundation
import TestSupport

/// The local stack of `ops/local/stack.sh` as real processes: nginx on `port` in front of the
/// gateways, and workers, all against the given stores. Each stack has a name of its own, so its
/// pid files, logs and nginx config live under `.data/<name>`.
struct LocalStack: Sendable {
    let name: String
    /// nginx's port; gateways listen on the ports after it, workers from `workerPort`.
    let port: Int
    let workerPort: Int
    let environment: [String: String]

    /// The checkout this test file lives in.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    init(name: String, port: Int, workerPort: Int, settings: [String: String]) {
        self.name = name
        self.port = port
        self.workerPort = workerPort
        let inherited = ProcessInfo.processInfo.environment.filter { ["PATH", "HOME", "LANG"].contains($0.key) }
        environment = inherited.merging(settings) { _, new in new }.merging([
            "STACK": name, "PORT": String(port), "GATEWAY_PORT": String(port + 1), "WORKER_PORT": String(workerPort),
            // STACK_BIN_DIR runs another build's gateway and worker (the same test against the
            // binaries of an earlier commit).
            "BIN_DIR": ProcessInfo.processInfo.environment["STACK_BIN_DIR"] ?? ChildProcess.productsDirectory.path,
        ]) { _, new in new }
    }

    /// Runs `stack.sh command` with `GATEWAYS`/`WORKERS` when given; fails on a non-zero exit.
    func run(_ command: String, gateways: Int? = nil, workers: Int? = nil) async throws {
        var environment = environment
        environment["GATEWAYS"] = gateways.map(String.init)
        environment["WORKERS"] = workers.map(String.init)
        if command == "start" { TestChildren.record(stack: name) }
        let script = Self.root.appendingPathComponent("ops/local/stack.sh").path
        let result = try await ChildProcess.run("/bin/bash", [script, command], environment: environment)
        guard result.status == 0 else {
            throw StackError(description: "stack.sh \(command) exited \(result.status): \(result.standardError.suffix(800))")
        }
    }

    /// The pid of a process of the stack (`gateway-0`, `worker-2`).
    func pid(of process: String) throws -> pid_t {
        let file = Self.root.appendingPathComponent(".data/\(name)/run/\(process).pid")
        let text = try String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let pid = pid_t(text) else { throw StackError(description: "no pid in \(file.path)") }
        return pid
    }

    /// Starts the stack, runs `body`, and stops the stack whatever happened.
    func with<T: Sendable>(gateways: Int, workers: Int, _ body: () async throws -> T) async throws -> T {
        do {
            try await run("start", gateways: gateways, workers: workers)
            let value = try await body()
            try await run("stop")
            return value
        } catch {
            try? await run("stop")
            throw error
        }
    }
}

/// What went wrong driving the stack script.
struct StackError: Error, CustomStringConvertible {
    var description: String
}
