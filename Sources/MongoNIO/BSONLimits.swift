/// Bounds the decoder enforces, so that bytes from the network cannot make it allocate or recurse without limit.
public struct BSONLimits: Sendable, Hashable {
    /// The largest top-level document accepted, in bytes, length prefix and terminator included.
    public var maxDocumentSize: Int
    /// The deepest nesting accepted: the top-level document is depth 1, and each embedded document, array or
    /// code-with-scope scope inside it adds one.
    public var maxDepth: Int

    /// Creates limits; the defaults are MongoDB's 16 MiB document size and a depth of 100.
    public init(maxDocumentSize: Int = 16 * 1024 * 1024, maxDepth: Int = 100) {
        self.maxDocumentSize = maxDocumentSize
        self.maxDepth = maxDepth
    }
}
