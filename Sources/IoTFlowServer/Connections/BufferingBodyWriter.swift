import Hummingbird
import NIOCore

/// Collects a response body in memory: the answer to a refused upgrade request is small (a JSON error) and is sent
/// by ``RefusedUpgradeAnswer`` outside Hummingbird's response writer.
final class BufferingBodyWriter: ResponseBodyWriter {
    /// The body written so far.
    private(set) var buffer = ByteBuffer()

    func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        self.buffer.writeBuffer(&buffer)
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
