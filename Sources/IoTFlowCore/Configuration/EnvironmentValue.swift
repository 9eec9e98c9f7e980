/// Parsers for settings read from environment variables; a malformed value is a ``ConfigurationError``
/// naming the variable, never silently replaced by a default.
public enum EnvironmentValue {
    /// An integer within `range`.
    public static func integer(_ text: String, name: String, range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(message: "\(name) must be an integer in \(range.lowerBound)...\(range.upperBound), not '\(text)'")
        }
        return value
    }

    /// A boolean: 1/true/yes/on or 0/false/no/off, any case.
    public static func boolean(_ text: String, name: String) throws(ConfigurationError) -> Bool {
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError(message: "\(name) must be true or false, not '\(text)'")
        }
    }
}
