import Logging
import Store
import Synchronization
import Testing

/// ``ReadBatcher`` over reads a test holds and lets go one by one: which keys go together, who
/// is answered by what, and what a failure or a cancellation does to the others.
@Suite("Read batcher", .timeLimit(.minutes(1)))
struct ReadBatcherTests {
    // MARK: Batches

    @Test func belowTheLimitEachKeyIsReadAloneAtOnce() async throws {
        let reads = HeldReads()
        let batcher = reads.batcher(concurrency: 2)
        async let first = batcher.value(for: 1, logger: Self.logger)
        async let second = batcher.value(for: 2, logger: Self.logger)
        try await reads.until(count: 2)
        #expect(reads.calls.map(\.keys).sorted { $0[0] < $1[0] } == [[1], [2]])
        #expect(reads.calls.allSatisfy { $0.single })
        reads.release(0)
        reads.release(1)
        let answers = try await [first, second]
        #expect(answers == ["1", "2"])
    }

    @Test func keysAskedWhileEveryReadRunsGoTogetherInTheNextRead() async throws {
        let reads = HeldReads()
        let batcher = reads.batcher(concurrency: 1, missing: [4])
        let first = Task { try await batcher.value(for: 1, logger: Self.logger) }
        try await reads.until(count: 1)
        // Asked while the first read runs: none of them is answered by it.
        let waiting = [2, 3, 4, 2].map { key in Task { try await batcher.value(for: key, logger: Self.logger) } }
        try await reads.untilWaiting(batcher, 4)
        reads.release(0)
        #expect(try await first.value == "1")
        try await reads.until(count: 2)
        #expect(!reads.calls[1].single && Set(reads.calls[1].keys) == [2, 3, 4] && reads.calls[1].keys.count == 3)
        reads.release(1)
        var answers: [String?] = []
        for task in waiting { answers.append(try await task.value) }
        #expect(answers == ["2", "3", nil, "2"])
        // The turn ended: a key asked now is read alone again.
        async let later = batcher.value(for: 5, logger: Self.logger)
        try await reads.until(count: 3)
        #expect(reads.calls[2].single)
        reads.release(2)
        let answer = try await later
        #expect(answer == "5")
    }

