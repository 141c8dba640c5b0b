import Foundation
import NIOCore
import NIOPosix
import ProcessSupport
import Synchronization
import Testing

/// A race against an event-loop timer: answered by the work or by the deadline, whichever ends
/// first, and never by way of the timer's loop.
@Suite("Deadline")
struct DeadlineTests {
    @Test func theWorkOrTheDeadlineAnswers() async throws {
        // A generous bound: the suite starts hundreds of tests at once on two threads.
        #expect(try await Deadline.race(.seconds(60)) { 7 } == 7)
        let started = ContinuousClock.now
        await #expect(throws: DeadlineExceeded.self) {
            try await Deadline.race(.milliseconds(100)) { () async -> Int in
                // Deaf to cancellation for 30 s: only the deadline can answer before that.
                try? await Task.sleep(for: .seconds(30))
                return 1
            }
        }
        #expect(ContinuousClock.now - started < .seconds(15))
    }

    @Test func anAnswerDoesNotWaitForTheTimersLoop() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        // The timer's loop is held busy (up to 60 s, or until released): the work's answer must
        // not pass through it, as it did when the race waited on a promise of that loop.
        let release = Mutex(false)
        let (held, holding) = AsyncStream.makeStream(of: Void.self)
        loop.execute {
            holding.yield()
            let until = NIODeadline.now() + .seconds(60)
            while !release.withLock({ $0 }) && NIODeadline.now() < until { usleep(1_000) }
        }
        for await _ in held { break }
        let started = ContinuousClock.now
        let value = try await Deadline.race(.seconds(30), on: loop) { 7 }
        let waited = ContinuousClock.now - started
        release.withLock { $0 = true }
        #expect(value == 7)
        // Through the held loop the answer would come when the hold ends, 60 s on (the race's own
        // timer is on that loop too); 30 s leaves room for a suite starting hundreds of tests at
        // once on two threads, which once kept a ready task waiting 6.7 s.
        #expect(waited < .seconds(30), "answered after \(waited)")
        try await group.shutdownGracefully()
    }
}
