public import NIOCore
import Synchronization

/// An accepted client connection. Sendable handle: sends and disconnects from any task.
public final class MQTTSession: Sendable {
    private let storedClientID: String
    private let storedVersion: MQTTProtocolVersion
    private let storedContext: any Sendable
    private let storedRemoteAddress: SocketAddress?
    private let eventLoop: any EventLoop
    private let handler: NIOLoopBound<MQTTChannelHandler>
    let outbound = Mutex(MQTTOutboundQueue())

    /// The client id, assigned by the server when the client sent an empty one.
    public var clientID: String { self.storedClientID }
    public var version: MQTTProtocolVersion { self.storedVersion }
    /// The delegate's context from ``MQTTConnectDecision/accept(context:)``.
    public var context: any Sendable { self.storedContext }
    public var remoteAddress: SocketAddress? { self.storedRemoteAddress }

    init(
        clientID: String,
        version: MQTTProtocolVersion,
        context: any Sendable,
        remoteAddress: SocketAddress?,
        handler: NIOLoopBound<MQTTChannelHandler>,
        eventLoop: any EventLoop
    ) {
        self.storedClientID = clientID
        self.storedVersion = version
        self.storedContext = context
        self.storedRemoteAddress = remoteAddress
        self.handler = handler
        self.eventLoop = eventLoop
    }

    /// Sends an application message to the client at QoS 0, in order with earlier sends. Never blocks: a client that
    /// does not read has its oldest unsent messages dropped beyond a bounded buffer.
    public func send(topic: String, payload: ByteBuffer) {
        let needsDrain = self.outbound.withLock { $0.append(.init(topic: topic, payload: payload)) }
        if needsDrain {
            let handler = self.handler
            self.eventLoop.execute { handler.value.drainOutbound() }
        }
    }

    /// Closes the connection; MQTT 5 clients get DISCONNECT with `reason` first. The delegate's ``MQTTServerDelegate/closed(_:reason:)``
    /// follows with `.serverDisconnected(reason)`.
    public func disconnect(reason: MQTTReasonCode) {
        let handler = self.handler
        self.eventLoop.execute { handler.value.disconnect(reason: reason) }
    }
}
