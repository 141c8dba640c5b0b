import Foundation
import Logging
import Redis

extension JobQueue {
    /// The keys a kind's queue had before partitions: one tag per kind (`jobs:{orders}:…` for
    /// transitions) and one hash per job.
    struct LegacyKeys {
        let prefix: String
        var scheduled: String { prefix + "scheduled" }
        var inflight: String { prefix + "inflight" }
        var dead: String { prefix + "dead" }
        func job(_ member: String) -> String { prefix + "job:" + member }
        /// What else it kept that nothing reads any more (the kind-level done counter, history and
        /// reconciler lease keep their names for every kind but transitions).
        let leftovers: [String]

        init(kind: JobKind) {
            let prefix = kind == .transition ? "jobs:{orders}:" : "jobs:{\(kind.rawValue)}:"
            let shared = ["wake", "epoch", "pass", "fence"]
            self.prefix = prefix
            leftovers = (kind == .transition ? shared + ["done", "history", "reconciler", "reconciler:urgent"] : shared).map { prefix + $0 }
        }
    }

    /// Moves the jobs this kind kept in the layout before partitions into their partitions (an
    /// upgrade; a worker does it as it starts, before claiming): scheduled ones due as they were,
    /// dead ones dead with their attempts and error, and those in flight (their worker is gone:
    /// an upgrade stops the old workers) due as they were, the attempt not counted. A job the
    /// partition has already is left as it is. Safe to run by several workers at once and again
    /// after a crash: a job moved twice runs twice at most, which every handler makes harmless
    /// (the order's move, the ledger's delivery and the payment's call happen once in effect).
    /// Returns how many jobs it moved.
    @discardableResult
    public func adoptLegacy(logger: Logger) async throws -> Int {
        let legacy = LegacyKeys(kind: kind)
        var moved = 0
        for (set, state) in [(legacy.scheduled, "scheduled"), (legacy.inflight, "inflight"), (legacy.dead, "dead")] {
            while true {
                let entries = try await redis.send(RedisCommand("ZRANGE", set, 0, 499, "WITHSCORES"), logger: logger).array ?? []
                var members: [(member: String, score: String)] = []
                for index in stride(from: 0, to: entries.count - 1, by: 2) {
                    if let member = entries[index].string, let score = entries[index + 1].string { members.append((member, score)) }
                }
                guard !members.isEmpty else { break }
                let details = try await redis.pipeline(
                    members.map { RedisCommand("HMGET", legacy.job($0.member), "attempts", "due", "created", "error") }, logger: logger)
                let calls = zip(members, details).map { entry, detail in
                    let fields = detail.array ?? []
                    let attempts = fields.first?.int ?? 0
                    let due = fields.count > 1 ? fields[1].string : nil
                    let partition = keys.partition(of: entry.member)
                    let (target, score, counted) =
                        switch state {
                        case "dead": ("dead", entry.score, attempts)
                        case "inflight": ("scheduled", due ?? entry.score, max(0, attempts - 1))
                        default: ("scheduled", entry.score, attempts)
                        }
                    return ScriptCall(
                        JobScripts.adopt,
                        keys: [
                            partition.scheduled, partition.inflight, partition.dead, partition.attempts, partition.due,
                            partition.created, partition.error,
                        ],
                        arguments: [
                            entry.member, target, score, counted, due ?? score, fields.count > 2 ? fields[2].string ?? "" : "",
                            fields.count > 3 ? fields[3].string ?? "" : "",
                        ])
                }
                for reply in try await redis.run(calls, logger: logger) {
                    if case .error(let message) = reply { throw RedisError(.server, message) }
                    if reply.int == 1 { moved += 1 }
                }
                _ = try await redis.pipeline(
                    [RedisCommand("ZREM", [set] + members.map(\.member))] + members.map { RedisCommand("DEL", legacy.job($0.member)) },
                    logger: logger)
            }
        }
        _ = try await redis.pipeline(legacy.leftovers.map { RedisCommand("DEL", $0) }, logger: logger)
        if moved > 0 {
            logger.notice(
                "moved jobs kept before partitions into their partitions",
                metadata: ["job.kind": "\(kind.rawValue)", "job.count": "\(moved)", "job.partitions": "\(keys.partitions)"])
        }
        return moved
    }
}
