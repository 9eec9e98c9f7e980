import Hummingbird
import IoTFlowCore

/// A time in answers: ISO 8601 UTC with milliseconds (`2026-11-29T10:15:30.123Z`), or `null`.
struct Timestamp: ResponseEncodable, Sendable {
    let milliseconds: Int64?

    init(_ milliseconds: Int64?) {
        self.milliseconds = milliseconds
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let milliseconds { try container.encode(ISO8601.format(milliseconds: milliseconds)) } else { try container.encodeNil() }
    }
}

extension TelemetryValue: Encodable {
    /// Integral numbers are written without a fraction, as devices usually send them.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let double):
            if double.rounded() == double, abs(double) < 9_007_199_254_740_992 {
                try container.encode(Int64(double))
            } else {
                try container.encode(double)
            }
        case .bool(let bool): try container.encode(bool)
        case .string(let string): try container.encode(string)
        }
    }
}

/// `{message}`: the answer of actions that return nothing else.
struct MessageResponse: ResponseEncodable, Sendable {
    let message: String

    init(_ message: String) {
        self.message = message
    }
}

/// `meta` of list answers.
struct ListMeta: ResponseEncodable, Sendable {
    let total: Int
    let limit: Int
    let offset: Int
    let returned: Int

    init<Item>(_ page: Page<Item>) {
        self.total = page.total
        self.limit = page.paging.limit
        self.offset = page.paging.offset
        self.returned = page.items.count
    }
}

/// Key-ordered values by key name, for `measurements`, `latest_data` and `timestamps`.
struct KeyedValues<Value: Encodable & Sendable>: ResponseEncodable, Sendable {
    let pairs: [(key: String, value: Value)]

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: JSONKey.self)
        for (key, value) in self.pairs { try container.encode(value, forKey: JSONKey(key)) }
    }
}
