/// An OP_MSG kind-1 section: documents sent beside the body under an identifier naming the command field they stand
/// for, such as `documents` for an insert, without the 16 MiB limit of one BSON document around them.
public struct MongoDocumentSequence: Sendable, Hashable {
    /// The command field the documents belong to, e.g. `documents`, `updates` or `deletes`.
    public var identifier: String
    /// The documents, in order.
    public var documents: [BSONDocument]

    /// Creates a document sequence.
    public init(identifier: String, documents: [BSONDocument]) {
        self.identifier = identifier
        self.documents = documents
    }
}
