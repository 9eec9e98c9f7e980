import Synchronization

/// Hands out server timestamps so that points stamped for one device never share a millisecond (API.md):
/// a point arriving in the same millisecond as the device's last stamp gets the next one, so no
/// acknowledged point is replaced by another the client did not date.
///
/// Per process: instances sharing the stores each keep their own sequence, so two instances stamping one
/// device in the same millisecond can still collide (documented in the README).
public final class ServerStamps: Sendable {
    private struct State {
        var last: [Int64: Int64] = [:]
        var nextSweep: Int64 = 0
    }

    private let state = Mutex(State())

    /// Creates an empty allocator.
    public init() {}

    /// Reserves `count` consecutive stamps for `deviceID`, the first no earlier than `now`; returns the first.
    public func reserve(_ count: Int, deviceID: Int64, now: Int64) -> Int64 {
        self.state.withLock { state in
            let first = max(now, (state.last[deviceID] ?? Int64.min) &+ 1)
            state.last[deviceID] = first + Int64(max(count, 1)) - 1
            // Entries older than a second can no longer collide with a new stamp; drop them now and then so
            // the map holds only devices that wrote in the last second or so.
            if now >= state.nextSweep {
                state.last = state.last.filter { $0.value >= now - 1000 }
                state.nextSweep = now + 1000
            }
            return first
        }
    }
}
