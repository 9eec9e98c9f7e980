/// What a secret prints as in descriptions, logs and errors.
public enum Redacted {
    /// The placeholder shown instead of a secret that is set.
    public static let placeholder = "<redacted>"

    /// The placeholder for a set secret, `nil` for an unset one.
    public static func describe(_ secret: String?) -> String {
        secret == nil ? "nil" : Self.placeholder
    }
}
