import Logging

extension RedisError {
    /// Server replies that mean "not now": loading a data set, busy with a script, out of
    /// memory, a replica during a failover, a cluster that is reshaping.
    static let transientReplies: Set<Substring> = [
        "LOADING", "BUSY", "OOM", "READONLY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "NOREPLICAS",
    ]

    /// Whether the same command may succeed shortly: Redis could not be reached or did not
    /// answer, or answered with one of ``transientReplies``.
    public var isTransient: Bool {
        switch code {
        case .connectionFailed, .connectionClosed, .timeout, .shutdown: true
        case .server: serverErrorPrefix.map(Self.transientReplies.contains) ?? false
        default: false
        }
    }

    /// Whether a cluster node answered that the key's slot is served elsewhere (`MOVED`, `ASK`):
    /// a blocked command's connection gets it when its key's slot moves; the command belongs on
    /// a connection to the slot's new node, at once.
    public var isRedirect: Bool {
        code == .server && (serverErrorPrefix == "MOVED" || serverErrorPrefix == "ASK")
    }

    /// For log lines: the code and the server's reply or the I/O error (our client never puts
    /// a password or a value into either).
    public var logMetadata: Logger.Metadata {
        ["error.type": "RedisError", "error.code": "\(code)", "error.message": "\(message)"]
    }
}
