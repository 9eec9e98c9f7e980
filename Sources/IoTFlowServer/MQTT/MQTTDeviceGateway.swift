import IoTFlowCore
import Logging
import MQTTNIO

/// Devices over MQTT (API.md, "MQTT (devices)"): the API key as the user name, telemetry through the same ingest as
/// `POST /telemetry` (validation, rate limit, group commit, latest values, events, alerts, live streams), and the
/// device's config on `v1/devices/me/config`.
struct MQTTDeviceGateway: MQTTServerDelegate {
    let devices: DeviceService
    let telemetry: TelemetryService
    let registry: MQTTDeviceRegistry
    /// Hears revocations and config changes made on other instances, once the first device connects.
    let hub: LiveHub
    let logger: Logger

    /// How often a connected device is marked seen on PINGREQ at most; the registry's sweep covers the rest.
    static let seenInterval = Duration.seconds(10)

    /// Why a device may not connect or stay connected; nil when it may.
    static func refusal(_ device: AuthenticatedDevice) -> String? {
        guard device.ownerIsActive else { return "its owner is deactivated" }
        guard device.device.status == .active else { return "its status is '\(device.device.status.rawValue)'" }
        return nil
    }

    // MARK: Connections

    func connect(_ request: MQTTConnectRequest) async -> MQTTConnectDecision {
        guard let apiKey = request.username, !apiKey.isEmpty else {
            MQTTMetrics.refused.increment()
            return .refuse(v3: .notAuthorized, v5: .badUserNameOrPassword)
        }
        let keyHash = Secrets.sha256Hex(apiKey)
        let device: AuthenticatedDevice
        do {
            device = try await self.devices.authenticate(keyHash: keyHash)
        } catch let error as IoTFlowError where error.kind == .unauthorized {
            MQTTMetrics.refused.increment()
            return .refuse(v3: .notAuthorized, v5: .badUserNameOrPassword)
        } catch {
            self.logger.warning("mqtt: a device could not be authenticated; the stores did not answer", metadata: ["error": "\(error)"])
            MQTTMetrics.refused.increment()
            return .refuse(v3: .serverUnavailable, v5: .serverUnavailable)
        }
        if let reason = Self.refusal(device) {
            self.logger.debug("mqtt: connection refused", metadata: ["device_id": "\(device.device.id)", "reason": "\(reason)"])
            MQTTMetrics.refused.increment()
            return .refuse(v3: .notAuthorized, v5: .notAuthorized)
        }
        MQTTMetrics.accepted.increment()
        await self.hub.listen()
        return .accept(context: MQTTDeviceConnection(device: device, keyHash: keyHash))
    }

    func connected(_ session: MQTTSession) async {
        guard let connection = Self.connection(of: session) else { return }
        self.registry.add(session, connection)
        await self.markSeen(connection)
    }

    func closed(_ session: MQTTSession, reason: MQTTCloseReason) async {
        self.registry.remove(session)
        MQTTMetrics.recordClosed(reason)
    }

    func rejectedConnection(reason: MQTTCloseReason) async {
        MQTTMetrics.recordClosed(reason)
    }

    func pinged(_ session: MQTTSession) async {
        guard let connection = Self.connection(of: session), connection.shouldMarkSeen(every: Self.seenInterval) else { return }
        await self.markSeen(connection)
    }

    // MARK: Telemetry

    func publish(_ messages: [MQTTInboundMessage], session: MQTTSession) async -> [MQTTPublishOutcome] {
        guard let connection = Self.connection(of: session) else {
            return messages.map { _ in .disconnect(.notAuthorized) }
        }
        // Messages after one to a topic devices may not publish to are not handled: the connection closes there.
        var submissions: [Result<TelemetrySubmission, IoTFlowError>] = []
        submissions.reserveCapacity(messages.count)
        for message in messages {
            guard let submission = MQTTTopics.submission(topic: message.topic, payload: message.payload) else { break }
            submissions.append(submission)
        }
        var outcomes = [MQTTPublishOutcome](repeating: .disconnect(.topicNameInvalid), count: messages.count)
        guard !submissions.isEmpty else { return outcomes }
        let device = connection.device
        let results: [Result<TelemetryService.Receipt, IoTFlowError>]
        do {
            results = try await self.telemetry.ingest(device, messages: submissions)
        } catch let error as IoTFlowError where error.kind == .forbidden {
            // Made inactive (or its owner deactivated) since it connected.
            return messages.map { _ in .disconnect(.notAuthorized) }
        } catch {
            // Nothing acknowledged, so the client sends these again once it is back.
            self.logger.warning("mqtt: telemetry could not be stored; disconnecting the device", metadata: ["error": "\(error)"])
            return messages.map { _ in .disconnect(.serverUnavailable) }
        }
        var invalid: (count: Int, first: IoTFlowError?) = (0, nil)
        for (index, result) in results.enumerated() {
            switch result {
            case .success:
                outcomes[index] = .accepted
                MQTTMetrics.stored[messages[index].qos]?.increment()
            case .failure(let error):
                if case .tooManyRequests = error.kind {
                    outcomes[index] = .rejected(.quotaExceeded)
                    MQTTMetrics.rejectedRateLimited.increment()
                } else {
                    outcomes[index] = .rejected(.payloadFormatInvalid)
                    MQTTMetrics.rejectedInvalid.increment()
                    invalid.count += 1
                    invalid.first = invalid.first ?? error
                }
            }
        }
        if let first = invalid.first {
            self.telemetry.recordRejected(device, count: invalid.count, reason: first, transport: "mqtt")
        }
        return outcomes
    }

    // MARK: Config

    func subscribe(_ filters: [MQTTSubscriptionRequest], session: MQTTSession) async -> [MQTTSubscribeOutcome] {
        filters.map { $0.topicFilter == MQTTTopics.config ? .granted(.atMostOnce) : .refused(.unspecifiedError) }
    }

    func subscribed(_ filters: [MQTTSubscriptionRequest], session: MQTTSession) async {
        guard let connection = Self.connection(of: session), filters.contains(where: { $0.topicFilter == MQTTTopics.config }) else { return }
        connection.subscribedToConfig = true
        await self.registry.sendConfig(to: session, connection, force: true)
    }

    func unsubscribed(_ filters: [String], session: MQTTSession) async {
        guard let connection = Self.connection(of: session), filters.contains(MQTTTopics.config) else { return }
        connection.subscribedToConfig = false
    }

    // MARK: Helpers

    private static func connection(of session: MQTTSession) -> MQTTDeviceConnection? {
        session.context as? MQTTDeviceConnection
    }

    private func markSeen(_ connection: MQTTDeviceConnection) async {
        do {
            try await self.devices.seen([connection.device.device.id])
        } catch {
            self.logger.debug("mqtt: could not mark a device seen", metadata: ["error": "\(error)"])
        }
    }
}
