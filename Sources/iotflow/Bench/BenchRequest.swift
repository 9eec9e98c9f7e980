import NIOCore
import NIOHTTP1

/// One HTTP request as the load generator sends it: a head whose headers are built once and a body
/// buffer that is written as is (a `ByteBuffer` is a value, so sending it does not consume it).
struct BenchRequest: Sendable {
    /// Request line and headers (with `Content-Length` when there is a body).
    var head: HTTPRequestHead
    /// The body, if any.
    var body: ByteBuffer?

    /// A request to the server at `authority` (`host:port`) with `headers` added to `Host` and, for a body,
    /// `Content-Type` and `Content-Length`.
    init(method: HTTPMethod, path: String, authority: String, headers: [(String, String)] = [], body: ByteBuffer? = nil) {
        var fields = HTTPHeaders([("Host", authority)])
        for (name, value) in headers { fields.add(name: name, value: value) }
        if let body {
            fields.add(name: "Content-Type", value: "application/json")
            fields.add(name: "Content-Length", value: String(body.readableBytes))
        }
        self.head = HTTPRequestHead(version: .http1_1, method: method, uri: path, headers: fields)
        self.body = body
    }

    /// The same request with another body (and its length).
    func replacingBody(_ body: ByteBuffer) -> BenchRequest {
        var copy = self
        copy.head.headers.replaceOrAdd(name: "Content-Length", value: String(body.readableBytes))
        copy.body = body
        return copy
    }
}

/// Hands a connection its next request; each connection owns one and uses it on its event loop only.
protocol BenchRequestSource {
    /// The request to send next.
    mutating func next() -> BenchRequest
    /// Points of telemetry each request carries (0 for reads).
    var pointsPerRequest: Int { get }
    /// The last request was answered 2xx at `at`.
    mutating func acknowledged(at: NIODeadline)
}

extension BenchRequestSource {
    /// Most sources do not care when their requests were answered.
    mutating func acknowledged(at: NIODeadline) {}
}

/// Sends the same request again and again (reads and the no-op route).
struct RepeatedRequestSource: BenchRequestSource {
    let request: BenchRequest
    var pointsPerRequest: Int { 0 }

    mutating func next() -> BenchRequest {
        self.request
    }
}

/// Telemetry writes of one device: `batchSize` points a request (1: the single-point body
/// `{"data":…,"timestamp":…}`, more: `{"points":[…]}`), every point 1 ms after the previous one, so no two
/// points of the device share a timestamp and every acknowledged point is really stored.
struct TelemetryWriteSource: BenchRequestSource {
    /// The request whose body is replaced each time (method, path, device key).
    let template: BenchRequest
    let batchSize: Int
    /// Timestamp (epoch ms) of the next point.
    var nextTimestamp: Int64
    /// Where acknowledged single points are reported, with the device that wrote them (stream latency).
    let streams: (recorder: StreamLatencyRecorder, deviceID: Int64)?
    private let allocator = ByteBufferAllocator()

    init(template: BenchRequest, batchSize: Int, firstTimestamp: Int64, streams: (recorder: StreamLatencyRecorder, deviceID: Int64)? = nil) {
        self.template = template
        self.batchSize = batchSize
        self.nextTimestamp = firstTimestamp
        self.streams = streams
    }

    /// A single point's write was answered: its frame's latency counts from now. (One request is in flight per
    /// connection, so the answer is to the point sent last.)
    mutating func acknowledged(at: NIODeadline) {
        guard self.batchSize == 1, let streams else { return }
        streams.recorder.acknowledged(deviceID: streams.deviceID, timestamp: self.nextTimestamp - 1, at: at)
    }

    var pointsPerRequest: Int { self.batchSize }

    mutating func next() -> BenchRequest {
        var body = self.allocator.buffer(capacity: 24 + self.batchSize * 72)
        if self.batchSize == 1 {
            Self.writePoint(timestamp: self.nextTimestamp, into: &body)
            self.nextTimestamp += 1
        } else {
            body.writeStaticString("{\"points\":[")
            for index in 0..<self.batchSize {
                if index > 0 { body.writeStaticString(",") }
                Self.writePoint(timestamp: self.nextTimestamp, into: &body)
                self.nextTimestamp += 1
            }
            body.writeStaticString("]}")
        }
        return self.template.replacingBody(body)
    }

    /// The body of the single-point write, with an explicit timestamp.
    static func writePoint(timestamp: Int64, into buffer: inout ByteBuffer) {
        buffer.writeStaticString("{\"data\":{\"temperature\":21.5,\"humidity\":40},\"timestamp\":")
        buffer.writeString(String(timestamp))
        buffer.writeStaticString("}")
    }
}
