import Foundation
import Testing

@testable import MongoNIO

@Suite("SASLprep")
struct SASLprepTests {
    /// A one-scalar string; Swift refuses non-characters such as U+FDD0 in literals.
    private static func scalar(_ value: UInt32) -> String {
        String(Character(Unicode.Scalar(value)!))
    }

    private func prepared(_ text: String) -> String? {
        try? SASLprep.prepare(text).get()
    }

    @Test func rfc4013Examples() {
        // RFC 4013 section 3.
        #expect(self.prepared("I\u{00AD}X") == "IX")
        #expect(self.prepared("user") == "user")
        #expect(self.prepared("USER") == "USER")
        #expect(self.prepared("\u{00AA}") == "a")
        #expect(self.prepared("\u{2168}") == "IX")
        #expect(self.prepared("\u{0007}") == nil)
        #expect(self.prepared("\u{0627}\u{0031}") == nil)
    }

    @Test func mapsSpacesAndNothingsAndNormalizes() {
        #expect(self.prepared("a\u{00A0}b\u{3000}c") == "a b c")
        #expect(self.prepared("a\u{200B}b\u{FEFF}c\u{FE0F}") == "abc")
        #expect(self.prepared("e\u{0301}") == "\u{00E9}")
        #expect(self.prepared("ﬁ") == "fi")
        #expect(self.prepared("") == "")
    }

    @Test func refusesProhibitedCharactersAndSaysWhich() throws {
        let error = try #require(throws: SASLprepError.self) { try SASLprep.prepare("pass\u{E000}").get() }
        #expect(error.message == "U+E000 is prohibited (RFC 3454 table C.3)")
        for text in [
            "\u{7F}", "\u{85}", "\u{2028}", "\u{FFFD}", "\u{2FF0}", "\u{202E}", "\u{E0001}", Self.scalar(0xFDD0), Self.scalar(0x1FFFE), "\u{10FFFD}",
        ] {
            #expect(self.prepared(text) == nil, "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }

    @Test func appliesTheBidiRule() {
        #expect(self.prepared("\u{0627}\u{0628}") == "\u{0627}\u{0628}")
        #expect(self.prepared("\u{05D0}\u{05B0}\u{05D1}") == "\u{05D0}\u{05B0}\u{05D1}")
        #expect(self.prepared("\u{0627}\u{0660}\u{0628}") == "\u{0627}\u{0660}\u{0628}")
        #expect(self.prepared("a\u{0627}") == nil)
        #expect(self.prepared("\u{0627}a\u{0628}") == nil)
        #expect(self.prepared("1\u{0627}") == nil)
    }

    @Test func agreesWithPymongosSASLprep() async throws {
        let inputs = [
            "pencil", "I\u{00AD}X", "\u{00AA}", "\u{2168}", "\u{0007}", "\u{0627}\u{0031}", "\u{0627}\u{0628}", "a\u{0627}", "\u{200B} x",
            "\u{00A0}x", "\u{E000}", "\u{05D0}\u{05B0}\u{05D1}", "abc\u{0660}", "\u{0627}\u{0660}\u{0628}", "\u{E0001}", "\u{2FF0}",
            "\u{FFF9}", "パスワード", "😀", "Straße", "ǅungla", "e\u{0301}", "\u{1D173}", Self.scalar(0xFDD0), "x\u{200E}", "\u{0340}",
            "\u{3000}全角\u{3000}", "Ｆｕｌｌ", "①②", "\u{0661}\u{0662}", "\u{05BE}", "\u{FB1D}\u{FB1F}", "",
        ]
        let encoded = try inputs.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: .fragmentsAllowed), as: UTF8.self) }
        let answers = try await PythonOracle.saslprep(encoded)
        for (input, answer) in zip(inputs, answers) {
            let scalars = input.unicodeScalars.map { String($0.value, radix: 16) }
            if answer.hasPrefix("error: ") {
                #expect(self.prepared(input) == nil, "pymongo refused \(scalars) (\(answer)), MongoNIO did not")
            } else {
                let expected = try JSONSerialization.jsonObject(with: Data(answer.utf8), options: .fragmentsAllowed) as? String
                #expect(self.prepared(input) == expected, "\(scalars)")
            }
        }
    }
}
