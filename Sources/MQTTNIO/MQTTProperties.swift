import NIOCore

/// The properties of one MQTT 5 packet, in wire order. An array of cases rather than a struct of optionals: most
/// packets carry none, and an empty array costs nothing to create or copy.
struct MQTTProperties: Equatable, Sendable {
    var entries: [MQTTProperty]

    init(_ entries: [MQTTProperty] = []) {
        self.entries = entries
    }

    var isEmpty: Bool { self.entries.isEmpty }

    var sessionExpiryInterval: UInt32? {
        for case .sessionExpiryInterval(let value) in self.entries { return value }
        return nil
    }

    var receiveMaximum: UInt16? {
        for case .receiveMaximum(let value) in self.entries { return value }
        return nil
    }

    var maximumPacketSize: UInt32? {
        for case .maximumPacketSize(let value) in self.entries { return value }
        return nil
    }

    var topicAliasMaximum: UInt16? {
        for case .topicAliasMaximum(let value) in self.entries { return value }
        return nil
    }

    var topicAlias: UInt16? {
        for case .topicAlias(let value) in self.entries { return value }
        return nil
    }

    var assignedClientIdentifier: String? {
        for case .assignedClientIdentifier(let value) in self.entries { return value }
        return nil
    }

    var authenticationMethod: String? {
        for case .authenticationMethod(let value) in self.entries { return value }
        return nil
    }

    var reasonString: String? {
        for case .reasonString(let value) in self.entries { return value }
        return nil
    }

    var payloadFormatIndicator: UInt8? {
        for case .payloadFormatIndicator(let value) in self.entries { return value }
        return nil
    }

    var contentType: String? {
        for case .contentType(let value) in self.entries { return value }
        return nil
    }

    var userProperties: [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        for case .userProperty(let name, let value) in self.entries {
            result.append((name, value))
        }
        return result
    }
}

extension MQTTProperties {
    /// Which properties each packet may carry (section 2.2.2.2's table); any other is a protocol error.
    enum Context: CustomStringConvertible {
        case connect, will, connack, publish, ack, subscribe, suback, unsubscribe, unsuback, disconnect, auth

        func allows(_ identifier: UInt8) -> Bool {
            if identifier == 0x26 {
                return true
            }
            switch self {
            case .connect: return [0x11, 0x15, 0x16, 0x17, 0x19, 0x21, 0x22, 0x27].contains(identifier)
            case .will: return [0x01, 0x02, 0x03, 0x08, 0x09, 0x18].contains(identifier)
            case .connack:
                return [0x11, 0x12, 0x13, 0x15, 0x16, 0x1A, 0x1C, 0x1F, 0x21, 0x22, 0x24, 0x25, 0x27, 0x28, 0x29, 0x2A].contains(identifier)
            case .publish: return [0x01, 0x02, 0x03, 0x08, 0x09, 0x0B, 0x23].contains(identifier)
            case .ack, .suback, .unsuback: return identifier == 0x1F
            case .subscribe: return identifier == 0x0B
            case .unsubscribe: return false
            case .disconnect: return [0x11, 0x1C, 0x1F].contains(identifier)
            case .auth: return [0x15, 0x16, 0x1F].contains(identifier)
            }
        }

        /// Properties that may appear more than once; every other one at most once.
        static func repeatable(_ identifier: UInt8, in context: Self) -> Bool {
            identifier == 0x26 || (identifier == 0x0B && context == .publish)
        }

        var description: String {
            switch self {
            case .connect: return "CONNECT"
            case .will: return "will"
            case .connack: return "CONNACK"
            case .publish: return "PUBLISH"
            case .ack: return "acknowledgement"
            case .subscribe: return "SUBSCRIBE"
            case .suback: return "SUBACK"
            case .unsubscribe: return "UNSUBSCRIBE"
            case .unsuback: return "UNSUBACK"
            case .disconnect: return "DISCONNECT"
            case .auth: return "AUTH"
            }
        }
    }
}

