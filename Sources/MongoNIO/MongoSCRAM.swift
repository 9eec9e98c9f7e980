import Crypto
import Foundation
import _CryptoExtras

/// The client side of a SCRAM-SHA-256 conversation (RFC 5802, RFC 7677) as MongoDB runs it: the user name is sent
/// as given (only `=` and `,` escaped, never SASLprepped), the password is SASLprepped and used directly (not the MD5
/// digest of SCRAM-SHA-1), no channel binding (`n,,`), and at least 4096 iterations.
///
/// A value: `clientFirstMessage`, then `clientFinalMessage(serverFirst:)` with the server's answer to it, then
/// `verify(serverFinal:)` with the server's last message, which proves the server knows the password too.
public struct MongoSCRAM: Sendable {
    /// The SASL mechanism name to send in `saslStart`.
    public static let mechanism = "SCRAM-SHA-256"
    /// The fewest iterations accepted; MongoDB's auth spec makes fewer an error, as a downgrade attack.
    public static let minimumIterations = 4096

    private let username: String
    private let password: String
    private let clientNonce: String
    /// What the server must send as `v=`, known once the client final message is built.
    private var serverSignature: [UInt8]?

    /// Starts a conversation; `clientNonce` is random unless a test fixes it.
    public init(username: String, password: String, clientNonce: String = MongoSCRAM.makeNonce()) {
        self.username = username
        self.password = password
        self.clientNonce = clientNonce
    }

