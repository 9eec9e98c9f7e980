/// Errors of ``MQTTServer/bind(configuration:delegate:eventLoopGroup:logger:)``.
public struct MQTTServerError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// The port is taken.
        case addressInUse
        /// Any other bind failure.
        case bindFailed
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { self.message }
}
