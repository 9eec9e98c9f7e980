import NIOCore
import Synchronization

/// The connections of one server: every open one (for shutdown) and the accepted ones by client id (for takeover).
final class MQTTConnectionRegistry: Sendable {
    /// A connection as seen from other threads; its methods hop to the connection's event loop.
    struct Handle: Sendable {
        var id: UInt64
        var channel: any Channel
        var handler: NIOLoopBound<MQTTChannelHandler>

        func takeOver() {
            let handler = self.handler
            self.channel.eventLoop.execute { handler.value.takeOver() }
        }

        func drain() {
            let handler = self.handler
            self.channel.eventLoop.execute { handler.value.drain() }
        }
    }

    private struct State {
        var nextID: UInt64 = 1
        var connections: [UInt64: Handle] = [:]
        var sessions: [String: Handle] = [:]
        var isDraining = false
    }

    private let state = Mutex(State())

    var sessionCount: Int {
        self.state.withLock { $0.sessions.count }
    }

    func makeConnectionID() -> UInt64 {
        self.state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
    }

    /// Records an open connection; false when the server is shutting down and it must close at once.
    func connectionOpened(_ handle: Handle) -> Bool {
        self.state.withLock { state in
            guard !state.isDraining else {
                return false
            }
            state.connections[handle.id] = handle
            return true
        }
    }

    /// Records an accepted session; returns the connection it takes over, if another held the client id.
    func sessionAccepted(clientID: String, _ handle: Handle) -> Handle? {
        self.state.withLock { state in
            let previous = state.sessions.updateValue(handle, forKey: clientID)
            return previous?.id == handle.id ? nil : previous
        }
    }

    func connectionClosed(id: UInt64, clientID: String?) {
        self.state.withLock { state in
            state.connections[id] = nil
            // A taken-over connection no longer owns the id; its successor does.
            if let clientID, state.sessions[clientID]?.id == id {
                state.sessions[clientID] = nil
            }
        }
    }

    /// Refuses new connections from now on and returns the open ones.
    func beginDraining() -> [Handle] {
        self.state.withLock { state in
            state.isDraining = true
            return Array(state.connections.values)
        }
    }
}
