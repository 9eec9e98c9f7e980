/// A BSON regular expression (type 0x0B).
public struct BSONRegex: Sendable, Hashable {
    /// The pattern, which may not contain a NUL byte.
    public var pattern: String
    /// The option letters, which MongoDB expects in alphabetical order (`i`, `m`, `s`, `u`, `x`).
    public var options: String

    /// Creates a regular expression.
    public init(pattern: String, options: String = "") {
        self.pattern = pattern
        self.options = options
    }
}
