import NIOCore
import Testing

@testable import MQTTNIO

/// The listener against mosquitto_pub and mosquitto_sub, in both protocol versions and at every QoS.
@Suite struct MQTTServerMosquittoTests {
    static let topic = "v1/devices/me/telemetry"

    @Test(arguments: ["mqttv311", "mqttv5"], [0, 1, 2])
    func mosquittoPubDelivers(version: String, qos: Int) async throws {
        let delegate = MQTTTestDelegate()
        try await withTestServer(delegate: delegate) { server in
            let clientID = "pub-\(version)-\(qos)"
            let result = try await MosquittoClient.run(
                "mosquitto_pub",
                [
                    "-h", "127.0.0.1", "-p", "\(server.localPort)", "-V", version, "-q", "\(qos)", "-i", clientID, "-u", "the-key",
                    "-P", "ignored", "-t", Self.topic, "-m", #"{"temperature":21.5}"#,
                ]
            )
            guard let result else {
                return
            }
            #expect(result.status == 0, "mosquitto_pub: \(result.errorOutput)")
            // At QoS 0 the client may exit before the delegate has the message.
            try await waitUntil("the message") { !delegate.snapshot().messages.isEmpty }
            let record = delegate.snapshot()
            let connect = try #require(record.connects.first)
            #expect(connect.version == (version == "mqttv5" ? .v5 : .v3_1_1))
            #expect(connect.clientID == clientID)
            #expect(connect.username == "the-key")
            #expect(connect.password == Array("ignored".utf8))
            let message = try #require(record.messages.first)
            #expect(record.messages.count == 1)
            #expect(message.topic == Self.topic)
            #expect(message.qos == MQTTQoS(rawValue: UInt8(qos)))
            #expect(String(buffer: message.payload) == #"{"temperature":21.5}"#)
            try await waitUntil("closed") { delegate.snapshot().closed.count == 1 }
            #expect(delegate.snapshot().closed.first?.reason == .clientDisconnected)
        }
    }

    /// Many messages from one client with a small Receive Maximum: reading pauses and resumes, and every message
    /// arrives once and in order.
    @Test(arguments: ["mqttv311", "mqttv5"], [1, 2])
    func manyMessagesWithASmallReceiveMaximum(version: String, qos: Int) async throws {
        let delegate = MQTTTestDelegate()
        try await withTestServer(delegate: delegate, configure: { $0.receiveMaximum = 4 }) { server in
            let lines = (1...300).map { #"{"n":\#($0)}"# }
            let result = try await MosquittoClient.run(
                "mosquitto_pub",
                ["-h", "127.0.0.1", "-p", "\(server.localPort)", "-V", version, "-q", "\(qos)", "-t", Self.topic, "-l"],
                input: lines.joined(separator: "\n") + "\n"
            )
            guard let result else {
                return
            }
            #expect(result.status == 0, "mosquitto_pub: \(result.errorOutput)")
            try await waitUntil("every message") { delegate.snapshot().messages.count >= lines.count }
            #expect(delegate.snapshot().messages.map { String(buffer: $0.payload) } == lines)
            #expect(delegate.snapshot().maxCallsInProgress == 1)
        }
    }

    @Test(arguments: ["mqttv311", "mqttv5"])
    func mosquittoSubReceivesSends(version: String) async throws {
        let delegate = MQTTTestDelegate(
            subscribeOutcome: { $0.topicFilter == "v1/devices/me/config" ? .granted(.atMostOnce) : .refused(.notAuthorized) },
            onSubscribed: { _, session in session.send(topic: "v1/devices/me/config", payload: ByteBuffer(string: #"{"interval":5}"#)) }
        )
        try await withTestServer(delegate: delegate) { server in
            let result = try await MosquittoClient.run(
                "mosquitto_sub",
                [
                    "-h", "127.0.0.1", "-p", "\(server.localPort)", "-V", version, "-q", "1", "-t", "v1/devices/me/config", "-C", "1",
                    "-W", "60",
                ]
            )
            guard let result else {
                return
            }
            #expect(result.status == 0, "mosquitto_sub: \(result.errorOutput)")
            #expect(result.output == #"{"interval":5}"# + "\n")
            #expect(delegate.snapshot().subscriptions == [[MQTTSubscriptionRequest(topicFilter: "v1/devices/me/config", qos: .atLeastOnce)]])
        }
    }
}
