/// How the server applies a `BATCH`.
public enum CassandraBatchKind: UInt8, Sendable {
    /// Written to the batch log first, so that all or none of the statements apply eventually.
    case logged = 0
    /// No batch log: cheaper, but a partial failure leaves some statements applied.
    case unlogged = 1
    /// Counter updates only.
    case counter = 2
}
