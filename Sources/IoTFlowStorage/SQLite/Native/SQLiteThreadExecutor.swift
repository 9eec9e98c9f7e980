import NIOPosix

/// Runs the jobs of one ``SQLiteHandle`` on a thread of its own.
///
/// SQLite's calls block (a commit waits for fsync), so they must not run on Swift's cooperative pool, and a
/// connection is used by one thread at a time. Making the connection an actor on this executor gives both at the
/// cost of one hop each way per call from outside; calls from code already isolated to the connection (a whole
/// write transaction) do not hop at all.
final class SQLiteThreadExecutor: SerialExecutor {
    private let thread: NIOThreadPool

    init() {
        self.thread = NIOThreadPool(numberOfThreads: 1)
        self.thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = self.asUnownedSerialExecutor()
        // A stopped pool hands the item back as cancelled; the job still runs, or its task would wait forever
        // (the connection is closed by then, so it fails cleanly).
        self.thread.submit { _ in job.runSynchronously(on: executor) }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// Stops the thread once no more jobs are expected (after the connection closed).
    func shutdown() async {
        try? await self.thread.shutdownGracefully()
    }
}
