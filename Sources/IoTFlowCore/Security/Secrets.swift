import Crypto

/// Random secrets and their hashes. Keys and tokens are only ever stored as SHA-256 hex.
public enum Secrets {
    /// A new device API key: 32 bytes from the system CSPRNG, base64url (43 characters).
    public static func newAPIKey() -> String {
        Self.base64URL(Self.randomBytes(32))
    }

    /// A new bearer token: 32 random bytes, base64url.
    public static func newToken() -> String {
        Self.base64URL(Self.randomBytes(32))
    }

    /// A new public user id: 16 random bytes as 32 lowercase hex characters.
    public static func newPublicUserID() -> String {
        Self.hex(Self.randomBytes(16))
    }

    /// SHA-256 of the UTF-8 bytes, lowercase hex.
    public static func sha256Hex(_ text: String) -> String {
        Self.hex(Array(SHA256.hash(data: Array(text.utf8))))
    }

    /// Compares two secrets in time independent of where they differ.
    ///
    /// Both sides are hashed first so the running time does not reveal the length either.
    public static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(SHA256.hash(data: Array(lhs.utf8)))
        let right = Array(SHA256.hash(data: Array(rhs.utf8)))
        var difference: UInt8 = 0
        for index in 0..<left.count { difference |= left[index] ^ right[index] }
        return difference == 0
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        // SystemRandomNumberGenerator reads getrandom(2) / arc4random: a CSPRNG on every platform we run on.
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
    private static let base64URLAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static func hex(_ bytes: [UInt8]) -> String {
        var output = [UInt8]()
        output.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            output.append(Self.hexDigits[Int(byte >> 4)])
            output.append(Self.hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        var output = [UInt8]()
        var index = 0
        while index + 3 <= bytes.count {
            let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            for shift in [18, 12, 6, 0] { output.append(Self.base64URLAlphabet[Int((chunk >> UInt32(shift)) & 0x3F)]) }
            index += 3
        }
        let remaining = bytes.count - index
        if remaining > 0 {
            var chunk = UInt32(bytes[index]) << 16
            if remaining == 2 { chunk |= UInt32(bytes[index + 1]) << 8 }
            let characters = remaining == 1 ? 2 : 3
            for position in 0..<characters {
                output.append(Self.base64URLAlphabet[Int((chunk >> UInt32(18 - 6 * position)) & 0x3F)])
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}

/// Hashes and checks passwords; the server implements it with bcrypt off the event loop.
public protocol PasswordHasher: Sendable {
    /// A salted hash of `password`.
    func hash(_ password: String) async throws -> String
    /// Whether `password` matches `hash`.
    func verify(_ password: String, hash: String) async throws -> Bool
    /// A valid hash of a random password at the configured cost, verified against for unknown users.
    var decoyHash: String { get }
}