extension ByteBuffer {
    /// Reads a property length and the properties it covers, checking each against the packet's allowed set.
    mutating func readMQTTProperties(in context: MQTTProperties.Context) throws -> MQTTProperties {
        let length = try self.readMQTTVarint(what: "property length")
        guard length > 0 else {
            return MQTTProperties()
        }
        guard var bytes = self.readSlice(length: length) else {
            throw MQTTProtocolError.malformed("\(context) properties: length \(length) beyond the packet")
        }
        var entries: [MQTTProperty] = []
        var seen: UInt64 = 0
        while bytes.readableBytes > 0 {
            let identifier = try bytes.readMQTTVarint(what: "property identifier")
            guard identifier <= 0x2A, let property = try bytes.readMQTTProperty(identifier: UInt8(identifier)) else {
                throw MQTTProtocolError.malformed("unknown property identifier 0x\(String(identifier, radix: 16))")
            }
            let id = UInt8(identifier)
            guard context.allows(id) else {
                throw MQTTProtocolError.protocolViolation("property 0x\(String(id, radix: 16)) is not allowed in \(context)")
            }
            let bit: UInt64 = 1 << UInt64(id)
            if seen & bit != 0 && !MQTTProperties.Context.repeatable(id, in: context) {
                throw MQTTProtocolError.protocolViolation("property 0x\(String(id, radix: 16)) appears twice in \(context)")
            }
            seen |= bit
            try property.validate()
            entries.append(property)
        }
        return MQTTProperties(entries)
    }

    /// The value of a property whose identifier has been read; nil for an identifier the spec does not define.
    private mutating func readMQTTProperty(identifier: UInt8) throws -> MQTTProperty? {
        switch identifier {
        case 0x01: return .payloadFormatIndicator(try self.readMQTTInteger(what: "payload format indicator"))
        case 0x02: return .messageExpiryInterval(try self.readMQTTInteger(what: "message expiry interval"))
        case 0x03: return .contentType(try self.readMQTTString(what: "content type"))
        case 0x08: return .responseTopic(try self.readMQTTString(what: "response topic"))
        case 0x09: return .correlationData(try self.readMQTTBinary(what: "correlation data"))
        case 0x0B: return .subscriptionIdentifier(try self.readMQTTVarint(what: "subscription identifier"))
        case 0x11: return .sessionExpiryInterval(try self.readMQTTInteger(what: "session expiry interval"))
        case 0x12: return .assignedClientIdentifier(try self.readMQTTString(what: "assigned client identifier"))
        case 0x13: return .serverKeepAlive(try self.readMQTTInteger(what: "server keep alive"))
        case 0x15: return .authenticationMethod(try self.readMQTTString(what: "authentication method"))
        case 0x16: return .authenticationData(try self.readMQTTBinary(what: "authentication data"))
        case 0x17: return .requestProblemInformation(try self.readMQTTInteger(what: "request problem information"))
        case 0x18: return .willDelayInterval(try self.readMQTTInteger(what: "will delay interval"))
        case 0x19: return .requestResponseInformation(try self.readMQTTInteger(what: "request response information"))
        case 0x1A: return .responseInformation(try self.readMQTTString(what: "response information"))
        case 0x1C: return .serverReference(try self.readMQTTString(what: "server reference"))
        case 0x1F: return .reasonString(try self.readMQTTString(what: "reason string"))
        case 0x21: return .receiveMaximum(try self.readMQTTInteger(what: "receive maximum"))
        case 0x22: return .topicAliasMaximum(try self.readMQTTInteger(what: "topic alias maximum"))
        case 0x23: return .topicAlias(try self.readMQTTInteger(what: "topic alias"))
        case 0x24: return .maximumQoS(try self.readMQTTInteger(what: "maximum QoS"))
        case 0x25: return .retainAvailable(try self.readMQTTInteger(what: "retain available"))
        case 0x26:
            let name = try self.readMQTTString(what: "user property name")
            return .userProperty(name: name, value: try self.readMQTTString(what: "user property value"))
        case 0x27: return .maximumPacketSize(try self.readMQTTInteger(what: "maximum packet size"))
        case 0x28: return .wildcardSubscriptionAvailable(try self.readMQTTInteger(what: "wildcard subscription available"))
        case 0x29: return .subscriptionIdentifierAvailable(try self.readMQTTInteger(what: "subscription identifier available"))
        case 0x2A: return .sharedSubscriptionAvailable(try self.readMQTTInteger(what: "shared subscription available"))
        default: return nil
        }
    }

