import IoTFlowCore
import Synchronization

/// A wall clock the test sets by hand.
final class ManualWallClock: WallClock {
    private let milliseconds: Mutex<Int64>

    init(_ start: Int64) {
        self.milliseconds = Mutex(start)
    }

    func nowMilliseconds() -> Int64 {
        self.milliseconds.withLock { $0 }
    }

    func advance(by delta: Int64) {
        self.milliseconds.withLock { $0 += delta }
    }
}
