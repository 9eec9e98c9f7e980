import NIOCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension CassandraValue {
    /// Decodes a column value of `type` (spec section 6); `nil` bytes are null.
    ///
    /// A fixed-size type with a length other than its size (or 0, the legacy empty value) is a protocol violation.
    static func decode(_ bytes: ByteBuffer?, as type: CassandraDataType) throws -> CassandraValue {
        guard var bytes else {
            return .null
        }
        if bytes.readableBytes == 0 {
            switch type {
            case .ascii, .varchar, .blob, .custom:
                break
            default:
                return .null
            }
        }
        switch type {
        case .ascii, .varchar:
            return .text(String(buffer: bytes))
        case .bigint, .counter:
            return .bigint(try Self.fixed(&bytes, Int64.self, type))
        case .timestamp:
            return .timestamp(try Self.fixed(&bytes, Int64.self, type))
        case .time:
            return .bigint(try Self.fixed(&bytes, Int64.self, type))
        case .int:
            return .int(try Self.fixed(&bytes, Int32.self, type))
        case .smallint:
            return .int(Int32(try Self.fixed(&bytes, Int16.self, type)))
        case .tinyint:
            return .int(Int32(try Self.fixed(&bytes, Int8.self, type)))
        case .date:
            let raw = try Self.fixed(&bytes, UInt32.self, type)
            return .int(Int32(bitPattern: raw &- (1 << 31)))
        case .double:
            return .double(Double(bitPattern: try Self.fixed(&bytes, UInt64.self, type)))
        case .float:
            return .double(Double(Float(bitPattern: try Self.fixed(&bytes, UInt32.self, type))))
        case .boolean:
            return .boolean(try Self.fixed(&bytes, UInt8.self, type) != 0)
        case .uuid, .timeuuid:
            guard bytes.readableBytes == 16, let raw = bytes.readBytes(length: 16) else {
                throw CassandraError.protocolViolation("a \(type) value of \(bytes.readableBytes) bytes, expected 16")
            }
            let uuid = UUID(
                uuid: (
                    raw[0], raw[1], raw[2], raw[3], raw[4], raw[5], raw[6], raw[7], raw[8], raw[9], raw[10], raw[11], raw[12],
                    raw[13], raw[14], raw[15]
                )
            )
            return .uuid(uuid)
        case .map(let key, let value) where key.isText && value.isText:
            return .textMap(try Self.textMap(&bytes))
        case .blob, .custom, .decimal, .varint, .inet, .duration, .list, .map, .set, .udt, .tuple:
            return .blob(bytes.readBytes(length: bytes.readableBytes) ?? [])
        }
    }

    private static func fixed<Integer: FixedWidthInteger>(
        _ bytes: inout ByteBuffer,
        _: Integer.Type,
        _ type: CassandraDataType
    ) throws -> Integer {
        guard bytes.readableBytes == MemoryLayout<Integer>.size, let value = bytes.readInteger(as: Integer.self) else {
            throw CassandraError.protocolViolation(
                "a \(type) value of \(bytes.readableBytes) bytes, expected \(MemoryLayout<Integer>.size)"
            )
        }
        return value
    }

    private static func textMap(_ bytes: inout ByteBuffer) throws -> [String: String] {
        let count = try bytes.readCQLInt("a map size")
        // Each entry takes at least two 4-byte lengths: a larger count cannot be honest, and must not size anything.
        guard count >= 0, Int(count) <= bytes.readableBytes / 8 else {
            throw CassandraError.protocolViolation("a map of \(count) entries in \(bytes.readableBytes) bytes")
        }
        var map: [String: String] = [:]
        for _ in 0..<count {
            guard let key = try bytes.readCQLNullableBytes("a map key"), let value = try bytes.readCQLNullableBytes("a map value") else {
                throw CassandraError.protocolViolation("a null map key or value")
            }
            map[String(decoding: key, as: UTF8.self)] = String(decoding: value, as: UTF8.self)
        }
        guard bytes.readableBytes == 0 else {
            throw CassandraError.protocolViolation("\(bytes.readableBytes) bytes after the map entries")
        }
        return map
    }
}
