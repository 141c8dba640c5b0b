import Foundation

/// Keeps a process's sockets out of the programs it starts.
///
/// SwiftNIO opens sockets without close-on-exec, so a program the process starts inherits them;
/// the one that matters is Swift's crash backtracer (`swift-backtrace`), which held a dead
/// gateway's listening socket for minutes, so nothing could take the port (or restart it).
public enum InheritedDescriptors {
    /// Marks every open descriptor above stderr close-on-exec. Called once the servers listen.
    public static func closeOnExec() {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return }
        for entry in entries {
            guard let fd = Int32(entry), fd > 2 else { continue }
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0, flags & FD_CLOEXEC == 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
        }
    }
}
