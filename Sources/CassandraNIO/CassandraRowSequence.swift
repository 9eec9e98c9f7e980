/// The rows of a paged SELECT as an async sequence; each page is fetched with EXECUTE when the previous one is used up.
public struct CassandraRowSequence: AsyncSequence, Sendable {
    /// Each element is one row.
    public typealias Element = CassandraRow

    private let client: CassandraClient
    private let cql: String
    private let values: [CassandraValue]
    private let pageSize: Int32
    private let options: CassandraQueryOptions

    init(client: CassandraClient, cql: String, values: [CassandraValue], pageSize: Int32, options: CassandraQueryOptions) {
        self.client = client
        self.cql = cql
        self.values = values
        self.pageSize = pageSize
        self.options = options
    }

    /// Starts at the paging state of `options`, if any, else at the first row.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(sequence: self, pagingState: self.options.pagingState)
    }

    /// Walks the rows, fetching a page at a time.
    public struct AsyncIterator: AsyncIteratorProtocol {
        private let sequence: CassandraRowSequence
        private var page: [CassandraRow] = []
        private var position = 0
        private var pagingState: [UInt8]?
        private var isLastPage = false

        init(sequence: CassandraRowSequence, pagingState: [UInt8]?) {
            self.sequence = sequence
            self.pagingState = pagingState
        }

        /// The next row, fetching the next page when this one is used up; `nil` after the last row.
        public mutating func next() async throws -> CassandraRow? {
            // A page may come back empty with more pages behind it, so keep fetching until a row or the end.
            while self.position == self.page.count {
                guard !self.isLastPage else {
                    return nil
                }
                var options = self.sequence.options
                options.pageSize = self.sequence.pageSize
                options.pagingState = self.pagingState
                let result = try await self.sequence.client.execute(self.sequence.cql, self.sequence.values, options: options)
                guard case .rows(let rows) = result else {
                    // Not a SELECT: there are no rows to walk.
                    self.isLastPage = true
                    self.page = []
                    self.position = 0
                    return nil
                }
                self.page = rows.rows
                self.position = 0
                self.pagingState = rows.pagingState
                self.isLastPage = rows.pagingState == nil
            }
            defer { self.position += 1 }
            return self.page[self.position]
        }
    }
}
