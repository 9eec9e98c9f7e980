/// What an update did.
public struct MongoUpdateResult: Sendable, Hashable {
    /// How many documents matched the filter.
    public var matchedCount: Int
    /// How many of them the update changed (a document already as the update wants it is not counted).
    public var modifiedCount: Int
    /// The `_id` of the document an upsert inserted, when it inserted one.
    public var upsertedID: BSONValue?

    /// Creates a result.
    public init(matchedCount: Int, modifiedCount: Int, upsertedID: BSONValue? = nil) {
        self.matchedCount = matchedCount
        self.modifiedCount = modifiedCount
        self.upsertedID = upsertedID
    }
}
