import NIOCore
import NIOPosix

/// Runs the Swift tasks that prefer it on one event loop's thread, between that loop's I/O.
///
/// A job kind that must start on time gets a loop of its own (`JobLane`): its tasks, its timers
/// and its connections' I/O then wait behind nothing else of its process. A gateway's
/// connection runs under the executor of its channel's loop (``of(_:)``, and ``current`` for the
/// request deadline's task): NIO's loops are Swift's global executor there (`gateway serve`), and
/// a job they run as such has its loop as *serial*
/// executor, so each nonisolated `async` call, which asks for the generic executor, is a switch
/// (the task enqueued on the loop again, resumed a tick later): about 90 for a `/health/live`
/// in callgrind's count. Under a task executor a job runs on the generic executor already, and
/// those calls go on at once.
public final class EventLoopTaskExecutor: TaskExecutor {
    public let eventLoop: any EventLoop

    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    /// One executor per loop of the singleton group, for the process's life: a task executor is
    /// told apart by its instance.
    private static let ofSingletonLoops: [ObjectIdentifier: EventLoopTaskExecutor] = Dictionary(
        uniqueKeysWithValues: MultiThreadedEventLoopGroup.singleton.makeIterator().map {
            (ObjectIdentifier($0), EventLoopTaskExecutor(eventLoop: $0))
        })

    /// The executor of `eventLoop` when it is one of the singleton group's loops, else nil.
    public static func of(_ eventLoop: any EventLoop) -> EventLoopTaskExecutor? {
        ofSingletonLoops[ObjectIdentifier(eventLoop)]
    }

    /// The executor of the singleton group's loop running the caller; nil on any other thread.
    public static var current: EventLoopTaskExecutor? {
        MultiThreadedEventLoopGroup.currentEventLoop.flatMap(of)
    }
}
