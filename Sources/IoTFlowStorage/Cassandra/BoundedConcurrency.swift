/// Runs independent statements together, a bounded number at a time: Cassandra serves many requests in flight on
/// one connection, and a write is acknowledged only when every one of its statements is.
enum BoundedConcurrency {
    /// Results of `body` for every item, in the items' order; the first error cancels the rest and is thrown.
    static func map<Item: Sendable, Result: Sendable>(
        _ items: [Item], width: Int = 64, _ body: @escaping @Sendable (Item) async throws -> Result
    ) async throws -> [Result] {
        guard items.count > 1 else { return try await items.asyncMap(body) }
        return try await withThrowingTaskGroup(of: (Int, Result).self) { group in
            var results = [Result?](repeating: nil, count: items.count)
            var next = 0
            while next < min(width, items.count) {
                let (index, item) = (next, items[next])
                group.addTask { (index, try await body(item)) }
                next += 1
            }
            while let (index, result) = try await group.next() {
                results[index] = result
                if next < items.count {
                    let (index, item) = (next, items[next])
                    group.addTask { (index, try await body(item)) }
                    next += 1
                }
            }
            return results.map { $0! }
        }
    }
}

extension Array {
    /// `map` with an async transform, one element after the other.
    fileprivate func asyncMap<Result>(_ transform: (Element) async throws -> Result) async throws -> [Result] {
        var results: [Result] = []
        results.reserveCapacity(self.count)
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
