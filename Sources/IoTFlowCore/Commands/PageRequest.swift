/// The `limit` and `offset` a client asked for, before an endpoint applies its default and maximum.
public struct PageRequest: Sendable, Equatable {
    /// Requested page size (at least 1), nil for the endpoint's default.
    public var limit: Int?
    /// Items to skip (at least 0).
    public var offset: Int

    /// Creates a request; the boundary has already checked `limit >= 1` and `offset >= 0`.
    public init(limit: Int? = nil, offset: Int = 0) {
        self.limit = limit
        self.offset = offset
    }

    /// The page after the endpoint's rule: default when absent, clamped to `maximum`.
    public func paging(defaultLimit: Int = Paging.defaultLimit, maximum: Int = Paging.defaultMaximum) -> Paging {
        Paging(limit: min(self.limit ?? defaultLimit, maximum), offset: self.offset)
    }
}
