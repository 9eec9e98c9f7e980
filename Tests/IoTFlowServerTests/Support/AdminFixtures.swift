import Foundation
import HTTPTypes
import HummingbirdTesting
import IoTFlowCore
import IoTFlowServer
import Logging
import Testing

@testable import IoTFlowStorage

// MARK: - Apps with extra configuration

/// Like `withApp` (on the backend under test), with `configure` applied to the configuration before the application is built.
func withConfiguredApp(
    clock: any WallClock = SystemWallClock(),
    _ configure: @Sendable (inout AppConfiguration) -> Void,
    _ test: @Sendable (TestAPI) async throws -> Void
) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iotflow-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    try await withTestStores(testConfiguration(directory: directory.path, configure)) { config in
        let app = try await buildApplication(configuration: config, clock: clock)
        try await app.test(.router) { client in
            try await test(TestAPI(client: client))
        }
    }
}

/// Runs `test` against an app on the embedded SQLite store in its own data directory, then, once the app has
/// shut down, opens the database file and hands it to `inspect` with what `test` returned.
func withAppAndDatabase<T: Sendable>(
    _ test: @Sendable (TestAPI) async throws -> T,
    inspect: (T, SQLiteDatabaseFile) async throws -> Void
) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iotflow-db-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let app = try await buildApplication(configuration: testConfiguration(directory: directory.path, { _ in }))
    let result = try await app.test(.router) { client in
        try await test(TestAPI(client: client))
    }
    let database = try await SQLiteDatabaseFile.open(path: directory.path + "/iotflow.sqlite", logger: Logger(label: "test"))
    do {
        try await inspect(result, database)
    } catch {
        await database.close()
        throw error
    }
    await database.close()
}

extension SQLiteDatabaseFile {
    /// The number of rows of `table` matching `condition` (SQL with literal values only).
    func countRows(_ table: String, _ condition: String) async throws -> Int {
        try await self.read("SELECT 1 FROM \(table) WHERE \(condition)").count
    }
}

/// `(1, 2, 3)` for an SQL `IN` list; `(-1)` when empty so the statement stays valid.
func sqlList(_ ids: [Int]) -> String {
    ids.isEmpty ? "(-1)" : "(" + ids.map(String.init).joined(separator: ",") + ")"
}

// MARK: - Groups

/// The fields of the contract's group object.
let groupFields: Set<String> = ["id", "name", "description", "color", "user_id", "created_at", "updated_at", "device_count"]

/// A created group.
struct TestGroup: Sendable {
    let id: Int
    let name: String
}

