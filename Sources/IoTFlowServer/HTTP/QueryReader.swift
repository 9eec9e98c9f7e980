import Foundation
import Hummingbird
import IoTFlowCore

/// Reads typed query parameters; a malformed value is 400 naming the parameter. An empty value counts as
/// absent (`?status=` means no filter), and when a name repeats the last one wins. The query is read as
/// HTML forms and the original Flask backend read it: `+` is a space and `%2B` a plus sign.
struct QueryReader {
    private let values: [String: String]

    init(_ request: Request) {
        var values: [String: String] = [:]
        for pair in (request.uri.query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            values[Self.decode(parts[0])] = parts.count > 1 ? Self.decode(parts[1]) : ""
        }
        self.values = values
    }

    /// Form decoding; malformed percent escapes are kept as written (and then fail the parameter's own check).
    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// A text value.
    func string(_ name: String) -> String? {
        guard let value = self.values[name], !value.isEmpty else { return nil }
        return value
    }

    /// An integer of at least `minimum`; sent but empty is 400, like any other non-integer.
    func integer(_ name: String, minimum: Int) throws(IoTFlowError) -> Int? {
        guard let text = self.values[name] else { return nil }
        guard let value = Int(text.trimmingSpacesAndTabs), value >= minimum else {
            throw .badRequest("'\(name)' must be an integer of at least \(minimum).")
        }
        return value
    }

    /// A 64-bit id.
    func id(_ name: String) throws(IoTFlowError) -> Int64? {
        guard let text = self.string(name) else { return nil }
        guard let value = Int64(text) else { throw .badRequest("'\(name)' must be an integer.") }
        return value
    }

    /// A positive 64-bit id (ids start at 1).
    func positiveID(_ name: String) throws(IoTFlowError) -> Int64? {
        guard let value = try self.id(name) else { return nil }
        guard value >= 1 else { throw .badRequest("'\(name)' must be a positive integer.") }
        return value
    }

    /// `true`/`false` (also `1`/`0`, `yes`/`no`, any case).
    func flag(_ name: String) throws(IoTFlowError) -> Bool? {
        switch self.string(name)?.lowercased() {
        case nil: return nil
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw .badRequest("'\(name)' must be true or false.")
        }
    }

    /// A time: `now`, a relative time like `-1h`, ISO 8601 or epoch milliseconds.
    func time(_ name: String) throws(IoTFlowError) -> TimeSpec? {
        guard let text = self.string(name) else { return nil }
        guard let spec = TimeSpec(text) else {
            throw .badRequest("'\(name)' must be now, a relative time like -1h, ISO 8601 or epoch milliseconds.")
        }
        return spec
    }

    /// A comma-separated list (spaces around items dropped, empty items skipped).
    func list(_ name: String) -> [String]? {
        guard let text = self.string(name) else { return nil }
        return text.split(separator: ",").map { String($0).trimmingSpacesAndTabs }.filter { !$0.isEmpty }
    }

    /// `limit` (at least 1) and `offset` (at least 0).
    func page() throws(IoTFlowError) -> PageRequest {
        PageRequest(limit: try self.integer("limit", minimum: 1), offset: try self.integer("offset", minimum: 0) ?? 0)
    }
}

extension Parameters {
    /// A positive integer id from the path; a malformed id is 404, as if the object did not exist.
    func id(_ name: String, kind: String) throws(IoTFlowError) -> Int64 {
        guard let text = self.get(name), let id = Int64(text), id > 0 else {
            throw .notFound("\(kind) \(self.get(name)?.prefix(40) ?? "") was not found.")
        }
        return id
    }

    /// A path segment as text.
    func text(_ name: String) -> String {
        self.get(name) ?? ""
    }
}
