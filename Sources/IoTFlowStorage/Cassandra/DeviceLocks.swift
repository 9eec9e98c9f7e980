import Synchronization

/// FIFO locks keyed by device, held across suspension points: a device's rollups are read, computed and written by one
/// write or delete at a time in this process, so two concurrent writes of one device cannot leave a stale rollup.
/// Several devices are locked in ascending id order, so two callers locking overlapping sets cannot deadlock.
final class DeviceLocks: Sendable {
    /// Locked devices and who waits for each; a device is absent while unlocked.
    private let held = Mutex<[Int64: [CheckedContinuation<Void, Never>]]>([:])

    /// Runs `body` holding the locks of every device in `deviceIDs`.
    func withLocks<T: Sendable>(_ deviceIDs: some Sequence<Int64>, _ body: () async throws -> T) async throws -> T {
        let ordered = Set(deviceIDs).sorted()
        for deviceID in ordered { await self.lock(deviceID) }
        defer { for deviceID in ordered.reversed() { self.unlock(deviceID) } }
        return try await body()
    }

    private func lock(_ deviceID: Int64) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let acquired = self.held.withLock { held -> Bool in
                if held[deviceID] != nil {
                    held[deviceID]?.append(continuation)
                    return false
                }
                held[deviceID] = []
                return true
            }
            if acquired { continuation.resume() }
        }
    }

    private func unlock(_ deviceID: Int64) {
        let next = self.held.withLock { held -> CheckedContinuation<Void, Never>? in
            guard var waiters = held[deviceID], !waiters.isEmpty else {
                held[deviceID] = nil
                return nil
            }
            // Ownership passes straight to the next waiter; the device stays locked.
            let first = waiters.removeFirst()
            held[deviceID] = waiters
            return first
        }
        next?.resume()
    }
}
