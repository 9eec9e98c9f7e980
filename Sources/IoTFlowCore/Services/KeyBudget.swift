import Synchronization

/// Bounds the distinct telemetry keys of each device (`IOTFLOW_MAX_KEYS_PER_DEVICE`), so a device cannot
/// grow the key dictionary without limit. Keys a device already has are free; new ones are reserved under
/// a lock before the write, so concurrent requests of one instance cannot overshoot together.
///
/// Instances sharing the stores each check against what they know; together they may exceed the bound by
/// at most the keys of requests in flight on the other instances (documented in the README).
public final class KeyBudget: Sendable {
    /// Most distinct keys per device.
    public let limit: Int
    /// Devices whose key sets are remembered; beyond it the oldest-used are forgotten and reloaded on use.
    private let capacity: Int
    private let known = Mutex<[Int64: Set<String>]>([:])

    /// Creates a budget of `limit` keys per device.
    public init(limit: Int, capacity: Int = 10_000) {
        self.limit = limit
        self.capacity = capacity
    }

    /// Admits `keys` for `deviceID` or throws 400 naming the limit; `load` reads the device's stored keys
    /// when this instance does not know them yet.
    public func admit(_ keys: Set<String>, deviceID: Int64, load: () async throws -> Set<String>) async throws {
        if try self.tryAdmit(keys, deviceID: deviceID, loaded: nil) { return }
        _ = try self.tryAdmit(keys, deviceID: deviceID, loaded: try await load())
    }

    /// Forgets a device's keys (after deletes, which may remove keys).
    public func forget(deviceID: Int64) {
        _ = self.known.withLock { $0.removeValue(forKey: deviceID) }
    }

    /// true when admitted, false when the device's keys are not known here yet (never with `loaded`).
    private func tryAdmit(_ keys: Set<String>, deviceID: Int64, loaded: Set<String>?) throws(IoTFlowError) -> Bool {
        try self.known.withLock { known throws(IoTFlowError) -> Bool in
            if let loaded {
                // A crude bound on memory: start over when full; forgotten devices are reloaded on their next write.
                if known.count >= self.capacity, known[deviceID] == nil { known.removeAll(keepingCapacity: true) }
                known[deviceID, default: []].formUnion(loaded)
            }
            guard let current = known[deviceID] else { return false }
            let added = keys.subtracting(current)
            guard !added.isEmpty else { return true }
            guard current.count + added.count <= self.limit else {
                throw .badRequest(
                    "A device may have at most \(self.limit) distinct telemetry keys; this request would add \(added.count) to its \(current.count)."
                )
            }
            known[deviceID] = current.union(added)
            return true
        }
    }
}
