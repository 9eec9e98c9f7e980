import Foundation
import IoTFlowCore
import NIOCore

/// One timed operation of `iotflow bench json`: a variant of a case, checked against the others before it is timed.
struct CodecCase {
    /// The case (`ingest-100`, `history-10000`, `iso-parse-seconds`, …; what `--only` selects).
    let name: String
    /// `own`, `codable`, `serialization`, `own-direct`, `format-style`, …
    let variant: String
    /// What one operation does.
    let summary: String
    /// Points, entries or timestamps per operation.
    let items: Int
    /// Whether the variant agrees with the own code's result (filled in before timing).
    var check: String
    /// Bytes one operation produces (encoders).
    var outputBytes: Int?
    /// The operation; returns a number derived from its result.
    let operation: () throws -> Int
}

extension CodecCase {
    /// Every case in run order, with its variants checked against each other.
    static func all() throws -> [CodecCase] {
        var cases: [CodecCase] = []
        cases += try Self.ingestCases()
        cases += try Self.historyCases()
        cases += try Self.smallBodyCases()
        cases += Self.iso8601Cases()
        return cases
    }

    private static func buffer(_ text: String) -> ByteBuffer {
        ByteBuffer(string: text)
    }

    private static func ingestCases() throws -> [CodecCase] {
        let now = CodecFixtures.now
        let decoder = JSONDecoder()
        let encoder = JSONEncoder()
        for text in CodecFixtures.equivalenceBodies {
            let body = Self.buffer(text)
            try CodecEquivalence.require(
                "ingest of \(text)",
                [
                    ("own", CodecEquivalence.canonical(try IngestDecoding.own(body, now: now))),
                    ("codable", CodecEquivalence.canonical(try IngestDecoding.codable(body, now: now, decoder: decoder, encoder: encoder))),
                    ("serialization", CodecEquivalence.canonical(try IngestDecoding.serialization(body, now: now))),
                ])
        }
        var cases: [CodecCase] = []
        for count in [1, 100, 1000] {
            let text = count == 1 ? CodecFixtures.singleBody : CodecFixtures.batchBody(points: count)
            let body = Self.buffer(text)
            let reference = CodecEquivalence.canonical(try IngestDecoding.own(body, now: now))
            try CodecEquivalence.require(
                "ingest-\(count)",
                [
                    ("own", reference),
                    ("codable", CodecEquivalence.canonical(try IngestDecoding.codable(body, now: now, decoder: decoder, encoder: encoder))),
                    ("serialization", CodecEquivalence.canonical(try IngestDecoding.serialization(body, now: now))),
                ])
            guard reference.count == count else { throw BenchError("ingest-\(count): \(reference.count) points decoded") }
            let what = count == 1 ? "the single-point body" : "a \(count)-point batch"
            let check = count == 1 ? "same point (\(text.utf8.count) bytes)" : "same \(count) points (\(text.utf8.count) bytes)"
            cases += [
                CodecCase(
                    name: "ingest-\(count)", variant: "own", summary: "\(what) → JSONParser → JSONValue → TelemetryPayload.parse", items: count,
                    check: check, operation: { try IngestDecoding.own(body, now: now).count }),
                CodecCase(
                    name: "ingest-\(count)", variant: "codable", summary: "\(what) → JSONDecoder → TelemetryRequestBody → same rules", items: count,
                    check: check, operation: { try IngestDecoding.codable(body, now: now, decoder: decoder, encoder: encoder).count }),
                CodecCase(
                    name: "ingest-\(count)", variant: "serialization", summary: "\(what) → JSONSerialization → [String: Any] → same rules",
                    items: count, check: check, operation: { try IngestDecoding.serialization(body, now: now).count }),
            ]
        }
        return cases
    }

    private static func historyCases() throws -> [CodecCase] {
        var cases: [CodecCase] = []
        let encoder = JSONEncoder()
        let sortedEncoder = JSONEncoder()
        sortedEncoder.outputFormatting = [.sortedKeys]
        for count in [1000, 10_000] {
            let history = HistoryEncoding(entries: CodecFixtures.historyEntries(count))
            let tree = history.ownTree()
            let direct = history.ownDirect()
            let codable = [UInt8](try history.codable(encoder))
            let sorted = [UInt8](try history.codable(sortedEncoder))
            // The own variants must write the same bytes; the encoder the same document (member order and
            // escaping aside).
            guard direct == tree else { throw BenchError("history-\(count): own-direct writes other bytes than own") }
            try CodecEquivalence.require(
                "history-\(count)",
                [
                    ("own", CodecEquivalence.canonicalJSON(tree)), ("codable", CodecEquivalence.canonicalJSON(codable)),
                    ("codable-sorted", CodecEquivalence.canonicalJSON(sorted)),
                ])
            let what = "\(count) entries × 3 keys"
            cases += [
                CodecCase(
                    name: "history-\(count)", variant: "own", summary: "\(what): JSONValue tree → JSONWriter (the server before)", items: count,
                    check: "reference", outputBytes: tree.count, operation: { history.ownTree().count }),
                CodecCase(
                    name: "history-\(count)", variant: "own-direct", summary: "\(what): JSONWriter fed from the rows, no tree (HistoryResponse now)",
                    items: count,
                    check: "same bytes as own", outputBytes: direct.count, operation: { history.ownDirect().count }),
                CodecCase(
                    name: "history-\(count)", variant: "codable", summary: "\(what): Codable structs → JSONEncoder()", items: count,
                    check: "same document, members in hash order", outputBytes: codable.count, operation: { try history.codable(encoder).count }),
                CodecCase(
                    name: "history-\(count)", variant: "codable-sorted", summary: "\(what): Codable structs → JSONEncoder(.sortedKeys)",
                    items: count, check: "same document, members sorted", outputBytes: sorted.count,
                    operation: { try history.codable(sortedEncoder).count }),
            ]
        }
        return cases
    }

