import NIOCore

extension CassandraValue {
    /// Writes the value as a bound `[value]` (spec sections 3 and 6).
    ///
    /// When the prepared statement says what the marker's type is, integers and doubles are written at that type's
    /// width, so that `.int(5)` binds to a `bigint` column and `.bigint(5)` to an `int` one instead of the server
    /// rejecting the byte count; an integer that does not fit throws `invalidArgument`.
    func writeBound(to buffer: inout ByteBuffer, as type: CassandraDataType?) throws {
        switch self {
        case .null:
            buffer.writeInteger(Int32(-1))
        case .unset:
            buffer.writeInteger(Int32(-2))
        case .bigint(let value):
            try Self.writeInteger(value, to: &buffer, as: type)
        case .int(let value):
            try Self.writeInteger(Int64(value), to: &buffer, as: type ?? .int)
        case .double(let value):
            if type == .float {
                buffer.writeInteger(Int32(4))
                buffer.writeInteger(Float(value).bitPattern)
            } else {
                buffer.writeInteger(Int32(8))
                buffer.writeInteger(value.bitPattern)
            }
        case .boolean(let value):
            buffer.writeInteger(Int32(1))
            buffer.writeInteger(UInt8(value ? 1 : 0))
        case .text(let value):
            Self.writeText(value, to: &buffer)
        case .timestamp(let value):
            buffer.writeInteger(Int32(8))
            buffer.writeInteger(value)
        case .blob(let bytes):
            buffer.writeCQLBytes(bytes)
        case .uuid(let uuid):
            buffer.writeInteger(Int32(16))
            _ = withUnsafeBytes(of: uuid.uuid) { buffer.writeBytes($0) }
        case .textMap(let map):
            let lengthIndex = buffer.writerIndex
            buffer.writeInteger(Int32(0))
            let start = buffer.writerIndex
            buffer.writeInteger(Int32(map.count))
            // Sorted so that the same map always encodes to the same bytes.
            for key in map.keys.sorted() {
                Self.writeText(key, to: &buffer)
                Self.writeText(map[key]!, to: &buffer)
            }
            buffer.setInteger(Int32(buffer.writerIndex - start), at: lengthIndex)
        }
    }

    private static func writeText(_ text: String, to buffer: inout ByteBuffer) {
        let lengthIndex = buffer.writerIndex
        buffer.writeInteger(Int32(0))
        let length = buffer.writeString(text)
        buffer.setInteger(Int32(length), at: lengthIndex)
    }

    private static func writeInteger(_ value: Int64, to buffer: inout ByteBuffer, as type: CassandraDataType?) throws {
        func narrowed<Narrow: FixedWidthInteger>(_: Narrow.Type) throws -> Narrow {
            guard let narrow = Narrow(exactly: value) else {
                throw CassandraError.invalidArgument("\(value) does not fit the \(type.map { "\($0)" } ?? "") column")
            }
            return narrow
        }
        switch type {
        case .int:
            buffer.writeInteger(Int32(4))
            buffer.writeInteger(try narrowed(Int32.self))
        case .smallint:
            buffer.writeInteger(Int32(2))
            buffer.writeInteger(try narrowed(Int16.self))
        case .tinyint:
            buffer.writeInteger(Int32(1))
            buffer.writeInteger(try narrowed(Int8.self))
        case .date:
            // Days since the epoch, stored unsigned with the epoch at 2^31 (spec section 6.5).
            let days = try narrowed(Int32.self)
            buffer.writeInteger(Int32(4))
            buffer.writeInteger(UInt32(bitPattern: days) &+ (1 << 31))
        default:
            buffer.writeInteger(Int32(8))
            buffer.writeInteger(value)
        }
    }
}
