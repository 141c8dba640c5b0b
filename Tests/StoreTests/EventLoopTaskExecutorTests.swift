import NIOCore
import NIOPosix
import ProcessSupport
import Testing

/// A task that prefers a loop's executor runs on that loop's thread through its awaits, and each
/// loop of the singleton group has one executor that `current` finds from the loop itself.
@Suite("Event loop task executor")
struct EventLoopTaskExecutorTests {
    @Test func aTaskThatPrefersALoopRunsOnItThroughItsAwaits() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let executor = try #require(EventLoopTaskExecutor.of(loop))
        let everyStepOnTheLoop = await Task(executorPreference: executor) {
            var onLoop = loop.inEventLoop
            for _ in 0..<5 {
                await Task.yield()
                try? await Task.sleep(for: .milliseconds(2))
                onLoop = onLoop && loop.inEventLoop
            }
            return onLoop
        }.value
        #expect(everyStepOnTheLoop)
    }

    @Test func eachSingletonLoopHasOneExecutorAndOtherThreadsNone() async throws {
        for loop in MultiThreadedEventLoopGroup.singleton.makeIterator() {
            let executor = try #require(EventLoopTaskExecutor.of(loop))
            #expect(executor.eventLoop === loop)
            let current = try await loop.submit { EventLoopTaskExecutor.current }.get()
            #expect(current === executor)
        }
        let other = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        #expect(EventLoopTaskExecutor.of(other.next()) == nil)
        #expect(try await other.next().submit { EventLoopTaskExecutor.current }.get() == nil)
        try await other.shutdownGracefully()
    }
}
