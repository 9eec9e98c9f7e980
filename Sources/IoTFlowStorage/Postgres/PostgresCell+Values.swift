import NIOCore
import PostgresNIO

/// Column values read straight from PostgreSQL's binary encoding, for the hot read paths (history pages, rollups,
/// latest values): `PostgresRow.decode` of a tuple runs generic code that is not specialised for our types and cost
/// about two thirds of a 10,000-row history page in the profile. Other encodings fall back to `decode`.
extension PostgresCell {
    /// An `int8` (or other integer) value; nil for SQL NULL.
    func int64() throws -> Int64? {
        guard let bytes = self.bytes else { return nil }
        if self.format == .binary, self.dataType == .int8, bytes.readableBytes == 8 {
            return bytes.getInteger(at: bytes.readerIndex, as: Int64.self)
        }
        return try self.decode(Int64.self)
    }

    /// A `float8` value; nil for SQL NULL.
    func double() throws -> Double? {
        guard let bytes = self.bytes else { return nil }
        if self.format == .binary, self.dataType == .float8, bytes.readableBytes == 8,
            let bits = bytes.getInteger(at: bytes.readerIndex, as: UInt64.self)
        {
            return Double(bitPattern: bits)
        }
        return try self.decode(Double.self)
    }

    /// A `text` value; nil for SQL NULL.
    func string() throws -> String? {
        guard let bytes = self.bytes else { return nil }
        if self.format == .binary, self.dataType == .text || self.dataType == .varchar {
            return bytes.getString(at: bytes.readerIndex, length: bytes.readableBytes)
        }
        return try self.decode(String.self)
    }

    /// A `bool` value; nil for SQL NULL.
    func bool() throws -> Bool? {
        guard let bytes = self.bytes else { return nil }
        if self.format == .binary, self.dataType == .bool, bytes.readableBytes == 1,
            let byte = bytes.getInteger(at: bytes.readerIndex, as: UInt8.self)
        {
            return byte != 0
        }
        return try self.decode(Bool.self)
    }
}
