/// An index to create with `MongoCollection.createIndexes`.
public struct MongoIndex: Sendable, Hashable {
    /// The index's name; `nil` lets the client name it from its keys, as drivers do (`a_1_b_-1`).
    public var name: String?
    /// The indexed fields in order, each with its direction (`1`, `-1`) or kind (`"text"`, `"2dsphere"`).
    public var keys: BSONDocument
    /// Refuses a second document with the same keys.
    public var unique: Bool
    /// Makes a TTL index: documents expire this many seconds after the date in the (single) key field.
    public var expireAfterSeconds: Int?
    /// Indexes only the documents that match this filter.
    public var partialFilterExpression: BSONDocument?

    /// Creates an index description.
    public init(
        keys: BSONDocument,
        name: String? = nil,
        unique: Bool = false,
        expireAfterSeconds: Int? = nil,
        partialFilterExpression: BSONDocument? = nil
    ) {
        self.keys = keys
        self.name = name
        self.unique = unique
        self.expireAfterSeconds = expireAfterSeconds
        self.partialFilterExpression = partialFilterExpression
    }

    /// The name the server knows the index by: `name`, or the keys and directions joined by underscores.
    public var resolvedName: String {
        if let name = self.name {
            return name
        }
        return self.keys.map { key, value in
            switch value {
            case .string(let kind):
                return "\(key)_\(kind)"
            default:
                return "\(key)_\(BSONValue.integer(value).map(String.init) ?? "1")"
            }
        }.joined(separator: "_")
    }

    /// The index's entry in a `createIndexes` command.
    var document: BSONDocument {
        var document: BSONDocument = ["key": .document(self.keys), "name": .string(self.resolvedName)]
        if self.unique {
            document["unique"] = .bool(true)
        }
        if let expireAfterSeconds = self.expireAfterSeconds {
            document["expireAfterSeconds"] = .int64(Int64(expireAfterSeconds))
        }
        if let partialFilterExpression = self.partialFilterExpression {
            document["partialFilterExpression"] = .document(partialFilterExpression)
        }
        return document
    }
}
