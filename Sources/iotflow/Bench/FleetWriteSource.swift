import NIOCore

/// Single-point writes that rotate over many devices: connection `c` of `n` writes devices `c`, `c + n`, `c + 2n`, …
/// in turn, each request with that device's key, each device's points 1 ms apart. The fleet scenario uses it to
/// spread the load (and one stream subscriber each) over a thousand devices instead of sixteen.
struct FleetWriteSource: BenchRequestSource {
    let authority: String
    /// This connection's devices.
    let devices: [BenchSession.Device]
    /// Timestamp (epoch ms) of each device's next point.
    private var nextTimestamps: [Int64]
    private var position = 0
    /// The device and timestamp of the point sent last (one request is in flight per connection).
    private var lastSent: (deviceID: Int64, timestamp: Int64)?
    let recorder: StreamLatencyRecorder?
    private let allocator = ByteBufferAllocator()

    init(authority: String, devices: [BenchSession.Device], firstTimestamp: Int64, recorder: StreamLatencyRecorder?) {
        self.authority = authority
        self.devices = devices
        self.nextTimestamps = Array(repeating: firstTimestamp, count: devices.count)
        self.recorder = recorder
    }

    var pointsPerRequest: Int { 1 }

    mutating func next() -> BenchRequest {
        let index = self.position
        self.position = (self.position + 1) % self.devices.count
        let device = self.devices[index]
        var body = self.allocator.buffer(capacity: 96)
        TelemetryWriteSource.writePoint(timestamp: self.nextTimestamps[index], into: &body)
        self.lastSent = (Int64(device.id), self.nextTimestamps[index])
        self.nextTimestamps[index] += 1
        return BenchSession.telemetryPost(authority: self.authority, key: device.key).replacingBody(body)
    }

    mutating func acknowledged(at: NIODeadline) {
        guard let recorder, let lastSent else { return }
        recorder.acknowledged(deviceID: lastSent.deviceID, timestamp: lastSent.timestamp, at: at)
    }

    /// The devices connection `connection` of `connections` writes.
    static func slice(_ devices: [BenchSession.Device], connection: Int, of connections: Int) -> [BenchSession.Device] {
        stride(from: connection, to: devices.count, by: connections).map { devices[$0] }
    }
}
