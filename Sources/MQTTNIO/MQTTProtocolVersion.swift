/// The protocol level a client connected with.
public enum MQTTProtocolVersion: Sendable, Hashable {
    // swift-format-ignore: AlwaysUseLowerCamelCase
    // The spec's own spelling of the version, kept as the public name.
    case v3_1_1
    case v5
}
