import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A 12-byte MongoDB ObjectId (BSON type 0x07): 4 bytes of creation time, 5 bytes random per process, and a 3-byte
/// counter, all big-endian.
public struct BSONObjectID: Sendable, Hashable, CustomStringConvertible {
    // Two integers rather than an array: the id stays inline, and hashing and comparing are cheap.
    private var high: UInt64
    private var low: UInt32

    /// Creates a new id with the current time.
    public init() {
        self.init(timestamp: UInt32(truncatingIfNeeded: Int64(Date().timeIntervalSince1970)))
    }

    /// Creates a new id with the given creation time, this process's random value and the next counter value.
    public init(timestamp: UInt32) {
        // The counter wraps at 2^24: only its low three bytes go into the id.
        let counter = Self.counter.add(1, ordering: .relaxed).newValue & 0xFF_FFFF
        let random = Self.processRandom
        self.high = UInt64(timestamp) << 32 | (random >> 8)
        self.low = UInt32(truncatingIfNeeded: random & 0xFF) << 24 | counter
    }

    /// Creates an id from its 12 bytes; traps on any other count.
    public init(bytes: [UInt8]) {
        precondition(bytes.count == 12, "an ObjectId has 12 bytes, not \(bytes.count)")
        var high: UInt64 = 0
        for byte in bytes[0..<8] {
            high = high << 8 | UInt64(byte)
        }
        var low: UInt32 = 0
        for byte in bytes[8..<12] {
            low = low << 8 | UInt32(byte)
        }
        self.high = high
        self.low = low
    }

    /// Parses the 24 hex digits of an id, in either case; `nil` for anything else.
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == 24 else {
            return nil
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(12)
        var index = 0
        while index < 24 {
            guard let high = Self.hexValue(digits[index]), let low = Self.hexValue(digits[index + 1]) else {
                return nil
            }
            bytes.append(high << 4 | low)
            index += 2
        }
        self.init(bytes: bytes)
    }

    /// The 12 bytes, as they appear on the wire.
    public var bytes: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(12)
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: self.high >> UInt64(shift)))
        }
        for shift in stride(from: 24, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: self.low >> UInt32(shift)))
        }
        return bytes
    }

    /// The 24 lowercase hex digits.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(24)
        for byte in self.bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The creation time, in seconds since the Unix epoch.
    public var timestamp: UInt32 {
        UInt32(truncatingIfNeeded: self.high >> 32)
    }

    /// The hex digits, as MongoDB's shell shows an id inside `ObjectId(...)`.
    public var description: String {
        self.hex
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Five random bytes (in the low 40 bits) chosen once per process, so ids from two processes created in the same
    /// second differ.
    private static let processRandom = UInt64.random(in: 0..<(1 << 40))

    /// Starts at a random value, as the ObjectId spec asks, so restarts do not reuse the same sequence.
    private static let counter = Atomic<UInt32>(UInt32.random(in: 0..<(1 << 24)))
}
