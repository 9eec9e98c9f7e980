import NIOCore

/// What `CassandraConnection` writes into the channel: one encoded request frame and the promise for its answer.
struct CassandraChannelRequest {
    /// A complete request frame with stream id 0; the handler writes the stream id it allocates into it.
    var frame: ByteBuffer
    var promise: EventLoopPromise<CassandraFrame>
    var timeout: TimeAmount
}