    /// A new random nonce: 24 bytes from the system's secure generator in base64 (which never contains a comma).
    public static func makeNonce() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<24).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
    }

    /// `client-first-message-bare`: the user name and nonce, part of what both sides sign.
    private var clientFirstMessageBare: String {
        let escaped = self.username.replacingOccurrences(of: "=", with: "=3D").replacingOccurrences(of: ",", with: "=2C")
        return "n=\(escaped),r=\(self.clientNonce)"
    }

    /// The first message: `n,,n=<user name>,r=<client nonce>`.
    public var clientFirstMessage: [UInt8] {
        Array(("n,," + self.clientFirstMessageBare).utf8)
    }

    /// The second message, `c=biws,r=<nonce>,p=<proof>`, from the server's first message `r=...,s=...,i=...`.
    ///
    /// Checks that the server's nonce extends the client's and that it asks for at least 4096 iterations, then derives
    /// the keys and keeps the signature `verify(serverFinal:)` expects.
    public mutating func clientFinalMessage(serverFirst: [UInt8]) throws(MongoSCRAMError) -> [UInt8] {
        guard let serverFirstText = String(validating: serverFirst, as: UTF8.self) else {
            throw MongoSCRAMError(code: .invalidServerMessage, message: "the server's first message is not UTF-8")
        }
        let attributes = try Self.attributes(of: serverFirstText, what: "first")
        if attributes.first?.key == "m" {
            throw MongoSCRAMError(code: .invalidServerMessage, message: "the server's first message asks for an unsupported extension (m=)")
        }
        guard let nonce = attributes.first(where: { $0.key == "r" })?.value,
            let saltText = attributes.first(where: { $0.key == "s" })?.value,
            let iterationText = attributes.first(where: { $0.key == "i" })?.value
        else {
            throw MongoSCRAMError(code: .invalidServerMessage, message: "the server's first message lacks r=, s= or i=")
        }
        guard nonce.hasPrefix(self.clientNonce), nonce.utf8.count > self.clientNonce.utf8.count else {
            throw MongoSCRAMError(code: .nonceMismatch, message: "the server's nonce does not extend the client's")
        }
        guard nonce.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E && $0 != UInt8(ascii: ",") }) else {
            throw MongoSCRAMError(code: .invalidServerMessage, message: "the server's nonce holds characters SCRAM does not allow")
        }
        guard let salt = Data(base64Encoded: saltText), !salt.isEmpty else {
            throw MongoSCRAMError(code: .invalidServerMessage, message: "the server's salt is not base64")
        }
        guard let iterations = Int32(iterationText), iterations > 0 else {
            throw MongoSCRAMError(
                code: .invalidServerMessage, message: "the server's iteration count \(iterationText.debugDescription) is not a positive number")
        }
        guard Int(iterations) >= Self.minimumIterations else {
            throw MongoSCRAMError(
                code: .iterationCountTooLow,
                message: "the server asks for \(iterations) iterations, fewer than the minimum of \(Self.minimumIterations)"
            )
        }
        let prepared: String
        switch SASLprep.prepare(self.password) {
        case .success(let value):
            prepared = value
        case .failure(let error):
            throw MongoSCRAMError(code: .invalidPassword, message: "the password fails SASLprep: \(error.message)")
        }

        let saltedPassword = try Self.saltedPassword(Array(prepared.utf8), salt: Array(salt), iterations: Int(iterations))
        let clientFinalWithoutProof = "c=biws,r=\(nonce)"
        let authMessage = Array("\(self.clientFirstMessageBare),\(serverFirstText),\(clientFinalWithoutProof)".utf8)
        let clientKey = Self.hmac(key: saltedPassword, Array("Client Key".utf8))
        let storedKey = Array(SHA256.hash(data: clientKey))
        let clientSignature = Self.hmac(key: storedKey, authMessage)
        let proof = zip(clientKey, clientSignature).map { $0 ^ $1 }
        let serverKey = Self.hmac(key: saltedPassword, Array("Server Key".utf8))
        self.serverSignature = Self.hmac(key: serverKey, authMessage)
        return Array("\(clientFinalWithoutProof),p=\(Data(proof).base64EncodedString())".utf8)
    }

    /// Checks the server's final message: `v=<signature>` must match, `e=<error>` is the server refusing.
    public func verify(serverFinal: [UInt8]) throws(MongoSCRAMError) {
        guard let expected = self.serverSignature else {
            throw MongoSCRAMError(code: .outOfOrder, message: "verify(serverFinal:) called before clientFinalMessage(serverFirst:)")
        }
        guard let text = String(validating: serverFinal, as: UTF8.self) else {
            throw MongoSCRAMError(code: .invalidServerMessage, message: "the server's final message is not UTF-8")
        }
        let attributes = try Self.attributes(of: text, what: "final")
        if let error = attributes.first(where: { $0.key == "e" }) {
            throw MongoSCRAMError(code: .serverError, message: "the server refused: \(error.value)")
        }
        guard let signatureText = attributes.first(where: { $0.key == "v" })?.value else {
            throw MongoSCRAMError(code: .invalidServerMessage, message: "the server's final message has neither v= nor e=")
        }
        guard let signature = Data(base64Encoded: signatureText) else {
            throw MongoSCRAMError(code: .invalidServerMessage, message: "the server's signature is not base64")
        }
        // Compared in constant time, though the signature is no secret once sent: habit costs nothing here.
        guard signature.count == expected.count, zip(signature, expected).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0 else {
            throw MongoSCRAMError(code: .serverSignatureMismatch, message: "the server's signature does not match the password's")
        }
    }

    /// `clientFinalMessage(serverFirst:)` for text payloads.
    public mutating func clientFinalMessage(serverFirst: String) throws(MongoSCRAMError) -> String {
        String(decoding: try self.clientFinalMessage(serverFirst: Array(serverFirst.utf8)), as: UTF8.self)
    }

    /// `verify(serverFinal:)` for text payloads.
    public func verify(serverFinal: String) throws(MongoSCRAMError) {
        try self.verify(serverFinal: Array(serverFinal.utf8))
    }

    /// The `k=v` attributes of a SCRAM message, in order.
    private static func attributes(of message: String, what: String) throws(MongoSCRAMError) -> [(key: String, value: String)] {
        var attributes: [(key: String, value: String)] = []
        for part in message.split(separator: ",", omittingEmptySubsequences: false) {
            let bytes = Array(part.utf8)
            guard bytes.count >= 2, bytes[1] == UInt8(ascii: "="), (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(bytes[0]) else {
                throw MongoSCRAMError(code: .invalidServerMessage, message: "the server's \(what) message has a malformed attribute")
            }
            attributes.append((key: String(part.prefix(1)), value: String(part.dropFirst(2))))
        }
        return attributes
    }

    private static func hmac(key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: key)))
    }

    /// `Hi(password, salt, i)` of RFC 5802: PBKDF2 with HMAC-SHA-256 and one 32-byte block.
    private static func saltedPassword(_ password: [UInt8], salt: [UInt8], iterations: Int) throws(MongoSCRAMError) -> [UInt8] {
        do {
            // The unchecked variant: RFC 7677's 4096 iterations are below the checked one's floor of 210,000.
            let key = try KDF.Insecure.PBKDF2.deriveKey(
                from: password,
                salt: salt,
                using: .sha256,
                outputByteCount: SHA256.byteCount,
                unsafeUncheckedRounds: iterations
            )
            return key.withUnsafeBytes { Array($0) }
        } catch {
            throw MongoSCRAMError(code: .invalidServerMessage, message: "PBKDF2 failed: \(error)")
        }
    }
}
