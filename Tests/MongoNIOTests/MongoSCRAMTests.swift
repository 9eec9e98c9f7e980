import Foundation
import Testing

@testable import MongoNIO

@Suite("SCRAM-SHA-256")
struct MongoSCRAMTests {
    // RFC 7677 section 3, which MongoDB's auth spec repeats for SCRAM-SHA-256.
    static let clientNonce = "rOprNGfwEbeRWgbNEkqO"
    static let serverFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
    static let clientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
    static let serverFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

    private func rfcConversation() -> MongoSCRAM {
        MongoSCRAM(username: "user", password: "pencil", clientNonce: Self.clientNonce)
    }

    @Test func reproducesRFC7677() throws {
        var scram = self.rfcConversation()
        #expect(scram.clientFirstMessage == Array("n,,n=user,r=rOprNGfwEbeRWgbNEkqO".utf8))
        let final = try scram.clientFinalMessage(serverFirst: Array(Self.serverFirst.utf8))
        #expect(String(decoding: final, as: UTF8.self) == Self.clientFinal)
        try scram.verify(serverFinal: Array(Self.serverFinal.utf8))
    }

    @Test func theTextOverloadsMatchTheByteOnes() throws {
        var scram = self.rfcConversation()
        #expect(try scram.clientFinalMessage(serverFirst: Self.serverFirst) == Self.clientFinal)
        try scram.verify(serverFinal: Self.serverFinal)
    }

    @Test func aWrongServerSignatureIsRejected() throws {
        var scram = self.rfcConversation()
        _ = try scram.clientFinalMessage(serverFirst: Self.serverFirst)
        for final in ["v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", "v=AAAA", "v="] {
            let error = try #require(throws: MongoSCRAMError.self) { try scram.verify(serverFinal: final) }
            #expect(error.code == .serverSignatureMismatch, "\(final)")
        }
        // The right signature for another password.
        var other = MongoSCRAM(username: "user", password: "pencil2", clientNonce: Self.clientNonce)
        _ = try other.clientFinalMessage(serverFirst: Self.serverFirst)
        #expect(throws: MongoSCRAMError.self) { try other.verify(serverFinal: Self.serverFinal) }
    }

    @Test func aServerErrorCarriesItsText() throws {
        var scram = self.rfcConversation()
        _ = try scram.clientFinalMessage(serverFirst: Self.serverFirst)
        let error = try #require(throws: MongoSCRAMError.self) { try scram.verify(serverFinal: "e=invalid-proof") }
        #expect(error.code == .serverError)
        #expect(error.description == "MongoSCRAMError(serverError): the server refused: invalid-proof")
    }

    @Test func aNonceThatDoesNotExtendTheClientsIsRejected() throws {
        for nonce in ["XOprNGfwEbeRWgbNEkqO%hvYDpWUa2", "rOprNGfwEbeRWgbNEkq", "rOprNGfwEbeRWgbNEkqO", "%hvYDpWUa2RaTCAfuxFIlj"] {
            var scram = self.rfcConversation()
            let error = try #require(throws: MongoSCRAMError.self) {
                try scram.clientFinalMessage(serverFirst: "r=\(nonce),s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
            }
            #expect(error.code == .nonceMismatch, "\(nonce)")
        }
    }

