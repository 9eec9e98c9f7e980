import IoTFlowCore
import Synchronization

/// What one MQTT connection was accepted as: the device behind its API key, kept by the key's hash only (never the
/// key), so the device can be looked up again when it changes, and whether it listens to its config.
final class MQTTDeviceConnection: Sendable {
    private struct State {
        var device: AuthenticatedDevice
        var subscribedToConfig = false
        /// `updated_at` of the config last sent, so one change heard twice (here and relayed) is sent once.
        var configSentAt: Int64??
        var lastMarkedSeen: ContinuousClock.Instant
    }

    /// SHA-256 (hex) of the API key the device connected with.
    let keyHash: String
    private let state: Mutex<State>

    init(device: AuthenticatedDevice, keyHash: String) {
        self.keyHash = keyHash
        self.state = Mutex(State(device: device, lastMarkedSeen: .now))
    }

    /// The device as last looked up.
    var device: AuthenticatedDevice {
        get { self.state.withLock { $0.device } }
        set { self.state.withLock { $0.device = newValue } }
    }

    var subscribedToConfig: Bool {
        get { self.state.withLock { $0.subscribedToConfig } }
        set { self.state.withLock { $0.subscribedToConfig = newValue } }
    }

    /// Whether a config with this `updated_at` still has to be sent; records it as sent when it does.
    func shouldSendConfig(updatedAt: Int64?, force: Bool) -> Bool {
        self.state.withLock { state in
            guard force || state.configSentAt != .some(updatedAt) else { return false }
            state.configSentAt = .some(updatedAt)
            return true
        }
    }

    /// Whether the device should be marked seen again (at most every `interval`); records it when so.
    func shouldMarkSeen(every interval: Duration) -> Bool {
        self.state.withLock { state in
            guard ContinuousClock.now - state.lastMarkedSeen >= interval else { return false }
            state.lastMarkedSeen = .now
            return true
        }
    }
}
