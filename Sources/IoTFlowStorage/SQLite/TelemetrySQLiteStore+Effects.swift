import IoTFlowCore
import SQLiteNIO

/// What a write changes besides its values: the latest value per key, metadata, the counters and the devices'
/// last-seen times. Every statement costs a hop to SQLite's thread and back, and a write transaction is on the
/// path of every acknowledged point, so these go in as the rows of one INSERT into the view
/// `telemetry_write_effects`, whose INSTEAD OF trigger (migration 3) applies each row by its kind.
extension TelemetrySQLiteStore {
    /// Row kinds of `telemetry_write_effects`, and what its columns `a`…`f` hold for each.
    enum EffectKind: Int {
        /// a device, b key id, c timestamp, d/e/f number/text/bool: the newer value wins.
        case latest = 0
        /// a device, b timestamp, e metadata text.
        case metadata = 1
        /// a scope, b bucket, c points to add (see `telemetry_counts`).
        case count = 2
        /// a device, b timestamp: `last_seen` only moves forward.
        case seen = 3
    }

    /// Columns a row of `telemetry_write_effects` binds.
    private static let effectColumns = 7
    /// Rows per statement, within SQLite's 32,766 bound variables.
    private static let effectRowsPerStatement = 4000

    /// Applies the effects of a write inside the caller's transaction; values must be inserted already so that
    /// `delta` counts what was new.
    static func applyEffects(
        of batch: TelemetryBatch, ids: [String: Int64], delta: CountDelta, lastSeen: [Int64: Int64], on connection: isolated SQLiteHandle
    ) async throws {
        var binds: [SQLiteData] = []
        binds.reserveCapacity(
            (batch.latest.count + batch.metadata.count + delta.byDevice.count + delta.byMinute.count + lastSeen.count) * Self.effectColumns)
        for row in batch.latest {
            binds.append(contentsOf: [
                .integer(EffectKind.latest.rawValue), .int(row.deviceID), .int(try TelemetryBatch.keyID(row.key, in: ids)), .int(row.timestamp),
            ])
            Self.appendValue(row.value, to: &binds)
        }
        for entry in batch.metadata {
            binds.append(contentsOf: [
                .integer(EffectKind.metadata.rawValue), .int(entry.deviceID), .int(entry.timestamp), .null, .null, .text(entry.text), .null,
            ])
        }
        Self.appendCounts(delta, sign: 1, to: &binds)
        for (deviceID, timestamp) in lastSeen.sorted(by: { $0.key < $1.key }) {
            binds.append(contentsOf: [.integer(EffectKind.seen.rawValue), .int(deviceID), .int(timestamp), .null, .null, .null, .null])
        }
        try await Self.insertEffects(binds, on: connection)
    }

    /// Counter rows: `delta` times `sign` (-1 for deletes) per device and per recent minute.
    static func appendCounts(_ delta: CountDelta, sign: Int, to binds: inout [SQLiteData]) {
        for (deviceID, count) in delta.byDevice.sorted(by: { $0.key < $1.key }) {
            binds.append(contentsOf: [
                .integer(EffectKind.count.rawValue), .integer(Self.deviceScope), .int(deviceID), .integer(sign * count), .null, .null, .null,
            ])
        }
        for (minute, count) in delta.byMinute.sorted(by: { $0.key < $1.key }) {
            binds.append(contentsOf: [
                .integer(EffectKind.count.rawValue), .integer(Self.minuteScope), .int(minute), .integer(sign * count), .null, .null, .null,
            ])
        }
    }

    /// Inserts effect rows (``effectColumns`` binds each) into the view, in statements of at most
    /// ``effectRowsPerStatement`` rows.
    static func insertEffects(_ binds: [SQLiteData], on connection: isolated SQLiteHandle) async throws {
        let rows = binds.count / Self.effectColumns
        var start = 0
        while start < rows {
            let count = min(Self.effectRowsPerStatement, rows - start)
            _ = try await connection.query(
                "INSERT INTO telemetry_write_effects (kind, a, b, c, d, e, f) VALUES "
                    + Array(repeating: "(?, ?, ?, ?, ?, ?, ?)", count: count).joined(separator: ", "),
                Array(binds[(start * Self.effectColumns)..<((start + count) * Self.effectColumns)])
            )
            start += count
        }
    }

    /// A value as the three columns `num_value`, `str_value`, `bool_value`, two of them null.
    static func appendValue(_ value: TelemetryValue, to binds: inout [SQLiteData]) {
        switch value {
        case .number(let number): binds.append(contentsOf: [.float(number), .null, .null])
        case .string(let string): binds.append(contentsOf: [.null, .text(string), .null])
        case .bool(let bool): binds.append(contentsOf: [.null, .null, .integer(bool ? 1 : 0)])
        }
    }
}
