import NIOCore

/// What a ``RedisConnection`` hands its channel: commands to write and where their replies go.
struct RedisRequest {
    var commands: [RedisCommand]
    var promise: EventLoopPromise<[RESPValue]>
}
