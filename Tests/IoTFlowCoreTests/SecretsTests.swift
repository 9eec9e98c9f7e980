import IoTFlowCore
import Testing

@Suite("Secrets")
struct SecretsTests {
    private static let urlSafe = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    @Test("API keys: at least 32 URL-safe characters, distinct across 1000 calls")
    func apiKeys() {
        let keys = (0..<1000).map { _ in Secrets.newAPIKey() }
        #expect(keys.allSatisfy { $0.count >= 32 && $0.allSatisfy(Self.urlSafe.contains) })
        #expect(Set(keys).count == 1000)
    }

    @Test("tokens: at least 32 URL-safe characters, distinct across 1000 calls")
    func tokens() {
        let tokens = (0..<1000).map { _ in Secrets.newToken() }
        #expect(tokens.allSatisfy { $0.count >= 32 && $0.allSatisfy(Self.urlSafe.contains) })
        #expect(Set(tokens).count == 1000)
    }

    @Test("public user ids: 32 lowercase hex characters, distinct")
    func publicUserIDs() {
        let ids = (0..<1000).map { _ in Secrets.newPublicUserID() }
        #expect(ids.allSatisfy { $0.utf8.count == 32 && $0.allSatisfy { "0123456789abcdef".contains($0) } })
        #expect(Set(ids).count == 1000)
    }

    @Test("SHA-256 test vectors (FIPS 180-2)")
    func sha256() {
        #expect(Secrets.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Secrets.sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            Secrets.sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        )
    }

    @Test("constant-time comparison")
    func constantTimeEquals() {
        #expect(Secrets.constantTimeEquals("abc", "abc"))
        #expect(Secrets.constantTimeEquals("", ""))
        #expect(!Secrets.constantTimeEquals("abc", "abd"))
        #expect(!Secrets.constantTimeEquals("abc", "abcd"))
        #expect(!Secrets.constantTimeEquals("abc", ""))
        #expect(!Secrets.constantTimeEquals("abc", "ABC"))
        let key = Secrets.newAPIKey()
        #expect(Secrets.constantTimeEquals(key, String(key)))
    }
}
