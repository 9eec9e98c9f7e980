/// A BSON decimal128 (type 0x13), kept as its raw IEEE 754-2008 bits in the binary integer decimal (BID) encoding.
///
/// The driver does no decimal arithmetic: it carries the value between the server and the caller, and prints it with
/// the BSON spec's to-string algorithm.
public struct BSONDecimal128: Sendable, Hashable, CustomStringConvertible {
    /// The low 64 bits: the low part of the coefficient.
    public var low: UInt64
    /// The high 64 bits: sign, combination field, exponent and the high part of the coefficient.
    public var high: UInt64

    /// Creates a value from its raw bits.
    public init(low: UInt64, high: UInt64) {
        self.low = low
        self.high = high
    }

    private static let exponentBias = 6176
    private static let maxCoefficient: UInt128 = 9_999_999_999_999_999_999_999_999_999_999_999

    /// The value as the BSON decimal128 spec prints it: `1.5`, `-0`, `1.0E+10`, `NaN`, `-Infinity`.
    public var description: String {
        let negative = self.high >> 63 == 1
        let combination = (self.high >> 58) & 0x1F
        if combination == 0x1F {
            return "NaN"
        }
        if combination == 0x1E {
            return negative ? "-Infinity" : "Infinity"
        }
        let biasedExponent: UInt64
        var coefficient: UInt128
        if (self.high >> 61) & 0x3 == 0x3 {
            // The form with an implicit 0b100 prefix always exceeds the largest coefficient, so the spec reads it as 0.
            biasedExponent = (self.high >> 47) & 0x3FFF
            coefficient = 0
        } else {
            biasedExponent = (self.high >> 49) & 0x3FFF
            coefficient = UInt128(self.high & 0x1_FFFF_FFFF_FFFF) << 64 | UInt128(self.low)
            if coefficient > Self.maxCoefficient {
                coefficient = 0
            }
        }
        let exponent = Int(biasedExponent) - Self.exponentBias
        let digits = Array(String(coefficient).utf8)
        let adjustedExponent = exponent + digits.count - 1
        var text: [UInt8] = negative ? [UInt8(ascii: "-")] : []
        if exponent <= 0 && adjustedExponent >= -6 {
            if exponent == 0 {
                text += digits
            } else {
                let integerDigits = digits.count + exponent
                if integerDigits > 0 {
                    text += digits[..<integerDigits]
                    text.append(UInt8(ascii: "."))
                    text += digits[integerDigits...]
                } else {
                    text += Array("0.".utf8)
                    text += [UInt8](repeating: UInt8(ascii: "0"), count: -integerDigits)
                    text += digits
                }
            }
        } else {
            text.append(digits[0])
            if digits.count > 1 {
                text.append(UInt8(ascii: "."))
                text += digits[1...]
            }
            text += Array("E\(adjustedExponent >= 0 ? "+" : "")\(adjustedExponent)".utf8)
        }
        return String(decoding: text, as: UTF8.self)
    }
}
