import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import NIOWebSocket
import Synchronization
import Testing

/// A live stream opened with hummingbird-websocket's client (not the server's code): it records every text frame
/// with its arrival time, sends what the test asks, and keeps the close frame the server ended with.
final class TestStream: Sendable {
    private struct State {
        var frames: [(text: String, at: ContinuousClock.Instant)] = []
        var outbound: WebSocketOutboundWriter?
        var connected = false
        var ended = false
        var closeFrame: WebSocketCloseFrame?
        var error: (any Error)?
    }

    private let state = Mutex(State())
    private let task = Mutex<Task<Void, Never>?>(nil)

    private init() {}

    /// Opens `path` on the live server at `port` with `auth` (or none) and waits until it is upgraded; throws when
    /// the upgrade is refused.
    static func open(port: Int, _ path: String, auth: Credential? = nil, timeout: Duration = .seconds(30)) async throws -> TestStream {
        let stream = TestStream()
        var headers = HTTPFields()
        if let auth { headers.append(auth.field) }
        let configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 24, additionalHeaders: headers)
        let task = Task {
            do {
                let close = try await WebSocketClient.connect(
                    url: "ws://localhost:\(port)\(path)", configuration: configuration, logger: Logger(label: "test-stream")
                ) { inbound, outbound, _ in
                    stream.state.withLock { state in
                        state.outbound = outbound
                        state.connected = true
                    }
                    for try await message in inbound.messages(maxSize: 1 << 24) {
                        if case .text(let text) = message {
                            let now = ContinuousClock.now
                            stream.state.withLock { $0.frames.append((text, now)) }
                        }
                    }
                }
                stream.state.withLock { state in
                    state.closeFrame = close
                    state.ended = true
                }
            } catch {
                stream.state.withLock { state in
                    state.error = error
                    state.ended = true
                }
            }
        }
        stream.task.withLock { $0 = task }
        try await waitFor("the stream at \(path) is upgraded", timeout: timeout) {
            try stream.state.withLock { state in
                if let error = state.error { throw error }
                if state.ended { throw StreamEnded() }
                return state.connected
            }
        }
        return stream
    }

    struct StreamEnded: Error {}

    /// Every text frame received so far.
    var texts: [String] { self.state.withLock { $0.frames.map(\.text) } }

    /// The JSON objects received so far, with their arrival times.
    var received: [(json: JSONValue, at: ContinuousClock.Instant)] {
        self.state.withLock { state in
            state.frames.compactMap { frame in (try? JSONDecoder().decode(JSONValue.self, from: Data(frame.text.utf8))).map { ($0, frame.at) } }
        }
    }

    /// The frames of `type` received so far.
    func frames(ofType type: String) -> [JSONValue] {
        self.received.map(\.json).filter { $0["type"]?.string == type }
    }

    /// Waits until `count` frames of `type` arrived; returns them.
    @discardableResult
    func waitForFrames(
        ofType type: String, count: Int, timeout: Duration = .seconds(30), sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> [JSONValue] {
        try await waitFor("\(count) '\(type)' frames (have \(self.frames(ofType: type).count))", timeout: timeout, sourceLocation: sourceLocation) {
            self.frames(ofType: type).count >= count
        }
        return self.frames(ofType: type)
    }

    /// Sends a text frame.
    func send(_ text: String) async throws {
        let outbound = try #require(self.state.withLock { $0.outbound })
        try await outbound.write(.text(text))
    }

    /// Waits until the server closed the stream; returns its close frame (nil when it closed without one).
    func waitForClose(timeout: Duration = .seconds(30), sourceLocation: SourceLocation = #_sourceLocation) async throws -> WebSocketCloseFrame? {
        try await waitFor("the server closes the stream", timeout: timeout, sourceLocation: sourceLocation) {
            self.state.withLock { $0.ended }
        }
        return self.state.withLock { $0.closeFrame }
    }

    /// Whether the stream ended.
    var isEnded: Bool { self.state.withLock { $0.ended } }

    /// Closes the stream from the client's side and waits for the client to finish.
    func close() async {
        if let outbound = self.state.withLock({ $0.outbound }) {
            try? await outbound.close(.normalClosure, reason: nil)
        }
        let task = self.task.withLock { $0 }
        _ = await task?.value
    }
}

/// Waits until `condition` holds, checking every 10 ms; fails the test (throws) after `timeout`.
func waitFor(
    _ what: @autoclosure () -> String, timeout: Duration = .seconds(30), sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while try !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("timed out after \(timeout) waiting for \(what())", sourceLocation: sourceLocation)
            throw WaitTimeout()
        }
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// A condition was not met within its deadline (the test already recorded the issue).
struct WaitTimeout: Error {}