    @Test func fewerThan4096IterationsAreRejected() throws {
        var scram = self.rfcConversation()
        let error = try #require(throws: MongoSCRAMError.self) {
            try scram.clientFinalMessage(serverFirst: "r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4095")
        }
        #expect(error.code == .iterationCountTooLow)
        #expect(error.message == "the server asks for 4095 iterations, fewer than the minimum of 4096")
    }

    @Test func malformedServerFirstMessagesAreRejected() throws {
        let firsts = [
            "", "r=rOprNGfwEbeRWgbNEkqOabc,i=4096", "r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==",
            "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", "r=rOprNGfwEbeRWgbNEkqOabc,s=not base64!,i=4096",
            "r=rOprNGfwEbeRWgbNEkqOabc,s=,i=4096", "r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=lots",
            "r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=-4096",
            "m=ext,r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
            "r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,nokey",
            "r=rOprNGfwEbeRWgbNEkqOa c,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
        ]
        for first in firsts {
            var scram = self.rfcConversation()
            let error = try #require(throws: MongoSCRAMError.self, "\(first)") { try scram.clientFinalMessage(serverFirst: first) }
            #expect(error.code == .invalidServerMessage, "\(first): \(error)")
        }
        var scram = self.rfcConversation()
        let error = try #require(throws: MongoSCRAMError.self) { try scram.clientFinalMessage(serverFirst: [0x72, 0x3D, 0xFF]) }
        #expect(error.code == .invalidServerMessage)
    }

    @Test func verifyingBeforeTheFinalMessageIsAnError() throws {
        let scram = self.rfcConversation()
        let error = try #require(throws: MongoSCRAMError.self) { try scram.verify(serverFinal: Self.serverFinal) }
        #expect(error.code == .outOfOrder)
    }

    @Test func theUserNameIsEscapedButNotPrepared() {
        let scram = MongoSCRAM(username: "a=b,c\u{00AD}", password: "p", clientNonce: "n")
        #expect(String(decoding: scram.clientFirstMessage, as: UTF8.self) == "n,,n=a=3Db=2Cc\u{00AD},r=n")
    }

    @Test func aPasswordSASLprepRefusesIsAnError() throws {
        var scram = MongoSCRAM(username: "user", password: "bell\u{7}", clientNonce: Self.clientNonce)
        let error = try #require(throws: MongoSCRAMError.self) { try scram.clientFinalMessage(serverFirst: Self.serverFirst) }
        #expect(error.code == .invalidPassword)
        #expect(!error.description.contains("bell"))
    }

    @Test func randomNoncesAreBase64WithoutCommasAndDiffer() {
        let nonces = (0..<100).map { _ in MongoSCRAM.makeNonce() }
        #expect(Set(nonces).count == 100)
        #expect(nonces.allSatisfy { $0.count == 32 && !$0.contains(",") && Data(base64Encoded: $0)?.count == 24 })
        #expect(MongoSCRAM(username: "u", password: "p").clientFirstMessage.count == "n,,n=u,r=".utf8.count + 32)
    }

    @Test func conversationsMatchPythonsHashlibAndPymongosSASLprep() async throws {
        let cases: [(username: String, password: String, clientNonce: String, serverNonce: String, salt: String, iterations: Int)] = [
            ("user", "pencil", "rOprNGfwEbeRWgbNEkqO", "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", "W22ZaJ0SNY7soEsUEjb6gQ==", 4096),
            ("admin", "s3cr3t with spaces", "abc", "def", "c2FsdA==", 15000),
            ("we=ird,name", "\u{2168}\u{00A0}ﬁ\u{00AD}", "Zz9+/", "x", "AAECAwQFBgcICQ==", 4096),
            ("ユーザー", "パスワード😀", "n0nce", "server", "q83vEjRWeJA=", 5000),
            ("u", "", "a", "b", "AQ==", 4096),
        ]
        let requests = try cases.map { testCase in
            let object: [String: Any] = [
                "username": testCase.username, "password": testCase.password, "clientNonce": testCase.clientNonce,
                "serverNonce": testCase.serverNonce, "salt": testCase.salt, "iterations": testCase.iterations,
            ]
            return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        }
        let answers = try await PythonOracle.scram(requests)
        for (testCase, answer) in zip(cases, answers) {
            try #require(!answer.hasPrefix("error"), "the oracle refused \(testCase): \(answer)")
            let expected = try #require(
                try JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: String],
                "the oracle answered \(answer)"
            )
            var scram = MongoSCRAM(username: testCase.username, password: testCase.password, clientNonce: testCase.clientNonce)
            #expect(String(decoding: scram.clientFirstMessage, as: UTF8.self) == expected["clientFirst"])
            let serverFirst = try #require(expected["serverFirst"])
            #expect(try scram.clientFinalMessage(serverFirst: serverFirst) == expected["clientFinal"], "\(testCase.username)")
            #expect(throws: Never.self) { try scram.verify(serverFinal: expected["serverFinal"] ?? "") }
        }
    }
}