extension TestAPI {
    /// Creates a group for `owner` and requires 201.
    func createGroup(
        _ owner: TestUser,
        name: String = "lab",
        color: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> TestGroup {
        var body: [String: JSONValue] = ["name": .string(name)]
        if let color { body["color"] = .string(color) }
        let json = try requireJSON(
            try await self.post("/api/v1/groups", auth: owner.bearer, json: .object(body)), .created, sourceLocation: sourceLocation)
        return TestGroup(id: try #require(json["group"]["id"].int, sourceLocation: sourceLocation), name: name)
    }

    /// Adds `device` to `group` as `owner` and requires 201.
    func addToGroup(
        _ owner: TestUser, _ group: TestGroup, _ device: TestDevice, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let response = try await self.post("/api/v1/groups/\(group.id)/devices", auth: owner.bearer, json: ["device_id": .number(Double(device.id))])
        try requireJSON(response, .created, sourceLocation: sourceLocation)
    }

    /// Reads a group (without devices) as `owner` and requires 200.
    func readGroup(_ owner: TestUser, _ group: TestGroup, sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSONValue {
        let json = try requireJSON(
            try await self.get("/api/v1/groups/\(group.id)?include_devices=false", auth: owner.bearer), sourceLocation: sourceLocation)
        return try #require(json["group"], sourceLocation: sourceLocation)
    }
}

/// Checks a group object: exactly the contract's fields plus `extraFields`, with their types.
func expectGroup(_ group: JSONValue?, extraFields: Set<String> = [], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(group.keys == groupFields.union(extraFields), "group fields \(group.keys.sorted())", sourceLocation: sourceLocation)
    #expect(group["id"].int != nil, sourceLocation: sourceLocation)
    #expect(group["name"].string?.isEmpty == false, sourceLocation: sourceLocation)
    #expect(isNullOrString(group["description"]), "description \(String(describing: group["description"]))", sourceLocation: sourceLocation)
    #expect(isColor(group["color"].string), "color \(String(describing: group["color"]))", sourceLocation: sourceLocation)
    #expect(isPublicUserID(group["user_id"].string), "user_id \(String(describing: group["user_id"]))", sourceLocation: sourceLocation)
    #expect(TestTime.isTimestamp(group["created_at"].string), sourceLocation: sourceLocation)
    #expect(TestTime.isTimestamp(group["updated_at"].string), sourceLocation: sourceLocation)
    #expect((group["device_count"].int ?? -1) >= 0, "device_count \(String(describing: group["device_count"]))", sourceLocation: sourceLocation)
}

/// Whether `text` is a `#RRGGBB` color.
func isColor(_ text: String?) -> Bool {
    guard let text else { return false }
    return text.wholeMatch(of: #/#[0-9A-Fa-f]{6}/#) != nil
}

/// The integer ids in a JSON array, sorted.
func sortedIDs(_ value: JSONValue?) -> [Int]? {
    guard let array = value.array else { return nil }
    let ids = array.compactMap(\.int)
    return ids.count == array.count ? ids.sorted() : nil
}

// MARK: - Admin

/// The admin credentials of the contract: the operator token and an admin user's bearer token.
extension TestAPI {
    /// Polls `GET /admin/events?<query>` (as the admin token) until `done` holds for the events, for up to `timeout`.
    /// Returns the last events read.
    func pollEvents(
        _ query: String,
        timeout: Duration = .seconds(30),
        sourceLocation: SourceLocation = #_sourceLocation,
        until done: ([JSONValue]) -> Bool
    ) async throws -> [JSONValue] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let json = try requireJSON(try await self.get("/api/v1/admin/events?\(query)", auth: .adminToken), sourceLocation: sourceLocation)
            let events = try #require(json["events"].array, sourceLocation: sourceLocation)
            if done(events) || ContinuousClock.now >= deadline { return events }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Polls until an event of `type` about `userID` (and `deviceID` when given) is listed; requires it.
    @discardableResult
    func requireEvent(
        _ type: String,
        userID: String,
        deviceID: Int? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> JSONValue {
        let matches: (JSONValue) -> Bool = { event in
            event["event_type"].string == type && event["user_id"].string == userID
                && (deviceID == nil || event["device_id"].int == deviceID)
        }
        let events = try await self.pollEvents("event_type=\(type)&limit=1000", sourceLocation: sourceLocation) { $0.contains(where: matches) }
        let summary = events.map { "\($0["event_type"].string ?? "?") user=\($0["user_id"].string ?? "-") device=\($0["device_id"].int ?? -1)" }
        return try #require(events.first(where: matches), "no \(type) for user \(userID) in \(summary)", sourceLocation: sourceLocation)
    }
}

/// The fields an event may carry, and those it must carry.
let eventFields: Set<String> = ["id", "event_type", "timestamp", "user_id", "device_id", "details"]
let requiredEventFields: Set<String> = ["id", "event_type", "timestamp", "details"]

/// Checks an event object's fields and types.
func expectEvent(_ event: JSONValue?, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(event.keys.isSubset(of: eventFields), "event fields \(event.keys.sorted())", sourceLocation: sourceLocation)
    #expect(requiredEventFields.isSubset(of: event.keys), "event fields \(event.keys.sorted())", sourceLocation: sourceLocation)
    #expect(event["id"].int != nil, sourceLocation: sourceLocation)
    #expect(event["event_type"].string?.isEmpty == false, sourceLocation: sourceLocation)
    #expect(TestTime.isTimestamp(event["timestamp"].string), "timestamp \(String(describing: event["timestamp"]))", sourceLocation: sourceLocation)
    #expect(event["details"].object != nil, "details \(String(describing: event["details"]))", sourceLocation: sourceLocation)
    if let userID = event["user_id"], !userID.isNull {
        #expect(isPublicUserID(userID.string), "user_id \(userID)", sourceLocation: sourceLocation)
    }
    if let deviceID = event["device_id"], !deviceID.isNull {
        #expect(deviceID.int != nil, "device_id \(deviceID)", sourceLocation: sourceLocation)
    }
}

/// The value of the `Retry-After` header as an integer, nil when missing or not an integer.
func retryAfter(_ response: TestResponse) -> Int? {
    response.headers[HTTPField.Name("Retry-After")!].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
}

// MARK: - Prometheus text exposition

/// One sample line of a Prometheus text exposition.
struct PrometheusSample: Sendable, Equatable {
    let name: String
    let labels: [String: String]
    let value: Double
}

/// A parsed exposition: its samples, its `# TYPE` declarations and the lines that did not parse.
struct PrometheusExposition: Sendable {
    var samples: [PrometheusSample] = []
    var types: [String: String] = [:]
    var helps: Set<String> = []
    var badLines: [String] = []

    /// Samples called `name` whose labels include `labels`.
    func samples(_ name: String, _ labels: [String: String] = [:]) -> [PrometheusSample] {
        self.samples.filter { sample in
            sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value }
        }
    }

    /// The sum of the values of `samples(name, labels)`; 0 when there are none.
    func sum(_ name: String, _ labels: [String: String] = [:]) -> Double {
        self.samples(name, labels).reduce(0) { $0 + $1.value }
    }

    /// Whether the family `name` is declared or has samples (a histogram's samples are `name_bucket`, `_sum`, `_count`).
    func hasFamily(_ name: String) -> Bool {
        self.types[name] != nil || self.samples.contains { $0.name == name || $0.name.hasPrefix(name + "_") }
    }
}

/// Parses the Prometheus text format (version 0.0.4). Lines that do not parse are collected in `badLines`.
func parsePrometheus(_ text: String) -> PrometheusExposition {
    var exposition = PrometheusExposition()
    for rawLine in text.split(separator: "\n", omittingEmptySubsequences: true) {
        let line = String(rawLine)
        if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
        if line.hasPrefix("#") {
            let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true).map(String.init)
            if parts.count >= 3, parts[1] == "TYPE" {
                let validTypes = ["counter", "gauge", "histogram", "summary", "untyped"]
                if parts.count == 4, isMetricName(parts[2]), validTypes.contains(parts[3]) {
                    exposition.types[parts[2]] = parts[3]
                } else {
                    exposition.badLines.append(line)
                }
            } else if parts.count >= 3, parts[1] == "HELP" {
                if isMetricName(parts[2]) { exposition.helps.insert(parts[2]) } else { exposition.badLines.append(line) }
            }
            continue
        }
        if let sample = parseSample(line) {
            exposition.samples.append(sample)
        } else {
            exposition.badLines.append(line)
        }
    }
    return exposition
}

private func isMetricName(_ text: String) -> Bool {
    text.wholeMatch(of: #/[a-zA-Z_:][a-zA-Z0-9_:]*/#) != nil
}

private func parseSample(_ line: String) -> PrometheusSample? {
    var rest = Substring(line)
    let nameEnd = rest.firstIndex(where: { $0 == "{" || $0 == " " }) ?? rest.endIndex
    let name = String(rest[..<nameEnd])
    guard isMetricName(name) else { return nil }
    rest = rest[nameEnd...]
    var labels: [String: String] = [:]
    if rest.first == "{" {
        rest = rest.dropFirst()
        while true {
            rest = rest.drop(while: { $0 == " " })
            if rest.first == "}" {
                rest = rest.dropFirst()
                break
            }
            guard let equals = rest.firstIndex(of: "=") else { return nil }
            let label = String(rest[..<equals]).trimmingCharacters(in: .whitespaces)
            guard label.wholeMatch(of: #/[a-zA-Z_][a-zA-Z0-9_]*/#) != nil else { return nil }
            rest = rest[rest.index(after: equals)...]
            guard rest.first == "\"" else { return nil }
            rest = rest.dropFirst()
            var value = ""
            var closed = false
            while let character = rest.first {
                rest = rest.dropFirst()
                if character == "\\" {
                    guard let escaped = rest.first else { return nil }
                    rest = rest.dropFirst()
                    switch escaped {
                    case "n": value.append("\n")
                    case "\\": value.append("\\")
                    case "\"": value.append("\"")
                    default: return nil
                    }
                } else if character == "\"" {
                    closed = true
                    break
                } else {
                    value.append(character)
                }
            }
            guard closed, labels[label] == nil else { return nil }
            labels[label] = value
            rest = rest.drop(while: { $0 == " " })
            if rest.first == "," { rest = rest.dropFirst() } else if rest.first != "}" { return nil }
        }
    }
    let fields = rest.split(separator: " ", omittingEmptySubsequences: true)
    guard fields.count == 1 || fields.count == 2, let value = prometheusNumber(String(fields[0])) else { return nil }
    if fields.count == 2, Int64(fields[1]) == nil { return nil }
    return PrometheusSample(name: name, labels: labels, value: value)
}

private func prometheusNumber(_ text: String) -> Double? {
    switch text {
    case "+Inf", "Inf": return .infinity
    case "-Inf": return -.infinity
    case "NaN": return .nan
    default:
        guard text.wholeMatch(of: #/[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?/#) != nil else { return nil }
        return Double(text)
    }
}

extension TestAPI {
    /// Reads and parses `GET /metrics`, requiring 200, a `text/plain` content type and only well-formed lines.
    func metrics(sourceLocation: SourceLocation = #_sourceLocation) async throws -> PrometheusExposition {
        let response = try await self.get("/metrics")
        try #require(response.status == .ok, "status \(response.status.code): \(response.text)", sourceLocation: sourceLocation)
        #expect(
            response.headers[.contentType]?.hasPrefix("text/plain") == true, "content type \(response.headers[.contentType] ?? "none")",
            sourceLocation: sourceLocation)
        let exposition = parsePrometheus(response.text)
        #expect(exposition.badLines.isEmpty, "unparsable lines: \(exposition.badLines.prefix(5))", sourceLocation: sourceLocation)
        return exposition
    }
}
