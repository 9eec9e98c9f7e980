import Hummingbird
import IoTFlowCore

/// An alert as every answer and stream frame shows it (API.md "alert"): every field present, `null` when absent,
/// times in ISO 8601 UTC with milliseconds.
///
/// Built as a ``JSONValue`` so the REST answers (through `Encodable`) and the live streams (through ``JSONWriter``,
/// without Foundation) write the same text from one description.
struct AlertRepresentation: ResponseEncodable, Sendable {
    let alert: Alert

    init(_ alert: Alert) {
        self.alert = alert
    }

    /// The alert object.
    var json: JSONValue {
        let alert = self.alert
        return .object(
            JSONObject([
                ("id", .int(alert.id)),
                ("rule_id", .int(alert.ruleID)),
                ("rule_name", .string(alert.ruleName)),
                ("type", .string(alert.type.rawValue)),
                ("device_id", .int(alert.deviceID)),
                ("device_name", .string(alert.deviceName)),
                ("user_id", .string(alert.userPublicID)),
                ("key", .string(alert.key)),
                ("operator", .string(alert.comparison?.rawValue)),
                ("threshold", Self.number(alert.threshold)),
                ("value", Self.number(alert.value)),
                ("severity", .string(alert.severity.rawValue)),
                ("status", .string(alert.status.rawValue)),
                ("message", .string(alert.message)),
                ("triggered_at", Self.time(alert.triggeredAt)),
                ("last_value_at", Self.time(alert.lastValueAt)),
                ("acknowledged_at", Self.time(alert.acknowledgedAt)),
                ("resolved_at", Self.time(alert.resolvedAt)),
                ("resolved_by", .string(alert.resolvedBy?.rawValue)),
                ("note", .string(alert.note)),
            ])
        )
    }

    func encode(to encoder: any Encoder) throws {
        try self.json.encode(to: encoder)
    }

    /// Integral numbers without a fraction, as telemetry values are written.
    private static func number(_ value: Double?) -> JSONValue {
        value.map { TelemetryValue.number($0).json } ?? .null
    }

    private static func time(_ milliseconds: Int64?) -> JSONValue {
        milliseconds.map { .string(ISO8601.format(milliseconds: $0)) } ?? .null
    }
}
