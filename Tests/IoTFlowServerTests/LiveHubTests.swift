import IoTFlowCore
import Logging
import Synchronization
import Testing

@testable import IoTFlowServer

/// The live hub's pieces without a server: the bounded queue, routing by grant, rechecks, frames and the relay's
/// message format.
@Suite("Live hub")
struct LiveHubTests {
    private static func hub(queue: Int = 1000) -> LiveHub {
        var settings = LiveStreamSettings()
        settings.queueCapacity = queue
        return LiveHub(settings: settings, relay: nil, logger: Logger(label: "test"))
    }

    private static func write(_ deviceID: Int64, _ points: [(Int64, [(String, TelemetryValue)])]) -> TelemetryWrite {
        TelemetryWrite(deviceID: deviceID, points: points.map { TelemetryPoint(timestamp: $0.0, values: $0.1.map { (key: $0.0, value: $0.1) }) })
    }

    @Test("a full queue drops its oldest frames and counts them; pongs are never dropped; an ending discards what waits")
    func boundedQueue() {
        let subscription = LiveSubscription(id: 1, capacity: 3)
        subscription.push((1...5).map { "f\($0)" })
        subscription.pushPong()
        let first = subscription.take()
        #expect(first?.frames == ["f3", "f4", "f5"])
        #expect(first?.dropped == 2)
        #expect(first?.pongs == 1)
        #expect(subscription.take() == nil)
        subscription.push(["f6"])
        #expect(subscription.take()?.dropped == 0)
        subscription.push(["f7", "f8"])
        subscription.end(.revoked("gone"))
        subscription.push(["f9"])
        let last = subscription.take()
        #expect(last?.frames == [] && last?.ending == .revoked("gone"))
    }

    @Test("a recheck applies only when none started after it was applied first")
    func recheckOrder() {
        let subscription = LiveSubscription(id: 1, capacity: 1)
        let older = subscription.beginRecheck()
        let newer = subscription.beginRecheck()
        #expect(subscription.applies(recheck: newer))
        #expect(!subscription.applies(recheck: older))
    }

    @Test("points go to the subscriptions of their device, in timestamp order, merged per timestamp; alerts to device, owner and admins")
    func routing() async {
        let hub = Self.hub()
        let device = await hub.subscribe(LiveGrant(scope: .devices([7]), subjects: [])) { LiveGrant(scope: .devices([7]), subjects: []) }
        let group = await hub.subscribe(LiveGrant(scope: .devices([7, 8]), subjects: [])) { LiveGrant(scope: .devices([7, 8]), subjects: []) }
        let owner = await hub.subscribe(LiveGrant(scope: .alerts(ownerPublicID: "alice"), subjects: [])) { throw CancellationError() }
        let admin = await hub.subscribe(LiveGrant(scope: .alerts(ownerPublicID: nil), subjects: [])) { throw CancellationError() }
        hub.publish([
            Self.write(8, [(5, [("x", .number(1))])]),
            Self.write(7, [(20, [("t", .number(2))]), (10, [("t", .number(1)), ("a", .bool(true))])]),
            Self.write(7, [(20, [("t", .number(2.5))]), (30, [])]),
        ])
        let frames = device.take()?.frames ?? []
        #expect(
            frames == [
                #"{"type":"telemetry","device_id":7,"timestamp":"1970-01-01T00:00:00.010Z","measurements":{"a":true,"t":1}}"#,
                #"{"type":"telemetry","device_id":7,"timestamp":"1970-01-01T00:00:00.020Z","measurements":{"t":2.5}}"#,
            ])
        #expect(group.take()?.frames.count == 3)
        #expect(owner.take() == nil && admin.take() == nil)

