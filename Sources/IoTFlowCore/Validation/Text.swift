/// The rules for free-text fields of commands: surrounding spaces are dropped, lengths count UTF-8 bytes,
/// and an empty string means "not given". Errors name the field as the client sent it.
public enum Text {
    /// A required non-empty string.
    public static func required(_ value: String, field: String, maxBytes: Int) throws(IoTFlowError) -> String {
        guard let text = try Self.optional(value, field: field, maxBytes: maxBytes) else {
            throw .badRequest("Field '\(field)' is required.")
        }
        return text
    }

    /// An optional string; empty after trimming counts as absent. The limit applies to the value as sent, as the
    /// OpenAPI document's `maxLength` says (schemathesis found a 51-byte value accepted because trimming made it 50).
    public static func optional(_ value: String?, field: String, maxBytes: Int) throws(IoTFlowError) -> String? {
        guard let value else { return nil }
        guard value.utf8.count <= maxBytes else { throw .badRequest("Field '\(field)' must be at most \(maxBytes) bytes.") }
        let trimmed = value.trimmingSpaces
        return trimmed.isEmpty ? nil : trimmed
    }

    /// For updates of required fields: nil when not sent, 400 when sent as null or empty.
    public static func replacement(_ change: FieldChange<String>, field: String, maxBytes: Int) throws(IoTFlowError) -> String? {
        switch change {
        case .unchanged: return nil
        case .cleared: throw .badRequest("Field '\(field)' cannot be empty.")
        case .set(let value):
            guard let text = try Self.optional(value, field: field, maxBytes: maxBytes) else {
                throw .badRequest("Field '\(field)' cannot be empty.")
            }
            return text
        }
    }

    /// For updates of optional fields: nil when not sent, `.some(nil)` to clear (null or empty), `.some(text)` to set.
    public static func clearable(_ change: FieldChange<String>, field: String, maxBytes: Int) throws(IoTFlowError) -> String?? {
        switch change {
        case .unchanged: return nil
        case .cleared: return .some(nil)
        case .set(let value): return .some(try Self.optional(value, field: field, maxBytes: maxBytes))
        }
    }

    /// A device status by name, when one was sent (null counts as not sent; any other text must name a status).
    public static func status(_ change: FieldChange<String>, field: String = "status") throws(IoTFlowError) -> DeviceStatus? {
        guard let name = change.value else { return nil }
        return try Self.status(name.trimmingSpaces, field: field)
    }

    /// A device status by name; 400 for an unknown one.
    public static func status(_ name: String, field: String = "status") throws(IoTFlowError) -> DeviceStatus {
        guard let status = DeviceStatus(rawValue: name) else {
            throw .badRequest("'\(field)' must be one of active, inactive, maintenance.")
        }
        return status
    }
}
