/// What a device sent in one request (HTTP or MQTT), validated for shape and size but not yet dated:
/// points without a timestamp are stamped by the service, which also checks the time range.
public struct TelemetrySubmission: Sendable, Equatable {
    /// The points, in the order sent.
    public var points: [SubmittedPoint]

    /// Creates a submission.
    public init(points: [SubmittedPoint]) {
        self.points = points
    }

    /// Latest timestamp accepted, relative to now: one day ahead (API.md).
    public static let maxFutureMilliseconds: Int64 = 86_400_000

    /// Points without a timestamp, to be stamped by the server.
    public var undatedCount: Int { self.points.count { $0.timestamp == nil } }

    /// The points with times resolved against `now` and checked (not before 1970, at most a day ahead); undated
    /// points get consecutive stamps from `firstStamp` on, so none of them shares a millisecond.
    public func dated(now: Int64, firstStamp: Int64) throws(IoTFlowError) -> [TelemetryPoint] {
        var stamp = firstStamp
        var points: [TelemetryPoint] = []
        points.reserveCapacity(self.points.count)
        for (index, point) in self.points.enumerated() {
            let timestamp: Int64
            if let spec = point.timestamp {
                timestamp = spec.resolve(now: now)
                let field = self.points.count > 1 ? "points[\(index)].timestamp" : "timestamp"
                guard timestamp >= 0 else { throw .badRequest("Field '\(field)' is before 1970.") }
                guard timestamp <= now + Self.maxFutureMilliseconds else {
                    throw .badRequest("Field '\(field)' is more than one day in the future.")
                }
            } else {
                timestamp = stamp
                stamp += 1
            }
            points.append(TelemetryPoint(timestamp: timestamp, values: point.values, metadata: point.metadata))
        }
        return points
    }

    /// Every key named by the points.
    public var keyNames: Set<String> {
        var names = Set<String>()
        for point in self.points {
            for (key, _) in point.values { names.insert(key) }
        }
        return names
    }
}

/// One point of a submission.
public struct SubmittedPoint: Sendable, Equatable {
    /// When it was measured, as sent; nil for "stamp it with the server's time".
    public var timestamp: TimeSpec?
    /// Non-null values by key, in the order sent.
    public var values: [(key: String, value: TelemetryValue)]
    /// Its metadata as compact JSON, when sent and not empty.
    public var metadata: String?

    /// Creates a point.
    public init(timestamp: TimeSpec?, values: [(key: String, value: TelemetryValue)], metadata: String? = nil) {
        self.timestamp = timestamp
        self.values = values
        self.metadata = metadata
    }

    public static func == (lhs: SubmittedPoint, rhs: SubmittedPoint) -> Bool {
        lhs.timestamp == rhs.timestamp && lhs.metadata == rhs.metadata && lhs.values.map(\.key) == rhs.values.map(\.key)
            && lhs.values.map(\.value) == rhs.values.map(\.value)
    }
}
