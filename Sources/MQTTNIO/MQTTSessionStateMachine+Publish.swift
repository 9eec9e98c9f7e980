/// The QoS 0, 1 and 2 flows of inbound PUBLISH packets (sections 4.3 of both specs).
extension MQTTSessionStateMachine {
    mutating func publishReceived(_ publish: MQTTPublishPacket) -> Action {
        if publish.properties.topicAlias != nil {
            // Topic Alias Maximum is 0 (absent in 3.1.1), so any alias is out of range.
            return self.errorCaught(MQTTProtocolError(kind: .topicAliasInvalid, message: "PUBLISH with a topic alias"))
        }
        if publish.topic.isEmpty {
            return self.errorCaught(MQTTProtocolError(kind: .topicNameInvalid, message: "PUBLISH with an empty topic name"))
        }
        let message = MQTTInboundMessage(topic: publish.topic, payload: publish.payload, qos: publish.qos, retain: publish.retain)
        switch publish.qos {
        case .atMostOnce:
            self.collecting.messages.append(message)
            self.collecting.acknowledgements.append(.none)
            return .none
        case .atLeastOnce:
            if let violation = self.checkReceiveMaximum() {
                return violation
            }
            self.awaitingOutcome += 1
            self.collecting.messages.append(message)
            self.collecting.acknowledgements.append(.puback(publish.packetID))
            return .none
        case .exactlyOnce:
            if self.qos2[publish.packetID] != nil {
                // Sent again before PUBREL: delivered once already (or about to be), so only PUBREC again.
                self.collecting.acknowledgements.append(.repeatedPubrec(publish.packetID))
                return .none
            }
            if let violation = self.checkReceiveMaximum() {
                return violation
            }
            self.awaitingOutcome += 1
            self.qos2[publish.packetID] = .awaitingOutcome
            self.collecting.messages.append(message)
            self.collecting.acknowledgements.append(.pubrec(publish.packetID))
            return .none
        }
    }

    /// MQTT 5 counts a QoS 2 publish against Receive Maximum until PUBCOMP; 3.1.1 has no such limit and is only
    /// slowed down by paused reads.
    private mutating func checkReceiveMaximum() -> Action? {
        guard self.version == .v5, self.awaitingOutcome + self.qos2AwaitingRelease >= self.configuration.receiveMaximum else {
            return nil
        }
        return self.errorCaught(
            MQTTProtocolError(
                kind: .receiveMaximumExceeded,
                message: "more than \(self.configuration.receiveMaximum) unacknowledged QoS 1 and 2 publishes"
            )
        )
    }

    mutating func pubrelReceived(_ packetID: UInt16) -> Action {
        switch self.qos2[packetID] {
        case .awaitingRelease:
            self.qos2[packetID] = nil
            self.qos2AwaitingRelease -= 1
            return .write(.pubcomp(MQTTAckPacket(packetID: packetID)))
        case .awaitingOutcome:
            return self.protocolViolation("PUBREL for packet \(packetID) before its PUBREC")
        case nil:
            let reason: MQTTReasonCode = self.version == .v5 ? .packetIdentifierNotFound : .success
            return .write(.pubcomp(MQTTAckPacket(packetID: packetID, reason: reason)))
        }
    }

    /// The delegate's outcomes for a batch (one per message, in order): the acknowledgements, in receive order,
    /// up to a `.disconnect` outcome, which closes instead. Does not start the next job; see ``jobFinished()``.
    mutating func publishBatchCompleted(_ batch: MQTTPublishBatch, outcomes: [MQTTPublishOutcome]) -> PublishCompletion {
        guard self.phase == .connected || self.phase == .draining || self.phase == .disconnecting else {
            return PublishCompletion(acknowledgements: [], close: nil)
        }
        let isV5 = self.version == .v5
        var acknowledgements: [MQTTPacket] = []
        acknowledgements.reserveCapacity(batch.acknowledgements.count)
        var outcomeIndex = 0
        for acknowledgement in batch.acknowledgements {
            if case .repeatedPubrec(let packetID) = acknowledgement {
                let reason: MQTTReasonCode = !isV5 || self.qos2[packetID] == .awaitingRelease ? .success : .unspecifiedError
                acknowledgements.append(.pubrec(MQTTAckPacket(packetID: packetID, reason: reason)))
                continue
            }
            // A delegate that returns too few outcomes has not handled the rest.
            let outcome = outcomeIndex < outcomes.count ? outcomes[outcomeIndex] : .disconnect(.implementationSpecificError)
            outcomeIndex += 1
            if case .disconnect(let reason) = outcome {
                let close = self.close(.serverDisconnected(reason), disconnect: reason)
                return PublishCompletion(acknowledgements: acknowledgements, close: close)
            }
            let reason: MQTTReasonCode
            if case .rejected(let rejection) = outcome, isV5 {
                reason = rejection
            } else {
                reason = .success
            }
            switch acknowledgement {
            case .none, .repeatedPubrec:
                break
            case .puback(let packetID):
                self.awaitingOutcome -= 1
                acknowledgements.append(.puback(MQTTAckPacket(packetID: packetID, reason: reason)))
            case .pubrec(let packetID):
                self.awaitingOutcome -= 1
                if reason.rawValue >= 0x80 {
                    // An error PUBREC ends the exchange (MQTT 5 section 4.3.3); the id is free again.
                    self.qos2[packetID] = nil
                } else {
                    self.qos2[packetID] = .awaitingRelease
                    self.qos2AwaitingRelease += 1
                }
                acknowledgements.append(.pubrec(MQTTAckPacket(packetID: packetID, reason: reason)))
            }
        }
        return PublishCompletion(acknowledgements: acknowledgements, close: nil)
    }
}
