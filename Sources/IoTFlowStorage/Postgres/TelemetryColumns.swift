import IoTFlowCore

/// Telemetry rows as parallel arrays, bound as one `UNNEST` per statement.
///
/// postgres-nio cannot bind arrays of optionals, so each row carries a value kind (0 number, 1 bool,
/// 2 string) and placeholders in the two columns it does not use; the SQL turns those into NULLs.
struct TelemetryColumns: Sendable {
    var deviceIDs: [Int64] = []
    var keyIDs: [Int64] = []
    var timestamps: [Int64] = []
    var kinds: [Int16] = []
    var numbers: [Double] = []
    var strings: [String] = []
    var bools: [Bool] = []

    /// The `SELECT` list turning the unnested columns `u(d, k, t, v, n, s, b)` back into nullable values.
    static let selectList = "u.d, u.k, u.t, CASE WHEN u.v = 0 THEN u.n END, CASE WHEN u.v = 2 THEN u.s END, CASE WHEN u.v = 1 THEN u.b END"

    /// Columns of `rows` with key names replaced by ids, sorted by (device, key, timestamp) so that
    /// concurrent writers lock rows in the same order and cannot deadlock.
    init(_ rows: [TelemetryBatch.Row], keyIDs: [String: Int64]) throws {
        let resolved = try rows.map { (row: $0, keyID: try TelemetryBatch.keyID($0.key, in: keyIDs)) }
            .sorted { ($0.row.deviceID, $0.keyID, $0.row.timestamp) < ($1.row.deviceID, $1.keyID, $1.row.timestamp) }
        self.deviceIDs.reserveCapacity(resolved.count)
        self.keyIDs.reserveCapacity(resolved.count)
        self.timestamps.reserveCapacity(resolved.count)
        self.kinds.reserveCapacity(resolved.count)
        self.numbers.reserveCapacity(resolved.count)
        self.strings.reserveCapacity(resolved.count)
        self.bools.reserveCapacity(resolved.count)
        for (row, keyID) in resolved {
            self.deviceIDs.append(row.deviceID)
            self.keyIDs.append(keyID)
            self.timestamps.append(row.timestamp)
            switch row.value {
            case .number(let number):
                self.append(kind: 0, number: number, string: "", bool: false)
            case .bool(let bool):
                self.append(kind: 1, number: 0, string: "", bool: bool)
            case .string(let string):
                self.append(kind: 2, number: 0, string: string, bool: false)
            }
        }
    }

    private mutating func append(kind: Int16, number: Double, string: String, bool: Bool) {
        self.kinds.append(kind)
        self.numbers.append(number)
        self.strings.append(string)
        self.bools.append(bool)
    }
}
