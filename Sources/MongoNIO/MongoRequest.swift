import NIOCore

/// What `MongoConnection` writes into the channel: one command, the promise its answer completes, and how long the
/// answer may take.
///
/// The write promise succeeds once the handler has accepted the command and fails when it refused it (the answer
/// promise fails too, with the same error); a write that never reaches the handler (the channel is already closed)
/// fails it as well.
struct MongoRequest: Sendable {
    /// The command document, `$db` included.
    var body: BSONDocument
    /// Kind-1 sections, e.g. the `documents` of an `insert`.
    var sequences: [MongoDocumentSequence]
    var promise: EventLoopPromise<BSONDocument>
    var timeout: TimeAmount
}
