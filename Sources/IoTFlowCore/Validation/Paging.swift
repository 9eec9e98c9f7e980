/// A page of a list after an endpoint's rules: `limit` defaulted and clamped, `offset` at least 0.
public struct Paging: Sendable, Equatable {
    /// Default page size of list endpoints (API.md).
    public static let defaultLimit = 100
    /// Largest page size of list endpoints unless one says otherwise (API.md).
    public static let defaultMaximum = 1000

    /// Page size after clamping.
    public var limit: Int
    /// Items to skip.
    public var offset: Int

    /// Creates a page.
    public init(limit: Int, offset: Int) {
        self.limit = limit
        self.offset = offset
    }
}

/// One page of a list and the total number of matching items.
public struct Page<Item: Sendable>: Sendable {
    /// The items of this page.
    public var items: [Item]
    /// Items matching the filter in all pages.
    public var total: Int
    /// The page that was read.
    public var paging: Paging

    /// Creates a page.
    public init(items: [Item], total: Int, paging: Paging) {
        self.items = items
        self.total = total
        self.paging = paging
    }
}
