import Foundation
import NIOCore
import NIOPosix
import ProcessSupport
import Synchronization
import Testing

/// Deadlines watched by one repeating timer: the answer comes within the deadline and a tick
/// whether or not the work honours cancellation, the work is cancelled, and nothing stays
/// watched after a race ends.
@Suite("Deadline wheel")
struct DeadlineWheelTests {
    let wheel = DeadlineWheel(tick: .milliseconds(20))

    @Test func workThatEndsInTimeIsAnsweredAndNothingStaysWatched() async throws {
        let values = try await withThrowingTaskGroup(of: Int.self) { group in
            // A deadline far beyond the work: the suite starts beside every other one, and two
            // busy cores have kept a task from running for 8 s then.
            for value in 0..<50 { group.addTask { try await wheel.race(.seconds(60)) { value } } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(values.sorted() == Array(0..<50))
        #expect(wheel.count == 0)
        await #expect(throws: Oops.self) { try await wheel.race(.seconds(60)) { () async throws -> Int in throw Oops() } }
        #expect(wheel.count == 0)
    }

    @Test func workThatIgnoresCancellationIsLeftBehindAtTheDeadline() async throws {
        let release = Mutex(false)
        let started = ContinuousClock.now
        await #expect(throws: DeadlineExceeded.self) {
            try await wheel.race(.milliseconds(200)) {
                // Deaf to cancellation: only the end of the test lets it go.
                while !release.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(10)) }
                return 1
            }
        }
        let waited = ContinuousClock.now - started
        release.withLock { $0 = true }
        // The work never ends before the release, so any answer is the deadline's; the bound is
        // wide because the suite starts beside every other one (2.9 s seen on two busy cores).
        #expect(waited >= .milliseconds(200) && waited < .seconds(10), "answered after \(waited)")
        #expect(wheel.count == 0)
    }

    @Test func workThatHonoursCancellationIsCancelledAtTheDeadline() async throws {
        let cancelled = Mutex(false)
        await #expect(throws: DeadlineExceeded.self) {
            try await wheel.race(.milliseconds(100)) {
                do {
                    try await Task.sleep(for: .seconds(30))
                } catch {
                    cancelled.withLock { $0 = true }
                }
                return 1
            }
        }
        for _ in 0..<200 where !cancelled.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
        #expect(cancelled.withLock { $0 })
    }

    @Test func workRunsUnderTheTaskExecutorItIsGiven() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let executor = try #require(EventLoopTaskExecutor.of(loop))
        let onLoop = try await wheel.race(.seconds(5), executor: executor) {
            var onLoop = loop.inEventLoop
            for _ in 0..<3 {
                await Task.yield()
                onLoop = onLoop && loop.inEventLoop
            }
            return onLoop
        }
        #expect(onLoop)
    }

    @Test func anAnswerDoesNotWaitForTheWheelsOwnLoop() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let wheel = DeadlineWheel(tick: .milliseconds(20), on: group.next())
        // The wheel's loop is held busy (up to 60 s, or until released): the race's answer must
        // not pass through it, as it did when the race waited on a promise of that loop.
        let release = Mutex(false)
        let (held, holding) = AsyncStream.makeStream(of: Void.self)
        group.next().execute {
            holding.yield()
            let until = NIODeadline.now() + .seconds(60)
            while !release.withLock({ $0 }) && NIODeadline.now() < until { usleep(1_000) }
        }
        for await _ in held { break }
        let started = ContinuousClock.now
        let value = try await wheel.race(.seconds(30)) { 7 }
        let waited = ContinuousClock.now - started
        release.withLock { $0 = true }
        #expect(value == 7)
        // Through the held loop the answer would come when the hold ends, 60 s on (the race's own
        // timer is on that loop too); 30 s leaves room for a suite starting hundreds of tests at
        // once on two threads, which once kept a ready task waiting 6.7 s.
        #expect(waited < .seconds(30), "answered after \(waited)")
        try await group.shutdownGracefully()
    }

    struct Oops: Error {}
}
