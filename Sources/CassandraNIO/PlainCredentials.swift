/// A username and password for SASL PLAIN, which Cassandra's `PasswordAuthenticator` expects.
struct PlainCredentials: Sendable, Equatable, CustomStringConvertible {
    let username: String
    let password: String

    /// `\0username\0password` (RFC 4616 with an empty authorization identity).
    var token: [UInt8] {
        [0] + Array(self.username.utf8) + [0] + Array(self.password.utf8)
    }

    /// The username only: credentials end up in logs through string interpolation more easily than one thinks.
    var description: String {
        "PlainCredentials(username: \(self.username), password: <redacted>)"
    }
}