    private static func smallBodyCases() throws -> [CodecCase] {
        let decoder = JSONDecoder()
        let encoder = JSONEncoder()
        let login = Self.buffer(CodecFixtures.loginBody)
        try CodecEquivalence.require(
            "login", [("own", try SmallBodies.ownLogin(login)), ("codable", try SmallBodies.codableLogin(login, decoder: decoder))])
        let user = CodecFixtures.user
        let token = CodecFixtures.token
        let own = SmallBodies.ownRegister(user: user, token: token)
        let codable = [UInt8](try SmallBodies.codableRegister(user: user, token: token, encoder: encoder))
        try CodecEquivalence.require(
            "register", [("own", CodecEquivalence.canonicalJSON(own)), ("codable", CodecEquivalence.canonicalJSON(codable))])
        return [
            CodecCase(
                name: "login", variant: "own", summary: "login body → JSONParser, fields read by hand (the server before)", items: 1,
                check: "same credentials",
                operation: { try SmallBodies.ownLogin(login).password.utf8.count }),
            CodecCase(
                name: "login", variant: "codable", summary: "login body → JSONDecoder → LoginRequestBody", items: 1, check: "same credentials",
                operation: { try SmallBodies.codableLogin(login, decoder: decoder).password.utf8.count }),
            CodecCase(
                name: "register", variant: "own", summary: "register answer: JSONValue tree → JSONWriter", items: 1, check: "reference",
                outputBytes: own.count, operation: { SmallBodies.ownRegister(user: user, token: token).count }),
            CodecCase(
                name: "register", variant: "codable", summary: "register answer: Codable structs → JSONEncoder()", items: 1,
                check: "same document", outputBytes: codable.count,
                operation: { try SmallBodies.codableRegister(user: user, token: token, encoder: encoder).count }),
        ]
    }

    private static func iso8601Cases() -> [CodecCase] {
        let timestamps = CodecFixtures.timestamps
        let count = timestamps.count
        let style = ISO8601Variants.formatStyle
        let withFraction = ISO8601Variants.formatter(fractionalSeconds: true)
        let withoutFraction = ISO8601Variants.formatter(fractionalSeconds: false)
        let dates = timestamps.map(ISO8601Variants.date)
        let ownText = timestamps.map { ISO8601.format(milliseconds: $0) }
        var cases = [
            CodecCase(
                name: "iso-format", variant: "own", summary: "format \(count) epoch-ms timestamps as 2026-11-29T10:15:30.123Z", items: count,
                check: "reference", operation: { timestamps.reduce(0) { $0 &+ ISO8601.format(milliseconds: $1).utf8.count } }),
            CodecCase(
                name: "iso-format", variant: "format-style", summary: "Date.ISO8601FormatStyle(includingFractionalSeconds: true).format",
                items: count, check: ISO8601Variants.agreement(dates.map { style.format($0) }, ownText),
                operation: { dates.reduce(0) { $0 &+ style.format($1).utf8.count } }),
            CodecCase(
                name: "iso-format", variant: "date-formatter", summary: "ISO8601DateFormatter [.withInternetDateTime, .withFractionalSeconds]",
                items: count, check: ISO8601Variants.agreement(dates.map { withFraction.string(from: $0) }, ownText),
                operation: { dates.reduce(0) { $0 &+ withFraction.string(from: $1).utf8.count } }),
        ]
        for form in ISO8601Variants.Form.allCases {
            let texts = timestamps.enumerated().map { form.text($0.element, index: $0.offset) }
            let expected = timestamps.map { form.expected($0) }
            let formatter = form == .seconds ? withoutFraction : withFraction
            let example = texts[0]
            cases += [
                CodecCase(
                    name: "iso-parse-\(form.rawValue)", variant: "own", summary: "parse \(count) timestamps like \(example) to epoch ms",
                    items: count, check: ISO8601Variants.agreement(texts.map { ISO8601.parse($0) ?? .min }, expected),
                    operation: { texts.reduce(0) { $0 &+ Int(truncatingIfNeeded: ISO8601.parse($1) ?? 0) } }),
                CodecCase(
                    name: "iso-parse-\(form.rawValue)", variant: "format-style",
                    summary: "Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse",
                    items: count,
                    check: ISO8601Variants.agreement(texts.map { (try? style.parse($0)).map(ISO8601Variants.milliseconds) ?? .min }, expected),
                    operation: {
                        try texts.reduce(0) { $0 &+ Int(truncatingIfNeeded: ISO8601Variants.milliseconds(try style.parse($1))) }
                    }),
                CodecCase(
                    name: "iso-parse-\(form.rawValue)", variant: "date-formatter",
                    summary:
                        "ISO8601DateFormatter \(form == .seconds ? "[.withInternetDateTime]" : "[.withInternetDateTime, .withFractionalSeconds]")",
                    items: count,
                    check: ISO8601Variants.agreement(texts.map { formatter.date(from: $0).map(ISO8601Variants.milliseconds) ?? .min }, expected),
                    operation: {
                        texts.reduce(0) { $0 &+ Int(truncatingIfNeeded: formatter.date(from: $1).map(ISO8601Variants.milliseconds) ?? 0) }
                    }),
            ]
        }
        return cases
    }
}
