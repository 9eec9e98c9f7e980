// libFuzzer harness for the own JSON parser and writer (built by scripts/fuzz.sh, not by SwiftPM).
//
// For every input:
//  1. JSONParser.parse never crashes or hangs.
//  2. When it parses, JSONWriter's output parses back to an equal value and writing that again gives the
//     same bytes; Foundation accepts the writer's output.
//  3. Differential against Foundation's JSONSerialization (fragments allowed): both accept or both reject,
//     and accepted documents hold the same values, except for the documented differences below.
//
// Documented differences (allowed, see BENCHMARKS.md "Fuzzing"):
//  - Foundation accepts a trailing comma before `]` or `}`; own rejects (RFC 8259 has none).
//  - Foundation detects UTF-16/UTF-32 by NUL bytes and skips a UTF-8 BOM; own reads UTF-8 only.
//  - Own nesting limit is 64 levels; Foundation's is 512.
//  - Foundation (swift-corelibs-foundation's JSONSerialization) drops a raw U+FEFF at the start of a string
//    or key; own keeps it, as RFC 8259 asks. Documents with a raw U+FEFF are compared on acceptance only.
//  - Foundation checks a number's range only when it keeps the value: `{"a":1e400,"a":2}` passes there.
//    Own rejects out-of-range numbers (beyond ±Double.greatestFiniteMagnitude) wherever they are.
//  - Numbers beyond UInt64: Foundation gives NSDecimalNumber, own a Double (compared with a tolerance).
//  - Duplicate keys: own keeps every member (lookups take the last); Foundation keeps the last. Foundation's
//    dictionary also merges keys that are canonically equivalent Unicode ("é" and "e\u{301}").
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    let own = try? JSONParser.parse(bytes)
    if let own {
        checkRoundTrip(own, input: bytes)
    }
    checkAgainstFoundation(own, input: bytes)
    return 0
}

func fail(_ what: String, _ input: [UInt8]) -> Never {
    fatalError("\(what); input \(String(decoding: input, as: UTF8.self).debugDescription)")
}

func checkRoundTrip(_ value: JSONValue, input: [UInt8]) {
    let written = JSONWriter.bytes(value)
    guard let again = try? JSONParser.parse(written) else {
        fail("the writer's output does not parse: \(String(decoding: written, as: UTF8.self))", input)
    }
    guard again == value else { fail("write → parse changed the value", input) }
    guard JSONWriter.bytes(again) == written else { fail("writing the re-parsed value gives other bytes", input) }
    guard (try? JSONSerialization.jsonObject(with: Data(written), options: [.fragmentsAllowed])) != nil else {
        fail("Foundation rejects the writer's output \(String(decoding: written, as: UTF8.self).debugDescription)", input)
    }
}

func checkAgainstFoundation(_ own: JSONValue?, input: [UInt8]) {
    // Foundation guesses UTF-16/32 from NUL bytes among the first four and skips BOMs: outside the comparison.
    if input.prefix(4).contains(0) || input.starts(with: [0xEF, 0xBB, 0xBF]) || input.starts(with: [0xFE, 0xFF])
        || input.starts(with: [0xFF, 0xFE])
    {
        return
    }
    if nestingDepth(input) > 64 { return }
    let foundation = try? JSONSerialization.jsonObject(with: Data(input), options: [.fragmentsAllowed])
    // Foundation drops a raw U+FEFF at the start of a string or key (an escaped \ufeff stays): such documents
    // are compared on acceptance only.
    let compareValues = !containsRawBOM(input)
    switch (own, foundation) {
    case (nil, nil): return
    case (let own?, let foundation?):
        guard !compareValues || matches(own, foundation) else { fail("own and Foundation read different values", input) }
    case (let own?, nil):
        fail("own accepts what Foundation rejects (own: \(JSONWriter.string(own)))", input)
    case (nil, let foundation?):
        // Foundation converts a number only when it keeps it: under a key that a later duplicate replaces,
        // an out-of-range number (1e400) passes. Own rejects it wherever it is.
        if ownError(input).hasPrefix("number out of range") { return }
        // Otherwise the one known case is a trailing comma: without them own must accept the same value.
        let stripped = removingTrailingCommas(input)
        guard stripped != input, let value = try? JSONParser.parse(stripped), !compareValues || matches(value, foundation) else {
            fail("Foundation accepts what own rejects (\(ownError(input)))", input)
        }
    }
}

