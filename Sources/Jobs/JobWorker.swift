import Foundation
import Logging
import Metrics
import ProcessSupport
import Redis
import ServiceLifecycle
import Store
import StoreClients
import Synchronization

/// Runs the job kinds this process was started for (`JOB_KINDS`), one ``JobKindRunner`` each,
/// until graceful shutdown. Alongside: heartbeats, lease reaping, and each kind's cluster-wide
/// reconciler.
final class JobWorker: Service, Sendable {
    struct Options: Sendable {
        var reconcileInterval: Duration
        /// The longest a claim loop blocks between checks (of the schedule's epoch, of shutdown).
        var maxSleep: Duration = .milliseconds(500)
        /// `host:port` of this worker instance, when its port is fixed: a process that finds its
        /// predecessor's jobs still leased hands them back at once (see ``releaseAbandoned()``).
        var instance: String?
        /// Lateness of a punctual kind past which the others give way (``GiveWay``); nil: never.
        var giveWayAfter: Duration? = .milliseconds(10)
    }

    let id: String
    /// The machine's name, read once: Foundation's `hostName` may resolve names on every call.
    let host: String
    let options: Options
    let runners: [JobKindRunner]
    let registry: WorkerRegistry
    let redis: RedisClient
    let logger: Logger
    let startedAt = Date()
    /// Set once this process's HTTP server listens on its port.
    let listening = Mutex(false)

    /// `lanes`: the kinds that run on a thread of their own, with that thread's Redis client.
    init(options: Options, redis: RedisClient, handlers: [any JobHandler], lanes: [JobKind: JobLane] = [:], logger: Logger) {
        let host = Self.machineName()
        let id = "\(options.instance ?? host)/\(getpid())-\(UUID().uuidString.prefix(6).lowercased())"
        self.host = host
        self.id = id
        self.options = options
        self.registry = WorkerRegistry(redis: redis)
        self.redis = redis
        var logger = logger
        logger[metadataKey: "worker.id"] = "\(id)"
        self.logger = logger
        // The others give way to a punctual kind only when there is one.
        let giveWay = options.giveWayAfter.flatMap { target in
            handlers.contains { $0.policy.punctual } && handlers.count > 1 ? GiveWay(target: target) : nil
        }
        self.runners = handlers.map {
            let lane = lanes[$0.kind]
            return JobKindRunner(
                handler: $0, redis: lane?.redis ?? redis, executor: lane?.executor, giveWay: giveWay, workerID: id,
                maxSleep: options.maxSleep, logger: logger)
        }
    }

    /// Jobs this process finished, over every kind.
    var jobsDone: Int { runners.reduce(0) { $0 + $1.done.value } }

    func run() async throws {
        logger.info(
            "worker started",
            metadata: [
                "worker.kinds": "\(runners.map(\.kind.rawValue).joined(separator: ","))",
                "worker.concurrency": "\(runners.map { "\($0.kind.rawValue)=\($0.policy.concurrency)" }.joined(separator: ","))",
            ])
        try await prepareQueues()
        await withDiscardingTaskGroup { group in
            group.addTask { await self.every(.seconds(2)) { try await self.heartbeat() } }
            // Every worker reads the same depths (a script per partition and kind): not too often.
            group.addTask { await self.every(.seconds(10)) { for runner in self.runners { try await runner.recordDepth() } } }
            for runner in runners {
                group.addTask { await self.every(.seconds(1)) { try await runner.reap() } }
                group.addTask {
                    await self.every(self.options.reconcileInterval) {
                        try await runner.handler.reconcile(owner: self.id, interval: self.options.reconcileInterval, logger: runner.logger)
                    }
                }
            }
            group.addTask { await self.releaseAbandoned() }
            await withDiscardingTaskGroup { loops in
                for runner in runners { loops.addTask(executorPreference: runner.executor) { await runner.claimLoop() } }
            }
            group.cancelAll()
        }
        try? await registry.remove(id: id, logger: logger)
        logger.info("worker stopped", metadata: ["worker.jobs_done": "\(jobsDone)"])
    }

    /// `gethostname(2)`: the kernel's name for this machine, without a resolver round trip.
    static func machineName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown-host" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    // MARK: Before claiming

    /// Waits for Redis, then checks that the deployment's queues have as many partitions as
    /// this process would use (claiming from others than the gateways enqueue into would leave
    /// jobs for the reconcilers only), and moves in the jobs kept before partitions.
    private func prepareQueues() async throws {
        let partitions = runners.first?.queue.keys.partitions ?? JobPartitions.count
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let recorded = try await JobQueues(redis: redis, partitions: partitions).recordedPartitions(logger: logger) ?? partitions
                guard recorded == partitions else {
                    throw ConfigurationError(
                        key: "JOB_PARTITIONS",
                        reason:
                            "is \(partitions) but this deployment's queues have \(recorded) partitions (jobs:{layout}:partitions in Redis); docs/CAPACITY.md says how to change it"
                    )
                }
                for runner in runners { try await runner.queue.adoptLegacy(logger: runner.logger) }
                return
            } catch let error as ConfigurationError {
                logger.critical("\(error)")
                throw error
            } catch {
                logger.warning("waiting for Redis before claiming", metadata: Logger.Metadata.describing(error))
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    // MARK: Alongside

    /// Once this process listens on its instance's port (so no earlier process of the instance
    /// still runs on this host), hands back the jobs an earlier one left leased when it died.
    private func releaseAbandoned() async {
        guard let instance = options.instance else { return }
        // Polled (at start only), so a worker whose server never starts still stops at once.
        while !listening.withLock({ $0 }) {
            guard !Task.isCancelled, !Task.isShuttingDownGracefully else { return }
            try? await Task.sleep(for: .milliseconds(50))
        }
        for runner in runners { await runner.releaseAbandoned(instance: instance) }
    }

    private func heartbeat() async throws {
        try await registry.beat(
            .init(id: id, host: host, pid: Int(getpid()), startedAt: startedAt, lastSeenAt: Date(), jobsDone: jobsDone),
            ttl: .seconds(10), logger: logger
        )
    }

    /// Runs `body` every `interval` until shutdown; an error is logged and the next round comes.
    /// Each run is bounded: a query that neither answers nor fails must not stop a reaper or a
    /// reconciler for good.
    private func every(_ interval: Duration, _ body: @escaping @Sendable () async throws -> Void) async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Deadline.race(max(interval, .seconds(60)), body)
                } catch {
                    self.logger.warning("background task failed", metadata: Logger.Metadata.describing(error))
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
