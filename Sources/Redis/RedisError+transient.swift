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

    /// For log lines: the code and the server's reply or the I/O error (our client never puts
    /// a password or a value into either).
    public var logMetadata: Logger.Metadata {
        ["error.type": "RedisError", "error.code": "\(code)", "error.message": "\(message)"]
    }
}
