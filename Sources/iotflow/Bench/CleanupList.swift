import Foundation
import Synchronization

/// Things to undo when the bench ends, normally or not: stop the spawned server, delete temporary folders.
/// Each runs once, last added first. A second caller (the main flow failing while a signal handler cleans
/// up) waits until the first has finished, so the process does not exit halfway through.
final class CleanupList: Sendable {
    private let actions = Mutex<[@Sendable () -> Void]>([])
    private let interruptedFlag = Atomic<Bool>(false)

    /// Adds an action.
    func add(_ action: @escaping @Sendable () -> Void) {
        self.actions.withLock { $0.append(action) }
    }

    /// Runs and forgets every action, holding the lock while they run.
    func runAll() {
        self.actions.withLock { actions in
            for action in actions.reversed() { action() }
            actions.removeAll()
        }
    }

    /// Whether a signal interrupted the run (its handler exits the process).
    var interrupted: Bool {
        get { self.interruptedFlag.load(ordering: .relaxed) }
        set { self.interruptedFlag.store(newValue, ordering: .relaxed) }
    }
}

/// Runs a cleanup on Ctrl-C (SIGINT) or SIGTERM, then exits with 128 + the signal number.
final class InterruptHandler: Sendable {
    private nonisolated(unsafe) let sources: [any DispatchSourceSignal]

    private init(sources: [any DispatchSourceSignal]) {
        self.sources = sources
    }

    /// Installs the handler until ``cancel()``.
    static func install(_ cleanup: @escaping @Sendable () -> Void) -> InterruptHandler {
        let sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                FileHandle.standardError.write(Data("[bench] interrupted: stopping the server and removing temporary data\n".utf8))
                cleanup()
                exit(128 + number)
            }
            source.resume()
            return source
        }
        return InterruptHandler(sources: sources)
    }

    /// Restores the default signal handling.
    func cancel() {
        for source in self.sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
