import NIOCore

/// Messages from ``MQTTSession/send(topic:payload:)`` not yet handed to the channel. Bounded: beyond ``limit`` the
/// oldest are dropped, so a client that stops reading cannot make the server hold an unbounded backlog.
struct MQTTOutboundQueue {
    struct Message {
        var topic: String
        var payload: ByteBuffer
    }

    static let limit = 1000

    private(set) var messages = CircularBuffer<Message>()
    /// A drain is queued on the event loop, so further sends need not queue another.
    var isDrainScheduled = false
    private(set) var droppedCount = 0

    /// Appends, dropping the oldest beyond the limit; true when the caller must schedule a drain.
    mutating func append(_ message: Message) -> Bool {
        if self.messages.count >= Self.limit {
            self.messages.removeFirst()
            self.droppedCount += 1
        }
        self.messages.append(message)
        if self.isDrainScheduled {
            return false
        }
        self.isDrainScheduled = true
        return true
    }

    /// Takes every queued message.
    mutating func takeAll() -> CircularBuffer<Message> {
        let taken = self.messages
        self.messages = CircularBuffer()
        return taken
    }

    /// Takes the count of drops since the last call, for one log line per drain rather than per message.
    mutating func takeDroppedCount() -> Int {
        defer { self.droppedCount = 0 }
        return self.droppedCount
    }
}
