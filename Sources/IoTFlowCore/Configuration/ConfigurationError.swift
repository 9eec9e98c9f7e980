/// A configuration value that cannot be used; the message names the variable.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    public let message: String
    public var description: String { self.message }

    /// Creates an error with a message naming the setting.
    public init(message: String) {
        self.message = message
    }
}
