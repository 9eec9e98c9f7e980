import NIOCore

/// The data representations of MQTT (section 1.5 of both specs).
extension ByteBuffer {
    /// The largest Variable Byte Integer: four bytes of seven bits.
    static let mqttMaxVarint = 268_435_455

    /// Reads a Variable Byte Integer; nil when the bytes end before it does, malformed beyond four bytes.
    mutating func readMQTTVarint(what: StaticString) throws -> Int {
        var value = 0
        var shift = 0
        for _ in 0..<4 {
            guard let byte = self.readInteger(as: UInt8.self) else {
                throw MQTTProtocolError.malformed("\(what): truncated variable byte integer")
            }
            value |= Int(byte & 0x7F) << shift
            if byte & 0x80 == 0 {
                return value
            }
            shift += 7
        }
        throw MQTTProtocolError.malformed("\(what): variable byte integer longer than 4 bytes")
    }

    @discardableResult
    mutating func writeMQTTVarint(_ value: Int) -> Int {
        precondition(value >= 0 && value <= Self.mqttMaxVarint, "MQTT variable byte integer out of range: \(value)")
        var remaining = value
        var written = 0
        repeat {
            var byte = UInt8(remaining & 0x7F)
            remaining >>= 7
            if remaining > 0 {
                byte |= 0x80
            }
            written += self.writeInteger(byte)
        } while remaining > 0
        return written
    }

    static func mqttVarintLength(_ value: Int) -> Int {
        switch value {
        case ..<128: return 1
        case ..<16_384: return 2
        case ..<2_097_152: return 3
        default: return 4
        }
    }

    mutating func readMQTTInteger<T: FixedWidthInteger>(as: T.Type = T.self, what: StaticString) throws -> T {
        guard let value = self.readInteger(as: T.self) else {
            throw MQTTProtocolError.malformed("\(what): truncated")
        }
        return value
    }

    /// Reads a UTF-8 Encoded String: valid UTF-8 without U+0000, as both specs require of the receiver.
    mutating func readMQTTString(what: StaticString) throws -> String {
        guard let length = self.readInteger(as: UInt16.self), let bytes = self.readSlice(length: Int(length)) else {
            throw MQTTProtocolError.malformed("\(what): truncated string")
        }
        return try bytes.mqttValidatedString(what: what)
    }

    /// The readable bytes as a string, if they are valid MQTT UTF-8.
    func mqttValidatedString(what: StaticString) throws -> String {
        try self.withUnsafeReadableBytes { raw in
            if raw.contains(0) {
                throw MQTTProtocolError.malformed("\(what): string contains U+0000")
            }
            guard let string = String(validating: raw, as: UTF8.self) else {
                throw MQTTProtocolError.malformed("\(what): string is not valid UTF-8")
            }
            return string
        }
    }

    /// Whether the readable bytes equal `string`'s UTF-8; lets the decoder reuse the previous topic's `String`.
    func mqttReadableBytesEqual(_ string: String) -> Bool {
        let utf8 = string.utf8
        guard utf8.count == self.readableBytes else {
            return false
        }
        return self.withUnsafeReadableBytes { raw in
            utf8.withContiguousStorageIfAvailable { stored in raw.elementsEqual(stored) } ?? raw.elementsEqual(utf8)
        }
    }

    mutating func readMQTTBinary(what: StaticString) throws -> [UInt8] {
        guard let length = self.readInteger(as: UInt16.self), let bytes = self.readBytes(length: Int(length)) else {
            throw MQTTProtocolError.malformed("\(what): truncated binary data")
        }
        return bytes
    }

    mutating func writeMQTTString(_ string: String) {
        let length = string.utf8.count
        precondition(length <= UInt16.max, "MQTT string longer than 65535 bytes")
        self.writeInteger(UInt16(length))
        self.writeString(string)
    }

    mutating func writeMQTTBinary(_ bytes: some Collection<UInt8>) {
        precondition(bytes.count <= UInt16.max, "MQTT binary data longer than 65535 bytes")
        self.writeInteger(UInt16(bytes.count))
        self.writeBytes(bytes)
    }
}
