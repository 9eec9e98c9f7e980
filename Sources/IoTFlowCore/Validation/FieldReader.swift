/// Reads typed fields from a request's JSON object and turns type errors into 400s that name the field.
public struct FieldReader: Sendable {
    /// The object being read.
    public let object: JSONObject

    /// Wraps a decoded body, which must be a JSON object.
    public init(body: JSONValue) throws(IoTFlowError) {
        guard case .object(let object) = body else {
            throw .badRequest("The request body must be a JSON object, not \(body.typeName).")
        }
        self.object = object
    }

    /// Wraps an object.
    public init(object: JSONObject) {
        self.object = object
    }

    /// Whether the field is present (even as null).
    public func has(_ name: String) -> Bool {
        self.object[name] != nil
    }

    /// A required non-empty string (surrounding spaces removed).
    public func requiredString(_ name: String, maxLength: Int = 255) throws(IoTFlowError) -> String {
        guard let value = try self.optionalString(name, maxLength: maxLength) else {
            throw .badRequest("Field '\(name)' is required.")
        }
        return value
    }

    /// A string that may be missing or null; empty after trimming counts as missing.
    public func optionalString(_ name: String, maxLength: Int = 255) throws(IoTFlowError) -> String? {
        switch self.object[name] {
        case nil, .null?: return nil
        case .string(let value)?:
            let trimmed = value.trimmingSpaces
            guard trimmed.utf8.count <= maxLength else {
                throw .badRequest("Field '\(name)' must be at most \(maxLength) bytes.")
            }
            return trimmed.isEmpty ? nil : trimmed
        case let other?: throw .badRequest("Field '\(name)' must be a string, not \(other.typeName).")
        }
    }

    /// For updates of required fields: nil when absent, 400 when present but null or empty.
    public func replacementString(_ name: String, maxLength: Int = 255) throws(IoTFlowError) -> String? {
        guard self.has(name) else { return nil }
        guard let value = try self.optionalString(name, maxLength: maxLength) else {
            throw .badRequest("Field '\(name)' cannot be empty.")
        }
        return value
    }

    /// For updates: nil when absent, `.some(nil)` when null or empty (clear), `.some(value)` otherwise.
    public func nullableString(_ name: String, maxLength: Int = 255) throws(IoTFlowError) -> String?? {
        guard self.has(name) else { return nil }
        return .some(try self.optionalString(name, maxLength: maxLength))
    }

    /// A boolean that may be missing.
    public func optionalBool(_ name: String) throws(IoTFlowError) -> Bool? {
        switch self.object[name] {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        case let other?: throw .badRequest("Field '\(name)' must be a boolean, not \(other.typeName).")
        }
    }

    /// An integer that may be missing.
    public func optionalInt(_ name: String) throws(IoTFlowError) -> Int64? {
        switch self.object[name] {
        case nil, .null?: return nil
        case .int(let value)?: return value
        case let other?: throw .badRequest("Field '\(name)' must be an integer, not \(other.typeName).")
        }
    }

    /// A required integer.
    public func requiredInt(_ name: String) throws(IoTFlowError) -> Int64 {
        guard let value = try self.optionalInt(name) else { throw .badRequest("Field '\(name)' is required.") }
        return value
    }

    /// A device status that may be missing.
    public func optionalStatus(_ name: String = "status") throws(IoTFlowError) -> DeviceStatus? {
        guard let text = try self.optionalString(name) else { return nil }
        guard let status = DeviceStatus(rawValue: text) else {
            throw .badRequest("Field '\(name)' must be one of active, inactive, maintenance.")
        }
        return status
    }
}
