/// `POST /groups`: a new group of the calling user.
public struct CreateGroup: Sendable {
    /// Unique per owner, at most 100 bytes.
    public var name: String
    /// Free text.
    public var description: String?
    /// `#RRGGBB`; the default color when absent.
    public var color: String?

    /// Creates the command.
    public init(name: String, description: String? = nil, color: String? = nil) {
        self.name = name
        self.description = description
        self.color = color
    }
}

/// `PUT /groups/{id}`.
public struct GroupUpdate: Sendable {
    /// New name; null or empty is 400.
    public var name: FieldChange<String> = .unchanged
    /// New description; null or empty clears it.
    public var description: FieldChange<String> = .unchanged
    /// New color; null keeps the current one.
    public var color: FieldChange<String> = .unchanged

    /// An update that changes nothing yet.
    public init() {}
}
