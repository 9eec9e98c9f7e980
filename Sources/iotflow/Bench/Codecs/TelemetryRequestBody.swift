import IoTFlowCore

/// A `POST /telemetry` body as Codable request types: what the Foundation `JSONDecoder` variant of the
/// ingest benchmark decodes into. Either `data` (one point) or `points` (a batch).
struct TelemetryRequestBody: Decodable {
    var data: [String: TelemetryFieldValue]?
    var timestamp: TimestampField?
    var metadata: FreeJSON?
    var points: [TelemetryPointBody]?
}

/// One point of a batch.
struct TelemetryPointBody: Decodable {
    var data: [String: TelemetryFieldValue]?
    var timestamp: TimestampField?
    var metadata: FreeJSON?
}

/// A measurement as sent: number, string, boolean or null (arrays and objects fail to decode).
enum TelemetryFieldValue: Decodable, Equatable {
    case null
    case number(Double)
    case string(String)
    case bool(Bool)

    init(from decoder: any Decoder) throws {
        // Codable cannot ask a value for its JSON type: try the types in the order devices use them most.
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else {
            self = .bool(try container.decode(Bool.self))
        }
    }
}

/// A timestamp as sent: a string (ISO 8601, relative time or digits) or a number (epoch ms).
enum TimestampField: Decodable {
    case text(String)
    case integer(Int64)
    case number(Double)

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self = .text(text)
        } else if let integer = try? container.decode(Int64.self) {
            self = .integer(integer)
        } else {
            self = .number(try container.decode(Double.self))
        }
    }

    /// The same value as the own parser would produce, for ``TimeExpression``.
    var json: JSONValue {
        switch self {
        case .text(let text): .string(text)
        case .integer(let integer): .int(integer)
        case .number(let number): .double(number)
        }
    }
}

/// Any JSON value, for free-form fields such as `metadata`.
enum FreeJSON: Codable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([FreeJSON])
    case object([String: FreeJSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let array = try? container.decode([FreeJSON].self) {
            self = .array(array)
        } else {
            self = .object(try container.decode([String: FreeJSON].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let bool): try container.encode(bool)
        case .number(let number): try container.encode(number)
        case .string(let string): try container.encode(string)
        case .array(let array): try container.encode(array)
        case .object(let object): try container.encode(object)
        }
    }
}