    mutating func writeMQTTProperties(_ properties: MQTTProperties) {
        self.writeMQTTVarint(properties.encodedLength)
        for property in properties.entries {
            self.writeMQTTVarint(Int(property.identifier))
            switch property {
            case .payloadFormatIndicator(let value), .requestProblemInformation(let value), .requestResponseInformation(let value),
                .maximumQoS(let value), .retainAvailable(let value), .wildcardSubscriptionAvailable(let value),
                .subscriptionIdentifierAvailable(let value), .sharedSubscriptionAvailable(let value):
                self.writeInteger(value)
            case .serverKeepAlive(let value), .receiveMaximum(let value), .topicAliasMaximum(let value), .topicAlias(let value):
                self.writeInteger(value)
            case .messageExpiryInterval(let value), .sessionExpiryInterval(let value), .willDelayInterval(let value),
                .maximumPacketSize(let value):
                self.writeInteger(value)
            case .contentType(let value), .responseTopic(let value), .assignedClientIdentifier(let value),
                .authenticationMethod(let value), .responseInformation(let value), .serverReference(let value),
                .reasonString(let value):
                self.writeMQTTString(value)
            case .correlationData(let value), .authenticationData(let value):
                self.writeMQTTBinary(value)
            case .subscriptionIdentifier(let value):
                self.writeMQTTVarint(value)
            case .userProperty(let name, let value):
                self.writeMQTTString(name)
                self.writeMQTTString(value)
            }
        }
    }
}

extension MQTTProperties {
    /// Bytes of the properties after the property length.
    var encodedLength: Int {
        var total = 0
        for property in self.entries {
            total += 1
            switch property {
            case .payloadFormatIndicator, .requestProblemInformation, .requestResponseInformation, .maximumQoS, .retainAvailable,
                .wildcardSubscriptionAvailable, .subscriptionIdentifierAvailable, .sharedSubscriptionAvailable:
                total += 1
            case .serverKeepAlive, .receiveMaximum, .topicAliasMaximum, .topicAlias:
                total += 2
            case .messageExpiryInterval, .sessionExpiryInterval, .willDelayInterval, .maximumPacketSize:
                total += 4
            case .contentType(let value), .responseTopic(let value), .assignedClientIdentifier(let value),
                .authenticationMethod(let value), .responseInformation(let value), .serverReference(let value),
                .reasonString(let value):
                total += 2 + value.utf8.count
            case .correlationData(let value), .authenticationData(let value):
                total += 2 + value.count
            case .subscriptionIdentifier(let value):
                total += ByteBuffer.mqttVarintLength(value)
            case .userProperty(let name, let value):
                total += 4 + name.utf8.count + value.utf8.count
            }
        }
        return total
    }
}

extension MQTTProperty {
    /// Values the spec rules out (section 3.x.2.x of each property): a protocol error, not malformed.
    func validate() throws {
        switch self {
        case .payloadFormatIndicator(let value), .requestProblemInformation(let value), .requestResponseInformation(let value),
            .retainAvailable(let value), .wildcardSubscriptionAvailable(let value), .subscriptionIdentifierAvailable(let value),
            .sharedSubscriptionAvailable(let value), .maximumQoS(let value):
            guard value <= 1 else {
                throw MQTTProtocolError.protocolViolation("property 0x\(String(self.identifier, radix: 16)) has value \(value), not 0 or 1")
            }
        case .receiveMaximum(0):
            throw MQTTProtocolError.protocolViolation("receive maximum of 0")
        case .maximumPacketSize(0):
            throw MQTTProtocolError.protocolViolation("maximum packet size of 0")
        case .subscriptionIdentifier(let value):
            guard value >= 1 else {
                throw MQTTProtocolError.protocolViolation("subscription identifier of 0")
            }
        default:
            break
        }
    }
}
