import Logging
import NIOCore

/// One script call in a ``RedisClient/run(_:logger:)`` batch.
public struct ScriptCall: Sendable {
    public var script: RedisScript
    public var keys: [String]
    public var arguments: [any RESPArgument]

    public init(_ script: RedisScript, keys: [String], arguments: [any RESPArgument] = []) {
        self.script = script
        self.keys = keys
        self.arguments = arguments
    }

    func command(loading: Bool) -> RedisCommand {
        let tail: [any RESPArgument] = [keys.count] + keys + arguments
        return loading ? RedisCommand("EVAL", [script.source] + tail) : RedisCommand("EVALSHA", [script.sha1] + tail)
    }
}

extension RedisClient {
    /// Runs several scripts in one round trip, then `commands` in the same one; any script the
    /// server has lost (`NOSCRIPT`) is re-sent with its source. Error replies stay in place as
    /// `.error` values; the commands' replies follow the scripts'.
    public func run(
        _ calls: [ScriptCall], then commands: [RedisCommand] = [], timeout: TimeAmount? = nil, logger: Logger? = nil
    ) async throws(RedisError) -> [RESPValue] {
        var replies = try await pipeline(calls.map { $0.command(loading: false) } + commands, timeout: timeout, logger: logger)
        let missing = replies.indices.prefix(calls.count).filter { index in
            if case .error(let message) = replies[index] { return message.hasPrefix("NOSCRIPT") }
            return false
        }
        if !missing.isEmpty {
            let reloaded = try await pipeline(missing.map { calls[$0].command(loading: true) }, timeout: timeout, logger: logger)
            for (index, reply) in zip(missing, reloaded) { replies[index] = reply }
        }
        return replies
    }
}
