/// One row of a result.
public struct CassandraRow: Sendable {
    /// The row's values, in column order.
    public let values: [CassandraValue]
    private let index: CassandraColumnIndex

    init(values: [CassandraValue], index: CassandraColumnIndex) {
        self.values = values
        self.index = index
    }

    /// The result's columns.
    public var columns: [CassandraColumn] {
        self.index.columns
    }

    /// The value of the column at `index`; traps when out of range, like an array.
    public subscript(_ index: Int) -> CassandraValue {
        self.values[index]
    }

    /// The value of the column named `name`, or `nil` when the result has no such column.
    public subscript(_ name: String) -> CassandraValue? {
        self.index.position(of: name).map { self.values[$0] }
    }
}
