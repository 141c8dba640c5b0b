/// Why the fan-out ended a stream.
enum EventStreamEnd: Sendable, Equatable {
    /// Its buffer filled: the client did not keep up. It is told to resume.
    case tooSlow
    /// Its session was revoked (logout, deactivation, a role change).
    case revoked
    /// The gateway is shutting down: the client resumes on another one.
    case shutdown
    /// The client closed the connection: nothing more is written.
    case disconnected
}
