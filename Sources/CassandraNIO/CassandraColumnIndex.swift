/// Finds a column's position by name; one instance is shared by every row of a result.
final class CassandraColumnIndex: Sendable {
    let columns: [CassandraColumn]
    private let positions: [String: Int]

    init(columns: [CassandraColumn]) {
        self.columns = columns
        var positions: [String: Int] = [:]
        // The first of two equally named columns wins, as `SELECT a, a` users would expect.
        for (position, column) in columns.enumerated() where positions[column.name] == nil {
            positions[column.name] = position
        }
        self.positions = positions
    }

    func position(of name: String) -> Int? {
        self.positions[name]
    }
}
