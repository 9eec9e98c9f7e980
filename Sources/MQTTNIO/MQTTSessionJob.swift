/// Work for the delegate. A connection's jobs run one at a time, in the order their packets arrived, so that the
/// delegate never sees two calls of one connection overlap and acknowledgements leave in receive order.
enum MQTTSessionJob {
    /// `connected(_:)` after the CONNACK went out.
    case connected
    case publish(MQTTPublishBatch)
    case subscribe(MQTTSubscribeJob)
    case unsubscribe(packetID: UInt16, filters: [String])
    case pinged

    var isPublish: Bool {
        if case .publish = self { return true }
        return false
    }
}

/// PUBLISH packets read while the previous batch was with the delegate, handed over together.
struct MQTTPublishBatch {
    /// What to send for each PUBLISH once the outcomes are known, in receive order.
    enum Acknowledgement: Equatable {
        /// QoS 0: consumes an outcome, sends nothing.
        case none
        case puback(UInt16)
        case pubrec(UInt16)
        /// A QoS 2 PUBLISH sent again before its PUBREL: not given to the delegate, answered with PUBREC again.
        case repeatedPubrec(UInt16)
    }

    var messages: [MQTTInboundMessage] = []
    var acknowledgements: [Acknowledgement] = []

    var isEmpty: Bool { self.acknowledgements.isEmpty }
}

/// A SUBSCRIBE, with the filters the server refuses on its own already decided.
struct MQTTSubscribeJob {
    var packetID: UInt16
    /// One entry per filter: the server's own refusal, or nil when the delegate decides.
    var presetOutcomes: [MQTTSubscribeOutcome?]
    var requests: [MQTTSubscriptionRequest]

    /// The filters the delegate is asked about.
    var delegatedRequests: [MQTTSubscriptionRequest] {
        zip(self.requests, self.presetOutcomes).compactMap { $1 == nil ? $0 : nil }
    }
}
