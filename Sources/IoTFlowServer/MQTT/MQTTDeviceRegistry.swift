import IoTFlowCore
import Logging
import MQTTNIO
import NIOCore
import Synchronization

/// The devices connected over MQTT to this instance. Told by the live hub of every change (made here or relayed from
/// another instance), it disconnects a device whose key was rotated, that was deleted or made inactive, or whose
/// owner was deactivated, and sends a new config to the devices subscribed to theirs.
final class MQTTDeviceRegistry: LiveSubjectObserver {
    private struct Entry {
        let session: MQTTSession
        let connection: MQTTDeviceConnection
    }

    private let devices: DeviceService
    private let logger: Logger
    private let entries = Mutex<[ObjectIdentifier: Entry]>([:])

    init(devices: DeviceService, logger: Logger) {
        self.devices = devices
        self.logger = logger
    }

    func add(_ session: MQTTSession, _ connection: MQTTDeviceConnection) {
        let count = self.entries.withLock { entries in
            entries[ObjectIdentifier(session)] = Entry(session: session, connection: connection)
            return entries.count
        }
        MQTTMetrics.sessions.record(count)
    }

    func remove(_ session: MQTTSession) {
        let count = self.entries.withLock { entries in
            entries[ObjectIdentifier(session)] = nil
            return entries.count
        }
        MQTTMetrics.sessions.record(count)
    }

    /// The devices connected now.
    var connectedDeviceIDs: [Int64] {
        self.entries.withLock { $0.values.map { $0.connection.device.device.id } }
    }

    // MARK: Changes

    func changed(_ subjects: [LiveSubject]) async {
        var devices = Set<Int64>()
        var owners = Set<Int64>()
        var configs = Set<Int64>()
        for subject in subjects {
            switch subject {
            case .device(let id): devices.insert(id)
            case .owner(let id), .user(let id): owners.insert(id)
            case .config(let id): configs.insert(id)
            case .token, .group: continue
            }
        }
        let selected = self.entries.withLock { entries in
            entries.values.filter { entry in
                let device = entry.connection.device.device
                return devices.contains(device.id) || owners.contains(device.ownerID) || configs.contains(device.id)
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for entry in selected {
                let device = entry.connection.device.device
                if devices.contains(device.id) || owners.contains(device.ownerID) {
                    group.addTask { await self.recheck(entry) }
                }
                if configs.contains(device.id) {
                    group.addTask { await self.sendConfig(to: entry.session, entry.connection, force: false) }
                }
            }
        }
    }

    func anythingMayHaveChanged() async {
        let all = self.entries.withLock { Array($0.values) }
        await withTaskGroup(of: Void.self) { group in
            for entry in all {
                group.addTask {
                    await self.recheck(entry)
                    await self.sendConfig(to: entry.session, entry.connection, force: false)
                }
            }
        }
    }

    /// Looks the device up again by its key's hash: gone (deleted, key rotated), no longer active, or owned by a
    /// deactivated user, it is disconnected; a store that cannot answer leaves it connected.
    private func recheck(_ entry: Entry) async {
        let refusal: String
        do {
            let device = try await self.devices.authenticate(keyHash: entry.connection.keyHash)
            guard let reason = MQTTDeviceGateway.refusal(device) else {
                entry.connection.device = device
                return
            }
            refusal = reason
        } catch let error as IoTFlowError where error.kind == .unauthorized {
            refusal = "its API key is no longer valid"
        } catch {
            self.logger.warning("mqtt: could not check a connected device again; it stays connected", metadata: ["error": "\(error)"])
            return
        }
        self.logger.info(
            "mqtt: disconnecting a device", metadata: ["device_id": "\(entry.connection.device.device.id)", "reason": "\(refusal)"])
        entry.session.disconnect(reason: .notAuthorized)
    }

    // MARK: Config

    /// Sends the device its current config on its config topic, unless that very version was sent already.
    func sendConfig(to session: MQTTSession, _ connection: MQTTDeviceConnection, force: Bool) async {
        guard connection.subscribedToConfig else { return }
        do {
            let config = try await self.devices.config(of: connection.device)
            guard connection.shouldSendConfig(updatedAt: config.updatedAt, force: force) else { return }
            session.send(topic: MQTTTopics.config, payload: ByteBuffer(string: JSONWriter.string(.object(config.json))))
        } catch {
            self.logger.warning("mqtt: could not read a device's config to send it", metadata: ["error": "\(error)"])
        }
    }
}
