import NIOCore

// The notations of spec section 3. Reads throw `protocolViolation` when the body ends early or a length is negative
// where it may not be: a body comes from a complete frame, so running short means the server broke the format.
extension ByteBuffer {
    mutating func readCQLInt(_ what: @autoclosure () -> String = "int") throws -> Int32 {
        guard let value = self.readInteger(as: Int32.self) else {
            throw CassandraError.protocolViolation("the body ends inside \(what())")
        }
        return value
    }

    mutating func readCQLLong(_ what: @autoclosure () -> String = "long") throws -> Int64 {
        guard let value = self.readInteger(as: Int64.self) else {
            throw CassandraError.protocolViolation("the body ends inside \(what())")
        }
        return value
    }

    mutating func readCQLShort(_ what: @autoclosure () -> String = "short") throws -> UInt16 {
        guard let value = self.readInteger(as: UInt16.self) else {
            throw CassandraError.protocolViolation("the body ends inside \(what())")
        }
        return value
    }

    mutating func readCQLByte(_ what: @autoclosure () -> String = "byte") throws -> UInt8 {
        guard let value = self.readInteger(as: UInt8.self) else {
            throw CassandraError.protocolViolation("the body ends inside \(what())")
        }
        return value
    }

    mutating func readCQLBytes(count: Int, what: @autoclosure () -> String) throws -> [UInt8] {
        guard count >= 0, let bytes = self.readBytes(length: count) else {
            throw CassandraError.protocolViolation("the body ends inside \(what()) (\(count) bytes)")
        }
        return bytes
    }

    mutating func readCQLSlice(count: Int, what: @autoclosure () -> String) throws -> ByteBuffer {
        guard count >= 0, let slice = self.readSlice(length: count) else {
            throw CassandraError.protocolViolation("the body ends inside \(what()) (\(count) bytes)")
        }
        return slice
    }

    /// `[string]`.
    mutating func readCQLString() throws -> String {
        let length = try self.readCQLShort("a string length")
        guard let string = self.readString(length: Int(length)) else {
            throw CassandraError.protocolViolation("the body ends inside a string of \(length) bytes")
        }
        return string
    }

    /// `[string list]`.
    mutating func readCQLStringList() throws -> [String] {
        let count = try self.readCQLShort("a string list count")
        var strings: [String] = []
        for _ in 0..<count {
            strings.append(try self.readCQLString())
        }
        return strings
    }

    /// `[string multimap]`.
    mutating func readCQLStringMultimap() throws -> [String: [String]] {
        let count = try self.readCQLShort("a string multimap count")
        var map: [String: [String]] = [:]
        for _ in 0..<count {
            let key = try self.readCQLString()
            map[key] = try self.readCQLStringList()
        }
        return map
    }

    /// `[bytes]`; `nil` for a negative length (null).
    mutating func readCQLNullableBytes(_ what: @autoclosure () -> String = "bytes") throws -> [UInt8]? {
        let length = try self.readCQLInt("the length of \(what())")
        guard length >= 0 else {
            return nil
        }
        return try self.readCQLBytes(count: Int(length), what: what())
    }

    /// `[short bytes]`.
    mutating func readCQLShortBytes(_ what: @autoclosure () -> String = "short bytes") throws -> [UInt8] {
        let length = try self.readCQLShort("the length of \(what())")
        return try self.readCQLBytes(count: Int(length), what: what())
    }

    /// `[bytes map]`.
    mutating func readCQLBytesMap() throws -> [String: [UInt8]?] {
        let count = try self.readCQLShort("a bytes map count")
        var map: [String: [UInt8]?] = [:]
        for _ in 0..<count {
            let key = try self.readCQLString()
            map[key] = try self.readCQLNullableBytes("a bytes map value")
        }
        return map
    }

    /// `[consistency]`.
    mutating func readCQLConsistency() throws -> CassandraConsistency {
        let raw = try self.readCQLShort("a consistency")
        guard let consistency = CassandraConsistency(rawValue: raw) else {
            throw CassandraError.protocolViolation("unknown consistency level 0x\(String(raw, radix: 16))")
        }
        return consistency
    }

    /// `[short]`; callers check the count first, so a larger value is a programming error.
    mutating func writeCQLShort(_ value: Int) {
        precondition((0...Int(UInt16.max)).contains(value), "\(value) does not fit a [short]")
        self.writeInteger(UInt16(value))
    }

    /// `[string]`.
    mutating func writeCQLString(_ string: String) {
        let lengthIndex = self.writerIndex
        self.writeInteger(UInt16(0))
        let length = self.writeString(string)
        precondition(length <= Int(UInt16.max), "a [string] of \(length) bytes")
        self.setInteger(UInt16(length), at: lengthIndex)
    }

    /// `[long string]`.
    mutating func writeCQLLongString(_ string: String) {
        let lengthIndex = self.writerIndex
        self.writeInteger(Int32(0))
        let length = self.writeString(string)
        self.setInteger(Int32(length), at: lengthIndex)
    }

    /// `[string map]`, in key order so that the same map always encodes to the same bytes.
    mutating func writeCQLStringMap(_ map: [String: String]) {
        self.writeCQLShort(map.count)
        for key in map.keys.sorted() {
            self.writeCQLString(key)
            self.writeCQLString(map[key]!)
        }
    }

    /// `[short bytes]`.
    mutating func writeCQLShortBytes(_ bytes: [UInt8]) {
        self.writeCQLShort(bytes.count)
        self.writeBytes(bytes)
    }

    /// `[bytes]`; `nil` writes null.
    mutating func writeCQLBytes(_ bytes: [UInt8]?) {
        guard let bytes else {
            self.writeInteger(Int32(-1))
            return
        }
        self.writeInteger(Int32(bytes.count))
        self.writeBytes(bytes)
    }

    /// `[consistency]`.
    mutating func writeCQLConsistency(_ consistency: CassandraConsistency) {
        self.writeInteger(consistency.rawValue)
    }
}
