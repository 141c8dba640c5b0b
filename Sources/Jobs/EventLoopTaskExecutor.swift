import NIOCore

/// Runs the Swift tasks that prefer it on one event loop's thread, between that loop's I/O.
///
/// A job kind that must start on time gets a loop of its own: its tasks, its timers and its
/// connections' I/O then wait behind nothing else of this process, and the kernel wakes its
/// mostly idle thread at once where a busy pool's queue would hold it behind other kinds' work.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