        let alert = Alert(
            id: 3, ruleID: 1, ruleName: "r", type: .offline, deviceID: 8, deviceName: "d", userPublicID: "alice", key: nil, comparison: nil,
            threshold: nil, value: nil, severity: .critical, status: .active, message: "offline", triggeredAt: 0, lastValueAt: nil)
        hub.publish(alert: alert)
        #expect(device.take() == nil)
        for subscription in [group, owner, admin] {
            #expect(subscription.take()?.frames.first?.hasPrefix(#"{"type":"alert","alert":{"id":3,"rule_id":1,"#) == true)
        }
    }

    @Test("a recheck moves a subscription to its new grant; a refusal ends it; a store failure keeps it")
    func rechecks() async {
        let hub = Self.hub()
        let members = Mutex<Set<Int64>>([1])
        let failure = Mutex<IoTFlowError?>(nil)
        let subscription = await hub.subscribe(LiveGrant(scope: .devices([1]), subjects: [.group(9)])) {
            if let error = failure.withLock({ $0 }) { throw error }
            return LiveGrant(scope: .devices(members.withLock { $0 }), subjects: [.group(9)])
        }
        members.withLock { $0 = [2] }
        await hub.changed([.group(9)])
        hub.publish([Self.write(1, [(1, [("n", .number(1))])]), Self.write(2, [(2, [("n", .number(2))])])])
        #expect(subscription.take()?.frames.count == 1, "only the new member streams")

        failure.withLock { $0 = .unavailable("down") }
        await hub.changed([.group(9)])
        #expect(subscription.ending == nil, "a store outage is not a revocation")
        await hub.changed([.device(5)])
        failure.withLock { $0 = .notFound("Group 9 was not found.") }
        await hub.changed([.user(1)])
        #expect(subscription.ending == nil, "only subscriptions resting on a subject are checked")
        await hub.changed([.group(9)])
        #expect(subscription.ending == .revoked("Group 9 was not found."))
        #expect(hub.subscriberCount == 0)
    }

    @Test("relay messages read back as written; an instance's own and malformed messages are recognised")
    func relayMessages() throws {
        let writes = [Self.write(4, [(2, [("k", .string("a\tb\nc"))]), (1, [("k", .number(1))])])]
        let text = try #require(LiveRelayMessage.points(writes).text(instance: "abc"))
        let (instance, message) = try #require(LiveRelayMessage.parse(text))
        #expect(instance == "abc")
        guard case .frames(let devices) = message else {
            Issue.record("not frames: \(message)")
            return
        }
        #expect(devices.map(\.deviceID) == [4])
        #expect(devices.first?.frames == LiveFrame.telemetry(of: writes).first?.frames)

        let alert = try #require(LiveRelayMessage.alert(frame: #"{"type":"alert"}"#, deviceID: 4, ownerPublicID: "u1").text(instance: "i"))
        guard case .alert(let frame, 4, "u1") = try #require(LiveRelayMessage.parse(alert)).message else {
            Issue.record("not the alert: \(alert)")
            return
        }
        #expect(frame == #"{"type":"alert"}"#)

        let subjects: [LiveSubject] = [.device(1), .owner(2), .user(3), .token("ab12"), .group(5)]
        let changes = try #require(LiveRelayMessage.changes(subjects).text(instance: "i"))
        guard case .changes(let read) = try #require(LiveRelayMessage.parse(changes)).message else {
            Issue.record("not changes: \(changes)")
            return
        }
        #expect(read == subjects)
        let hello = try #require(LiveRelayMessage.hello.text(instance: "i"))
        guard case .hello = try #require(LiveRelayMessage.parse(hello)).message else {
            Issue.record("not a hello: \(hello)")
            return
        }
        #expect(LiveRelayMessage.sender(of: hello) == "i")
        for malformed in ["", "i", "i\nx\n1", "i\np\nnot-a-number\t{}", "i\nc\nz:1"] {
            #expect(LiveRelayMessage.parse(malformed) == nil, "\(malformed.debugDescription) was read")
        }
        #expect(LiveRelayMessage.points([Self.write(1, [(1, [])])]).text(instance: "i") == nil, "a write without values sends nothing")
    }

    @Test("client pings are recognised; close reasons fit a control frame")
    func pingsAndReasons() {
        #expect(LiveFrame.isPing(#"{"type":"ping"}"#) && LiveFrame.isPing(#" {"id":1,"type":"ping"} "#))
        #expect(!LiveFrame.isPing("ping") && !LiveFrame.isPing(#"{"type":"pong"}"#) && !LiveFrame.isPing(#"["ping"]"#))
        let reason = LiveStreamSession.closeReason(String(repeating: "é", count: 100))
        #expect(reason.utf8.count <= 123 && reason.utf8.count >= 122)
    }
}
