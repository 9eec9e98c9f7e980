import IoTFlowCore
import MongoNIO

/// How an event is stored in MongoDB: `{_id, event_type, timestamp, ts_ms, user_id?, device_id?, details}`.
///
/// `_id` is the event's integer id (the HTTP contract's `id`), `timestamp` a BSON date (what people and TTL
/// indexes read), and `ts_ms` the same instant as an int64, which filters, sorts and bucketing arithmetic use.
enum MongoEventDocument {
    static func document(for event: Event, id: Int64) -> BSONDocument {
        var document: BSONDocument = [:]
        document["_id"] = .int64(id)
        document["event_type"] = .string(event.type)
        document["timestamp"] = .datetime(event.timestamp)
        document["ts_ms"] = .int64(event.timestamp)
        if let user = event.userPublicID { document["user_id"] = .string(user) }
        if let device = event.deviceID { document["device_id"] = .int64(device) }
        document["details"] = .document(Self.bson(event.details))
        return document
    }

    /// The event a stored document holds; nil when it lacks the fields every event has.
    static func event(from document: BSONDocument) -> Event? {
        guard let id = document["_id"]?.int64Value, let type = document["event_type"]?.stringValue,
            let timestamp = document["ts_ms"]?.int64Value ?? document["timestamp"]?.datetimeValue
        else { return nil }
        var details = JSONObject()
        if case .document(let stored)? = document["details"] { details = Self.json(stored) }
        return Event(
            id: id, type: type, timestamp: timestamp, userPublicID: document["user_id"]?.stringValue, deviceID: document["device_id"]?.int64Value,
            details: details)
    }

    /// BSON keys are C strings: a NUL inside a key (JSON allows one) becomes U+FFFD rather than cutting the key short.
    static func bson(_ object: JSONObject) -> BSONDocument {
        BSONDocument(object.members.map { (String($0.key.map { $0 == "\0" ? "\u{FFFD}" : $0 }), Self.bson($0.value)) })
    }

    static func bson(_ value: JSONValue) -> BSONValue {
        switch value {
        case .null: .null
        case .bool(let bool): .bool(bool)
        case .int(let int): .int64(int)
        case .double(let double): .double(double)
        case .string(let string): .string(string)
        case .array(let array): .array(array.map(Self.bson))
        case .object(let object): .document(Self.bson(object))
        }
    }

    static func json(_ document: BSONDocument) -> JSONObject {
        var object = JSONObject()
        for (key, value) in document { object[key] = Self.json(value) }
        return object
    }

    /// Types events never write (they come only from documents edited by hand) are kept readable as text.
    static func json(_ value: BSONValue) -> JSONValue {
        switch value {
        case .null: .null
        case .bool(let bool): .bool(bool)
        case .int32(let int): .int(Int64(int))
        case .int64(let int): .int(int)
        case .double(let double): .double(double)
        case .string(let string): .string(string)
        case .array(let array): .array(array.map(Self.json))
        case .document(let document): .object(Self.json(document))
        case .datetime(let milliseconds): .int(milliseconds)
        default: .string("\(value)")
        }
    }
}
