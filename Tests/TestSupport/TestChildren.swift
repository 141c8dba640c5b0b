import Foundation

/// Where a test run records what it starts (private Redis servers, processes, local stacks), so
/// that `ops/local/with-stores.sh` stops all of it however the run ends, a crashed test binary
/// included. Without `TEST_CHILDREN_DIR` (a test run by hand) nothing is recorded.
public enum TestChildren {
    static let directory = ProcessInfo.processInfo.environment["TEST_CHILDREN_DIR"].map { URL(fileURLWithPath: $0) }

    /// A new folder for a private server's files, where the run's cleanup looks for its pidfile.
    public static func folder(_ name: String) throws -> URL {
        let folder = (directory ?? FileManager.default.temporaryDirectory).appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Records a process started from `program`, to be stopped if the run ends before it does.
    public static func record(process pid: pid_t, program: String) {
        guard let directory else { return }
        try? program.write(to: directory.appendingPathComponent("process-\(pid)"), atomically: true, encoding: .utf8)
    }

    /// Forgets a process the test stopped and reaped itself.
    public static func forget(process pid: pid_t) {
        guard let directory else { return }
        try? FileManager.default.removeItem(at: directory.appendingPathComponent("process-\(pid)"))
    }

    /// Records a local stack (`ops/local/stack.sh`, `STACK=name`) about to be started.
    public static func record(stack name: String) {
        guard let directory else { return }
        try? name.write(to: directory.appendingPathComponent("stack-\(name)"), atomically: true, encoding: .utf8)
    }
}
