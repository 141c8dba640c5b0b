import NIOCore

/// What a ``RedisConnection`` hands its channel: commands to write, when their replies are
/// overdue, and where they go.
struct RedisRequest {
    var commands: [RedisCommand]
    /// Past this the reply stream is out of step with the queue: the connection is dropped.
    var deadline: NIODeadline
    /// Called once, on the channel's event loop, with the replies or the failure.
    var answer: @Sendable (Result<[RESPValue], RedisError>) -> Void
}
