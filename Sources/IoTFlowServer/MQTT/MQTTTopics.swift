import IoTFlowCore
import NIOCore

/// The topics devices use, and how each one's payload becomes telemetry (API.md, "MQTT (devices)").
enum MQTTTopics {
    /// ThingsBoard's telemetry topic and payload shapes.
    static let thingsBoardTelemetry = "v1/devices/me/telemetry"
    /// The body of `POST /telemetry`.
    static let telemetry = "iotflow/telemetry"
    /// Where a subscribed device receives its config.
    static let config = "v1/devices/me/config"

    /// The telemetry in a published payload, or why it is none; nil when the topic is not one devices publish to.
    static func submission(topic: String, payload: ByteBuffer) -> Result<TelemetrySubmission, IoTFlowError>? {
        let parse: (JSONValue) throws(IoTFlowError) -> TelemetrySubmission
        switch topic {
        case Self.thingsBoardTelemetry: parse = TelemetryPayload.thingsBoard
        case Self.telemetry: parse = TelemetryPayload.submission
        default: return nil
        }
        guard payload.readableBytes > 0 else { return .failure(.badRequest("The payload is empty; send a JSON object.")) }
        let body: JSONValue
        do {
            body = try JSONParser.parse(payload.readableBytesView)
        } catch {
            return .failure(.badRequest("The payload is not valid JSON: \(error.description)."))
        }
        do {
            return .success(try parse(body))
        } catch {
            return .failure(error)
        }
    }
}