    @Test func aBatchTakesAtMostTheBatchSizeAndTheRestGoNext() async throws {
        let reads = HeldReads()
        let batcher = reads.batcher(concurrency: 1, batchSize: 2)
        let first = Task { try await batcher.value(for: 0, logger: Self.logger) }
        try await reads.until(count: 1)
        var waiting: [Task<String?, any Error>] = []
        for key in 1...3 {
            waiting.append(Task { try await batcher.value(for: key, logger: Self.logger) })
            try await reads.untilWaiting(batcher, key)
        }
        reads.release(0)
        try await reads.until(count: 2)
        #expect(reads.calls[1].keys == [1, 2])
        reads.release(1)
        try await reads.until(count: 3)
        #expect(reads.calls[2].keys == [3] && reads.calls[2].single)
        reads.release(2)
        #expect(try await first.value == "0")
        for (key, task) in zip(1...3, waiting) { #expect(try await task.value == String(key)) }
    }

    // MARK: Failures and cancellation

    @Test func aFailedReadFailsItsBatchAndTheNextOneStillRuns() async throws {
        let reads = HeldReads()
        let batcher = reads.batcher(concurrency: 1)
        let first = Task { try await batcher.value(for: 1, logger: Self.logger) }
        try await reads.until(count: 1)
        let failing = [2, 3].map { key in Task { try await batcher.value(for: key, logger: Self.logger) } }
        try await reads.untilWaiting(batcher, 2)
        reads.release(0)
        _ = try await first.value
        try await reads.until(count: 2)
        let late = Task { try await batcher.value(for: 9, logger: Self.logger) }
        try await reads.untilWaiting(batcher, 1)
        reads.release(1, failing: true)
        for task in failing { await #expect(throws: ReadFailed.self) { try await task.value } }
        try await reads.until(count: 3)
        reads.release(2)
        #expect(try await late.value == "9")
    }

    @Test func aCallerCancelledWhileWaitingLeavesAndIsNotRead() async throws {
        let reads = HeldReads()
        let batcher = reads.batcher(concurrency: 1)
        let first = Task { try await batcher.value(for: 1, logger: Self.logger) }
        try await reads.until(count: 1)
        let leaving = Task { try await batcher.value(for: 2, logger: Self.logger) }
        try await reads.untilWaiting(batcher, 1)
        let staying = Task { try await batcher.value(for: 3, logger: Self.logger) }
        try await reads.untilWaiting(batcher, 2)
        leaving.cancel()
        await #expect(throws: CancellationError.self) { try await leaving.value }
        #expect(batcher.waitingCount == 1)
        reads.release(0)
        _ = try await first.value
        try await reads.until(count: 2)
        #expect(reads.calls[1].keys == [3])
        reads.release(1)
        #expect(try await staying.value == "3")
    }

    @Test func aReaderCancelledDuringItsReadHandsItsBatchOn() async throws {
        let reads = HeldReads()
        let batcher = reads.batcher(concurrency: 1)
        let first = Task { try await batcher.value(for: 1, logger: Self.logger) }
        try await reads.until(count: 1)
        let leader = Task { try await batcher.value(for: 2, logger: Self.logger) }
        try await reads.untilWaiting(batcher, 1)
        let others = [3, 4].map { key in Task { try await batcher.value(for: key, logger: Self.logger) } }
        try await reads.untilWaiting(batcher, 3)
        reads.release(0)
        _ = try await first.value
        try await reads.until(count: 2)
        #expect(reads.calls[1].keys == [2, 3, 4])
        leader.cancel()
        // The held read notices the cancellation, as a lease waiting for a connection does.
        reads.release(1)
        await #expect(throws: CancellationError.self) { try await leader.value }
        try await reads.until(count: 3)
        #expect(reads.calls[2].keys == [3, 4])
        reads.release(2)
        for (key, task) in zip(3...4, others) { #expect(try await task.value == String(key)) }
    }

    static let logger = Logger(label: "read-batcher-tests")
}

/// Thrown by a read the test fails.
private struct ReadFailed: Error {}

/// What a test waited for did not happen within its bound.
private struct NeverHappened: Error {}

/// Reads that wait, each, until the test releases them (in the order they began), then answer
/// every key but the missing ones with its number as text; they record the keys each was given.
private final class HeldReads: Sendable {
    struct Call: Sendable {
        let keys: [Int]
        let single: Bool
    }

    private struct State {
        var calls: [Call] = []
        var held: [CheckedContinuation<Bool, Never>?] = []
        var released: [Bool?] = []
    }

    private let state = Mutex(State())

    var calls: [Call] { state.withLock { $0.calls } }

    func batcher(concurrency: Int, batchSize: Int = 64, missing: Set<Int> = []) -> ReadBatcher<Int, String> {
        ReadBatcher(
            concurrency: concurrency, batchSize: batchSize,
            single: { key, _ in try await self.read([key], single: true, missing: missing)[key] },
            many: { keys, _ in try await self.read(keys, single: false, missing: missing) })
    }

    private func read(_ keys: [Int], single: Bool, missing: Set<Int>) async throws -> [Int: String] {
        let fails = await withCheckedContinuation { continuation in
            let now: Bool? = state.withLock { state in
                state.calls.append(Call(keys: keys, single: single))
                let index = state.calls.count - 1
                if let released = state.released.count > index ? state.released[index] : nil { return released }
                while state.held.count <= index { state.held.append(nil) }
                state.held[index] = continuation
                return nil
            }
            if let now { continuation.resume(returning: now) }
        }
        if fails { throw ReadFailed() }
        try Task.checkCancellation()
        return Dictionary(uniqueKeysWithValues: keys.filter { !missing.contains($0) }.map { ($0, String($0)) })
    }

    /// Lets read `index` (counted from 0, in the order reads began) answer, or fail.
    func release(_ index: Int, failing: Bool = false) {
        let held: CheckedContinuation<Bool, Never>? = state.withLock { state in
            while state.released.count <= index { state.released.append(nil) }
            state.released[index] = failing
            guard state.held.count > index, let held = state.held[index] else { return nil }
            state.held[index] = nil
            return held
        }
        held?.resume(returning: failing)
    }

    /// Returns once `count` reads have begun; throws after 10 s.
    func until(count: Int) async throws {
        try await Self.until { self.state.withLock { $0.calls.count } >= count }
    }

    /// Returns once `count` keys wait in `batcher`; throws after 10 s.
    func untilWaiting(_ batcher: ReadBatcher<Int, String>, _ count: Int) async throws {
        try await Self.until { batcher.waitingCount >= count }
    }

    private static func until(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw NeverHappened() }
            try await Task.sleep(for: .milliseconds(1))
        }
    }
}
