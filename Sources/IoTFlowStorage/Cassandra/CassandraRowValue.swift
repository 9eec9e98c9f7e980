import CassandraNIO
import IoTFlowCore

/// How a telemetry value sits in the `num`, `str` and `flag` columns: exactly one of them is set.
enum CassandraRowValue {
    /// The value of a row's `num`, `str`, `flag` columns starting at `offset`; nil when none is set.
    static func value(_ row: CassandraRow, from offset: Int) -> TelemetryValue? {
        if let number = row[offset].double { return .number(number) }
        if let string = row[offset + 1].string { return .string(string) }
        if let flag = row[offset + 2].bool { return .bool(flag) }
        return nil
    }

    /// The three column values for `value`. The two unused ones are left unset when nothing of another kind can be
    /// in them (a new cell), and cleared with null only when the same cell may hold a value of another kind, since
    /// every null written is a tombstone Cassandra must keep and skip for a while.
    static func columns(_ value: TelemetryValue, clearing: Bool) -> [CassandraValue] {
        let empty: CassandraValue = clearing ? .null : .unset
        switch value {
        case .number(let number): return [.double(number), empty, empty]
        case .string(let string): return [empty, .text(string), empty]
        case .bool(let flag): return [empty, empty, .boolean(flag)]
        }
    }

    /// Whether two values are of the same kind, so writing one over the other needs no clearing.
    static func sameKind(_ first: TelemetryValue, _ second: TelemetryValue) -> Bool {
        switch (first, second) {
        case (.number, .number), (.string, .string), (.bool, .bool): true
        default: false
        }
    }
}
