import Foundation

/// SASLprep (RFC 4013), the string preparation SCRAM applies to passwords, so that the same password typed with
/// different Unicode forms (a no-break space, a ligature, a decomposed accent) derives the same key as the server's.
///
/// Implemented: mapping (RFC 3454 table B.1 to nothing, C.1.2 non-ASCII spaces to U+0020), NFKC normalisation,
/// every prohibited table of RFC 4013 section 2.3 (C.1.2, C.2.1, C.2.2, C.3, C.4, C.5, C.6, C.7, C.8, C.9), and the
/// bidirectional rule of RFC 3454 section 6. Not implemented: the check for code points unassigned in Unicode 3.2
/// (RFC 3454 table A.1), which only the stored-strings profile requires; a client prepares queries, where unassigned
/// code points are allowed. The bidirectional rule classifies characters by script block and general category (letters
/// of the Hebrew, Arabic, Syriac, Thaana, N'Ko and later right-to-left blocks as RandALCat, other letters and spacing
/// marks as LCat) rather than by RFC 3454's tables D.1 and D.2, which it matches for the characters people type.
enum SASLprep {
    /// The prepared string, or a description of the prohibited character or bidi violation that stops it.
    static func prepare(_ string: String) -> Result<String, SASLprepError> {
        var mapped = String.UnicodeScalarView()
        for scalar in string.unicodeScalars {
            if Self.isMappedToNothing(scalar) {
                continue
            }
            mapped.append(Self.isNonASCIISpace(scalar) ? " " : scalar)
        }
        let normalized = String(mapped).precomposedStringWithCompatibilityMapping
        var hasRandAL = false
        var hasL = false
        for scalar in normalized.unicodeScalars {
            if let table = Self.prohibitingTable(scalar) {
                return .failure(SASLprepError(message: "U+\(Self.hex(scalar)) is prohibited (RFC 3454 table \(table))"))
            }
            if Self.isRandAL(scalar) {
                hasRandAL = true
            } else if Self.isL(scalar) {
                hasL = true
            }
        }
        if hasRandAL {
            guard !hasL else {
                return .failure(SASLprepError(message: "mixes right-to-left and left-to-right characters (RFC 3454 section 6)"))
            }
            guard let first = normalized.unicodeScalars.first, let last = normalized.unicodeScalars.last, Self.isRandAL(first),
                Self.isRandAL(last)
            else {
                return .failure(
                    SASLprepError(message: "right-to-left text must start and end with a right-to-left character (RFC 3454 section 6)")
                )
            }
        }
        return .success(normalized)
    }

    private static func hex(_ scalar: Unicode.Scalar) -> String {
        let digits = String(scalar.value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// RFC 3454 table B.1: characters commonly mapped to nothing.
    private static func isMappedToNothing(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00AD, 0x034F, 0x1806, 0x180B...0x180D, 0x200B...0x200D, 0x2060, 0xFE00...0xFE0F, 0xFEFF: return true
        default: return false
        }
    }

    /// RFC 3454 table C.1.2: non-ASCII space characters.
    private static func isNonASCIISpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00A0, 0x1680, 0x2000...0x200B, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    /// The RFC 3454 table that prohibits the character, if one does.
    private static func prohibitingTable(_ scalar: Unicode.Scalar) -> String? {
        let value = scalar.value
        if Self.isNonASCIISpace(scalar) {
            return "C.1.2"
        }
        switch value {
        case 0x0000...0x001F, 0x007F:
            return "C.2.1"
        case 0x0080...0x009F, 0x06DD, 0x070F, 0x180E, 0x200C, 0x200D, 0x2028, 0x2029, 0x2060...0x2063, 0xFEFF, 0xFFF9...0xFFFC,
            0x1D173...0x1D17A:
            return "C.2.2"
        case 0xE000...0xF8FF, 0xF0000...0xFFFFD, 0x100000...0x10FFFD:
            return "C.3"
        case 0xFDD0...0xFDEF:
            return "C.4"
        case 0xD800...0xDFFF:
            return "C.5"
        case 0xFFFD:
            return "C.6"
        case 0x2FF0...0x2FFB:
            return "C.7"
        case 0x0340, 0x0341, 0x200E, 0x200F, 0x202A...0x202E, 0x206A...0x206F:
            return "C.8"
        case 0xE0001, 0xE0020...0xE007F:
            return "C.9"
        default:
            // C.4: the last two code points of every plane are non-characters.
            return value & 0xFFFE == 0xFFFE ? "C.4" : nil
        }
    }

    /// Whether the character sits in a right-to-left block: Hebrew through the Arabic extensions, the Hebrew and Arabic
    /// presentation forms, and the right-to-left ranges of the supplementary planes.
    private static func isInRightToLeftBlock(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0590...0x08FF, 0xFB1D...0xFDFF, 0xFE70...0xFEFF, 0x10800...0x10FFF, 0x1E800...0x1EFFF: return true
        default: return false
        }
    }

    /// RandALCat, approximated: a right-to-left block's letters, punctuation and symbols; not its combining marks or
    /// digits, which have other bidirectional classes.
    private static func isRandAL(_ scalar: Unicode.Scalar) -> Bool {
        guard Self.isInRightToLeftBlock(scalar) else {
            return false
        }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .spacingMark, .decimalNumber, .format, .unassigned, .control:
            return false
        default:
            return true
        }
    }

    /// LCat, approximated: letters and spacing marks outside the right-to-left blocks.
    private static func isL(_ scalar: Unicode.Scalar) -> Bool {
        guard !Self.isInRightToLeftBlock(scalar) else {
            return false
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .spacingMark, .letterNumber:
            return true
        default:
            return false
        }
    }
}

/// Why SASLprep refused a string.
struct SASLprepError: Error, Equatable {
    let message: String
}
