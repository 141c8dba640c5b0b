import Logging
import Synchronization

/// Reads of one value by key, gathered into one read of many keys while the database is busy.
///
/// At most ``concurrency`` reads run at once. A key asked for while they all run waits, and the
/// first of them to finish hands every key waiting by then (up to ``batchSize``) to one new read:
/// under load, a statement per batch instead of one per key, where the per-statement costs
/// (a lease, a round trip, the backend's wake-up, parse-free but per-statement executor start)
/// are most of a single row's. Below the limit a key is read alone, at once, as if there were no
/// batcher. A waiting key is only ever answered by a read started after it was asked for, so a
/// reader sees every write committed before it asked.
///
/// In `Store`, beside its one user, so that the optimizer specializes it for orders (from
/// `Postgres`, a lone read paid 15,700 instructions for generic metadata and witness calls).
///
/// The read runs in the task of one of the keys' callers (the first of the batch), which
/// answers the others when it returns. A caller cancelled while waiting (its request's deadline)
/// leaves at once; one cancelled before its read ran hands its batch to the next caller in it.
public final class ReadBatcher<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// Reads `keys` (distinct, at least one) at once: the value of each key found.
    public typealias Read = @Sendable (_ keys: [Key], _ logger: Logger) async throws -> [Key: Value]

    /// What a waiting caller is woken with: its answer, or a batch to read.
    private enum Turn: Sendable {
        case answered(Result<Value?, any Error>)
        case lead([Waiter])
    }

    private struct Waiter: Sendable {
        let id: UInt64
        let key: Key
        let continuation: CheckedContinuation<Turn, Never>
    }

    private struct State {
        /// Reads running, each led by one caller.
        var running = 0
        /// Non-empty only while `running == concurrency`.
        var waiting: [Waiter] = []
        var lastID: UInt64 = 0
    }

    /// How many reads may run at once.
    public let concurrency: Int
    /// The most keys one read takes.
    public let batchSize: Int
    private let single: @Sendable (Key, Logger) async throws -> Value?
    private let many: Read
    private let state = Mutex(State())

    /// - Parameters:
    ///   - single: reads one key: the statement a key asked for alone runs (the hottest one,
    ///     planned for one row).
    ///   - many: reads several keys in one statement.
    public init(
        concurrency: Int, batchSize: Int, single: @escaping @Sendable (Key, Logger) async throws -> Value?, many: @escaping Read
    ) {
        self.concurrency = max(1, concurrency)
        self.batchSize = max(1, batchSize)
        self.single = single
        self.many = many
    }

    /// The value of `key`, or nil when there is none; what the read throws comes out unchanged.
    /// A read logs to the logger of the caller that runs it.
    public func value(for key: Key, logger: Logger) async throws -> Value? {
        let leads = state.withLock { state in
            guard state.running < concurrency else { return false }
            state.running += 1
            return true
        }
        let turn = leads ? .lead([]) : await wait(for: key)
        switch turn {
        case .answered(let answer): return try answer.get()
        case .lead(let others): return try await read(key, with: others, logger: logger)
        }
    }

    /// Queues `key` until a finishing read answers it or hands it a batch; leaves at once, with a
    /// `CancellationError`, when the task is cancelled meanwhile.
    private func wait(for key: Key) async -> Turn {
        let id = state.withLock { state in
            state.lastID &+= 1
            return state.lastID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Turn, Never>) in
                let now: Turn? = state.withLock { state in
                    // Checked under the lock the cancellation handler takes.
                    if Task.isCancelled { return .answered(.failure(CancellationError())) }
                    if state.running < concurrency {
                        state.running += 1
                        return .lead([])
                    }
                    state.waiting.append(Waiter(id: id, key: key, continuation: continuation))
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let index = state.waiting.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiting.remove(at: index)
            }
            waiter?.continuation.resume(returning: .answered(.failure(CancellationError())))
        }
    }

    /// Reads `key` and the keys of `others` in one read, answers `others`, then hands the
    /// waiting keys to a new read (or ends this one's turn).
    private func read(_ key: Key, with others: [Waiter], logger: Logger) async throws -> Value? {
        let answer: Result<[Key: Value], any Error>
        if Task.isCancelled {
            answer = .failure(CancellationError())
        } else if others.isEmpty {
            do {
                let value = try await single(key, logger)
                handOn()
                return value
            } catch {
                answer = .failure(error)
            }
        } else {
            var keys = [key]
            for waiter in others where !keys.contains(waiter.key) { keys.append(waiter.key) }
            do { answer = .success(try await many(keys, logger)) } catch { answer = .failure(error) }
        }
        if case .failure = answer, Task.isCancelled, let next = others.first {
            // This caller's cancellation must not fail the others: the next one reads for them.
            next.continuation.resume(returning: .lead(Array(others.dropFirst())))
            throw CancellationError()
        }
        handOn()
        for waiter in others { waiter.continuation.resume(returning: .answered(answer.map { $0[waiter.key] })) }
        return try answer.get()[key]
    }

    /// How many keys wait for a read now.
    public var waitingCount: Int { state.withLock { $0.waiting.count } }

    /// Ends a read's turn: the keys waiting, if any, go to a new read led by the first of them.
    private func handOn() {
        let next: [Waiter]? = state.withLock { state in
            guard !state.waiting.isEmpty else {
                state.running -= 1
                return nil
            }
            let count = min(batchSize, state.waiting.count)
            defer { state.waiting.removeFirst(count) }
            return Array(state.waiting.prefix(count))
        }
        if let next, let first = next.first { first.continuation.resume(returning: .lead(Array(next.dropFirst()))) }
    }
}