func containsRawBOM(_ input: [UInt8]) -> Bool {
    input.indices.dropLast(2).contains { input[$0] == 0xEF && input[$0 + 1] == 0xBB && input[$0 + 2] == 0xBF }
}

func ownError(_ input: [UInt8]) -> String {
    do {
        _ = try JSONParser.parse(input)
        return "no error"
    } catch {
        return error.description
    }
}

/// The deepest nesting of arrays and objects, ignoring brackets inside strings.
func nestingDepth(_ input: [UInt8]) -> Int {
    var depth = 0
    var deepest = 0
    var inString = false
    var escaped = false
    for byte in input {
        if inString {
            if escaped {
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                inString = false
            }
            continue
        }
        switch byte {
        case UInt8(ascii: "\""): inString = true
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            depth += 1
            deepest = max(deepest, depth)
        case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
        default: break
        }
    }
    return deepest
}

/// The input without commas that are followed (after whitespace) by `]` or `}`, outside strings.
func removingTrailingCommas(_ input: [UInt8]) -> [UInt8] {
    var output: [UInt8] = []
    var inString = false
    var escaped = false
    for (index, byte) in input.enumerated() {
        if inString {
            if escaped {
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                inString = false
            }
        } else if byte == UInt8(ascii: "\"") {
            inString = true
        } else if byte == UInt8(ascii: ",") {
            let next = input[(index + 1)...].first { ![0x20, 0x0A, 0x0D, 0x09].contains($0) }
            if next == UInt8(ascii: "]") || next == UInt8(ascii: "}") { continue }
        }
        output.append(byte)
    }
    return output
}

func isBoolean(_ number: NSNumber) -> Bool {
    number.objCType.pointee == CChar(UInt8(ascii: "c"))
}

func matches(_ own: JSONValue, _ foundation: Any) -> Bool {
    switch own {
    case .null: return foundation is NSNull
    case .bool(let bool):
        guard let number = foundation as? NSNumber, isBoolean(number) else { return false }
        return number.boolValue == bool
    case .int(let int):
        guard let number = foundation as? NSNumber, !isBoolean(number) else { return false }
        return sameNumber(Double(int), exact: int, number)
    case .double(let double):
        guard let number = foundation as? NSNumber, !isBoolean(number) else { return false }
        return sameNumber(double, exact: nil, number)
    case .string(let string):
        guard let other = foundation as? String else { return false }
        return Array(string.utf8) == Array(other.utf8)
    case .array(let elements):
        guard let others = foundation as? [Any], others.count == elements.count else { return false }
        return zip(elements, others).allSatisfy { matches($0, $1) }
    case .object(let object):
        guard let others = foundation as? [String: Any] else { return false }
        // Last member wins, keys compared as Swift strings (canonical equivalence), as Foundation's dictionary does.
        var last: [String: JSONValue] = [:]
        for member in object.members { last[member.key] = member.value }
        guard last.count == others.count else { return false }
        return last.allSatisfy { key, value in others[key].map { matches(value, $0) } ?? false }
    }
}

func sameNumber(_ double: Double, exact: Int64?, _ number: NSNumber) -> Bool {
    if number is NSDecimalNumber {
        // Beyond UInt64 Foundation keeps a decimal; its doubleValue is not always the nearest double.
        let other = number.doubleValue
        return double == other || abs(double - other) <= abs(double) * 1e-14
    }
    switch UInt8(bitPattern: number.objCType.pointee) {
    case UInt8(ascii: "d"), UInt8(ascii: "f"): return number.doubleValue == double
    case UInt8(ascii: "Q"), UInt8(ascii: "L"), UInt8(ascii: "I"), UInt8(ascii: "S"), UInt8(ascii: "C"):
        if let exact { return exact >= 0 && UInt64(exact) == number.uint64Value }
        return Double(number.uint64Value) == double
    default:
        if let exact { return exact == number.int64Value }
        return Double(number.int64Value) == double
    }
}
