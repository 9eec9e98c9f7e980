/// Metadata keys of the connection handlers' log messages.
enum ConnectionLoggingKey {
    /// Why the server closed the connection (`ConnectionCloseReason`'s label).
    static let reason = "connection.close_reason"
    /// The client's address.
    static let remoteAddress = "connection.remote_address"
}
