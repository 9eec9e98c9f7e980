/// Validation of usernames, emails and passwords, as API.md states them.
public enum AccountRules {
    /// Checks a username: 3–80 characters of `[A-Za-z0-9_.-]`.
    public static func validateUsername(_ username: String) throws(IoTFlowError) {
        let allowed = username.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "-")
        }
        guard (3...80).contains(username.utf8.count), allowed else {
            throw .badRequest("'username' must be 3 to 80 characters of letters, digits, '_', '.' or '-'.")
        }
    }

    /// Checks and normalises (lowercases) an email address.
    public static func normalizedEmail(_ email: String) throws(IoTFlowError) -> String {
        let lowered = email.lowercased()
        let parts = lowered.split(separator: "@", omittingEmptySubsequences: false)
        guard lowered.utf8.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), !parts[1].contains(".."),
            !lowered.contains(where: { $0.isWhitespace || $0 == "," || $0 == "<" || $0 == ">" })
        else {
            throw .badRequest("'email' must be a valid email address.")
        }
        return lowered
    }

    /// Checks a password: at least 8 characters and at most 72 bytes (bcrypt ignores anything longer).
    public static func validatePassword(_ password: String) throws(IoTFlowError) {
        guard password.count >= 8 else { throw .badRequest("'password' must be at least 8 characters.") }
        guard password.utf8.count <= 72 else { throw .badRequest("'password' must be at most 72 bytes.") }
    }
}
