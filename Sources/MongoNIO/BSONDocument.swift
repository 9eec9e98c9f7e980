/// A BSON document: fields in order, as MongoDB needs for commands, whose first field names the command.
///
/// Equality is order-sensitive, as the bytes are. Lookups are linear, which for the small documents of a driver beats
/// hashing. A decoded document keeps duplicate keys as the bytes had them; the subscript sees the first.
public struct BSONDocument: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// A field: its key and value.
    public typealias Element = (key: String, value: BSONValue)

    private(set) var fields: [Element]

    /// Creates an empty document.
    public init() {
        self.fields = []
    }

    /// Creates a document with these fields in this order, duplicates kept.
    public init(_ pairs: [(String, BSONValue)]) {
        self.fields = pairs.map { (key: $0.0, value: $0.1) }
    }

    /// Creates a document from a literal, fields in the literal's order; traps on a duplicate key, as `Dictionary` does.
    public init(dictionaryLiteral elements: (String, BSONValue)...) {
        self.init(literal: elements)
    }

    init(literal elements: [(String, BSONValue)]) {
        var seen = Set<String>()
        for (key, _) in elements {
            precondition(seen.insert(key).inserted, "duplicate key \"\(key)\" in a BSON document literal")
        }
        self.init(elements)
    }

    init(fields: [Element]) {
        self.fields = fields
    }

    /// The value of the first field with this key. Setting replaces that field's value in place, or appends a field
    /// when there is none; setting `nil` removes every field with the key.
    public subscript(key: String) -> BSONValue? {
        get {
            self.fields.first { $0.key == key }?.value
        }
        set {
            guard let newValue else {
                self.fields.removeAll { $0.key == key }
                return
            }
            if let index = self.fields.firstIndex(where: { $0.key == key }) {
                self.fields[index].value = newValue
            } else {
                self.fields.append((key: key, value: newValue))
            }
        }
    }

    /// The keys in order.
    public var keys: [String] {
        self.fields.map(\.key)
    }

    /// The values in order.
    public var values: [BSONValue] {
        self.fields.map(\.value)
    }

    /// The number of fields.
    public var count: Int {
        self.fields.count
    }

    /// Whether the document has no fields.
    public var isEmpty: Bool {
        self.fields.isEmpty
    }

    /// Iterates over the fields in order.
    public func makeIterator() -> IndexingIterator<[Element]> {
        self.fields.makeIterator()
    }

    /// Whether both have the same fields in the same order.
    public static func == (lhs: BSONDocument, rhs: BSONDocument) -> Bool {
        lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    /// Hashes the fields in order.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.fields.count)
        for field in self.fields {
            hasher.combine(field.key)
            hasher.combine(field.value)
        }
    }
}
