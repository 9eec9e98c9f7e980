/// A validated `limit`/`offset` pair.
public struct Paging: Sendable, Equatable {
    /// Page size after clamping.
    public var limit: Int
    /// Items to skip.
    public var offset: Int

    /// Creates a page.
    public init(limit: Int, offset: Int) {
        self.limit = limit
        self.offset = offset
    }

    /// Parses query values: limit defaults to `defaultLimit`, is clamped to `maximum`, below 1 or not an integer is 400.
    public static func parse(limit: String?, offset: String?, defaultLimit: Int = 100, maximum: Int = 1000) throws(IoTFlowError) -> Paging {
        var pageLimit = defaultLimit
        if let limit {
            guard let value = Int(limit.trimmingSpaces), value >= 1 else {
                throw .badRequest("'limit' must be an integer of at least 1.")
            }
            pageLimit = min(value, maximum)
        }
        var pageOffset = 0
        if let offset {
            guard let value = Int(offset.trimmingSpaces), value >= 0 else {
                throw .badRequest("'offset' must be an integer of at least 0.")
            }
            pageOffset = value
        }
        return Paging(limit: pageLimit, offset: pageOffset)
    }

    /// The `meta` object of a list answer.
    public func meta(total: Int, returned: Int) -> JSONValue {
        ["total": .integer(total), "limit": .integer(self.limit), "offset": .integer(self.offset), "returned": .integer(returned)]
    }
}
