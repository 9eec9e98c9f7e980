import SQLiteNIO

/// The column names of one result, shared by all its rows.
final class SQLiteColumnNames: Sendable {
    let names: [String]

    init(_ names: [String]) {
        self.names = names
    }

    /// Position of the first column called `name`; results have a handful of columns, so a scan beats hashing.
    func index(of name: String) -> Int? {
        self.names.firstIndex(of: name)
    }
}

/// One row of a result, its values copied out of SQLite.
struct SQLiteRecord: Sendable {
    let columns: SQLiteColumnNames
    let values: [SQLiteData]

    /// The value of the column called `name`, nil when the result has no such column.
    func column(_ name: String) -> SQLiteData? {
        self.columns.index(of: name).map { self.values[$0] }
    }

    func int64(_ name: String) -> Int64? {
        guard let data = self.column(name), !data.isNull else { return nil }
        return data.integer.map(Int64.init)
    }

    func int(_ name: String) -> Int {
        self.column(name)?.integer ?? 0
    }

    func string(_ name: String) -> String? {
        guard let data = self.column(name), !data.isNull else { return nil }
        return data.string
    }

    func bool(_ name: String) -> Bool {
        (self.column(name)?.integer ?? 0) != 0
    }

    func double(_ name: String) -> Double? {
        guard let data = self.column(name), !data.isNull else { return nil }
        return data.double
    }
}
