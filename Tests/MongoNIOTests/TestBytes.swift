import NIOCore

@testable import MongoNIO

extension Sequence<UInt8> {
    /// Lowercase hex, two digits a byte.
    var hexString: String {
        self.map { byte in
            let digits = String(byte, radix: 16)
            return byte < 16 ? "0" + digits : digits
        }.joined()
    }
}

extension ByteBuffer {
    /// A buffer of the bytes that `hex` spells; spaces are ignored so golden bytes can be grouped. Traps on a typo.
    init(hex: String) {
        let digits = Array(hex.utf8.filter { $0 != UInt8(ascii: " ") })
        precondition(digits.count.isMultiple(of: 2), "odd number of hex digits in \(hex)")
        var bytes: [UInt8] = []
        var index = 0
        while index < digits.count {
            bytes.append(UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16)!)
            index += 2
        }
        self.init(bytes: bytes)
    }

    var hexString: String {
        self.readableBytesView.hexString
    }
}

extension BSONDocument {
    /// The encoding as hex; the test fails on an encoding error.
    func encodedHex() throws -> String {
        try self.encoded().hexString
    }
}
