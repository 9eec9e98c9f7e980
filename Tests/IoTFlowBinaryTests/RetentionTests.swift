import Foundation
import HTTPTypes
import IoTFlowCore
import NIOCore
import Testing

/// `iotflow serve` with retention: the sweeper removes expired points while rollups keep answering aggregations of
/// their range, until the rollups expire too; it reports in `/metrics` and the event log.
@Suite("retention sweeper", .serialized)
struct RetentionTests {
    static let admin: HTTPFields = [.authorization: "admin retention-admin-token"]

    @Test("expired points go, their rollups answer /aggregated until they expire, and the sweep is reported")
    func sweepExpiresPointsThenRollups() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try await ServerProcess(
            dataDirectory: directory,
            environment: [
                "TELEMETRY_RETENTION_DAYS": "1", "ROLLUP_RETENTION_DAYS": "3", "IOTFLOW_RETENTION_INTERVAL_SECONDS": "1",
                "IOTFLOW_ADMIN_TOKEN": "retention-admin-token",
            ])
        defer { _ = server.terminate() }
        let (token, deviceID, apiKey) = try await DurabilityTests().provision(server)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let twoDaysAgo = RollupPeriod.hour.bucket(of: now - 2 * 86_400_000)
        let fiveDaysAgo = RollupPeriod.hour.bucket(of: now - 5 * 86_400_000)
        let points = [(twoDaysAgo, 10), (twoDaysAgo + 1000, 20), (fiveDaysAgo, 30), (now - 60_000, 40)]
        var device = DurabilityTests.json
        device[HTTPField.Name("X-API-Key")!] = apiKey
        let body = points.map { #"{"timestamp":\#($0.0),"data":{"v":\#($0.1)}}"# }.joined(separator: ",")
        let posted = try await server.request("/api/v1/telemetry", method: .post, headers: device, body: #"{"points":[\#(body)]}"#)
        #expect(posted.status == .created)

        var owner: HTTPFields = [:]
        owner[.authorization] = "Bearer \(token)"
        let week = ISO8601.format(milliseconds: now - 7 * 86_400_000)
        // The next sweep (at most a second away) removes the three expired points.
        let deadline = ContinuousClock.now + .seconds(60)
        var timestamps: [String] = []
        repeat {
            let history = try await server.request("/api/v1/telemetry/\(deviceID)?start_time=\(week)&limit=100", method: .get, headers: owner)
            timestamps = (try history.json["data"] as? [[String: Any]] ?? []).compactMap { $0["timestamp"] as? String }
            if timestamps.count == 1 { break }
            try await Task.sleep(for: .milliseconds(100))
        } while ContinuousClock.now < deadline
        #expect(timestamps == [ISO8601.format(milliseconds: now - 60_000)])

        // The same sweep then removes the rollups older than three days: wait for both counters.
        var retentionLines: [Substring] = []
        let metricsDeadline = ContinuousClock.now + .seconds(60)
        repeat {
            let metrics = String(buffer: try await server.request("/metrics", method: .get).body ?? ByteBuffer())
            retentionLines = metrics.split(separator: "\n").filter { $0.hasPrefix("iotflow_retention_") }
            if retentionLines.contains("iotflow_retention_values_removed_total 3")
                && retentionLines.contains("iotflow_retention_rollups_removed_total 2")
            {
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        } while ContinuousClock.now < metricsDeadline
        #expect(retentionLines.contains("iotflow_retention_values_removed_total 3"), "\(retentionLines)")
        #expect(retentionLines.contains("iotflow_retention_rollups_removed_total 2"), "\(retentionLines)")

        // Two days back, rollups (kept three days) still answer; five days back they are gone too.
        for (start, expected) in [(twoDaysAgo, [30.0]), (fiveDaysAgo, [])] {
            let query =
                "field=v&aggregation=sum&window=1h&start_time=\(ISO8601.format(milliseconds: start))"
                + "&end_time=\(ISO8601.format(milliseconds: start + 3_600_000))"
            let aggregated = try await server.request("/api/v1/telemetry/\(deviceID)/aggregated?\(query)", method: .get, headers: owner)
            #expect(aggregated.status == .ok)
            let values = (try aggregated.json["data"] as? [[String: Any]] ?? []).compactMap { ($0["value"] as? NSNumber)?.doubleValue }
            #expect(values == expected, "\(start)")
        }

        // Events are written in the background. The POST may commit between a sweep's values and its rollups, so the
        // removals can be spread over two events: wait until their sums are all.
        var removed = (values: 0, rollups: 0)
        let eventDeadline = ContinuousClock.now + .seconds(30)
        repeat {
            let answer = try await server.request("/api/v1/admin/events?event_type=telemetry.expired", method: .get, headers: Self.admin)
            let details = (try answer.json["events"] as? [[String: Any]] ?? []).compactMap { $0["details"] as? [String: Any] }
            removed = (
                details.reduce(0) { $0 + ($1["values_removed"] as? Int ?? 0) }, details.reduce(0) { $0 + ($1["rollups_removed"] as? Int ?? 0) }
            )
            if removed.values == 3 && removed.rollups == 2 { break }
            try await Task.sleep(for: .milliseconds(100))
        } while ContinuousClock.now < eventDeadline
        #expect(removed.values == 3 && removed.rollups == 2, "telemetry.expired events removed \(removed)")
    }
}
