import Foundation
import HTTPTypes
import HummingbirdWSClient
import IoTFlowCore
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// Live stream subscribers held open during a write scenario: `/api/v1/telemetry/{id}/stream` WebSockets spread
/// over the written devices (subscriber `i` on device `i mod devices`, with its key), each handing what it receives
/// to a ``StreamLatencyRecorder``. They run on their own event loop, apart from the write connections.
final class StreamSubscribers: Sendable {
    private let tasks: Mutex<[Task<Void, Never>]> = Mutex([])
    private let connected = Atomic<Int>(0)
    private let failures = Mutex<[String]>([])

    private init() {}

    /// Opens `count` subscribers and waits until every one is upgraded (30 s at most).
    static func open(
        count: Int, devices: [BenchSession.Device], host: String, port: Int, group: any EventLoopGroup, recorder: StreamLatencyRecorder
    ) async throws -> StreamSubscribers {
        let subscribers = StreamSubscribers()
        let logger = Logger(label: "iotflow.bench.streams", factory: { _ in SwiftLogNoOpLogHandler() })
        for index in 0..<count {
            let device = devices[index % devices.count]
            var headers = HTTPFields()
            headers[HTTPField.Name("X-API-Key")!] = device.key
            let configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 20, additionalHeaders: headers)
            let url = "ws://\(host):\(port)/api/v1/telemetry/\(device.id)/stream"
            let task = Task {
                do {
                    try await WebSocketClient.connect(url: url, configuration: configuration, eventLoopGroup: group, logger: logger) {
                        inbound, _, _ in
                        subscribers.connected.add(1, ordering: .relaxed)
                        for try await message in inbound.messages(maxSize: 1 << 20) {
                            guard case .text(let text) = message else { continue }
                            Self.record(text, at: .now(), into: recorder)
                        }
                    }
                } catch {
                    if !Task.isCancelled { subscribers.failures.withLock { $0.append("\(error)") } }
                }
            }
            subscribers.tasks.withLock { $0.append(task) }
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while subscribers.connected.load(ordering: .relaxed) < count {
            if let failure = subscribers.failures.withLock({ $0.first }) {
                await subscribers.close()
                throw BenchError("a stream subscriber could not connect: \(failure)")
            }
            guard ContinuousClock.now < deadline else {
                await subscribers.close()
                throw BenchError("only \(subscribers.connected.load(ordering: .relaxed)) of \(count) stream subscribers connected within 30 s")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return subscribers
    }

    /// Closes every subscriber.
    func close() async {
        let tasks = self.tasks.withLock { $0 }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }

    /// Reads a frame: a telemetry point's device and timestamp, or a dropped count. Scanned rather than decoded:
    /// the subscribers share one core with the load generator.
    static func record(_ text: String, at: NIODeadline, into recorder: StreamLatencyRecorder) {
        if text.hasPrefix(#"{"type":"dropped","count":"#) {
            recorder.dropped(Int(text.dropFirst(26).prefix { $0.isNumber }) ?? 0)
            return
        }
        guard text.hasPrefix(#"{"type":"telemetry","device_id":"#) else { return }
        let rest = text.dropFirst(32)
        guard let deviceID = Int64(rest.prefix { $0.isNumber }), let marker = rest.range(of: #""timestamp":""#) else { return }
        let stamp = rest[marker.upperBound...].prefix { $0 != "\"" }
        guard let timestamp = ISO8601.parse(String(stamp)) else { return }
        recorder.received(deviceID: deviceID, timestamp: timestamp, at: at)
    }
}
