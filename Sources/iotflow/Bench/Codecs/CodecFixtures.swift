import IoTFlowCore

/// Inputs of the codec benchmark, built once and deterministic.
enum CodecFixtures {
    /// The bench's fixed "now": 2026-11-29T12:00:00Z, so every body's timestamps pass validation.
    static let now: Int64 = 1_795_953_600_000

    /// The single-point body as a device sends it.
    static let singleBody = #"{"data":{"temperature":21.5,"humidity":40,"status":"ok"},"timestamp":"2026-11-29T10:15:30.123Z"}"#

    /// A `{"points":[…]}` body of `count` points with 3 to 5 keys each (numbers, strings, booleans), the
    /// timestamps alternately ISO 8601 strings and epoch-ms integers, 100 ms apart.
    static func batchBody(points count: Int) -> String {
        var text = #"{"points":["#
        let first = Self.now - 3_600_000
        for index in 0..<count {
            if index > 0 { text += "," }
            let timestamp = first + Int64(index) * 100
            let temperature = "\(20 + index % 7).\(index % 10)\(index % 3)"
            var data = #""temperature":\#(temperature),"humidity":\#(35 + index % 20),"status":"\#(index % 11 == 0 ? "warn" : "ok")""#
            if index % 3 >= 1 { data += #","door_open":\#(index % 2 == 0)"# }
            if index % 3 == 2 { data += #","battery":3.\#(70 + index % 29)"# }
            let stamp = index % 2 == 0 ? "\"\(ISO8601.format(milliseconds: timestamp))\"" : String(timestamp)
            text += #"{"data":{\#(data)},"timestamp":\#(stamp)}"#
        }
        return text + "]}"
    }

    /// Bodies that are only checked, not timed: the corners the three decoders must agree on.
    static let equivalenceBodies = [
        #"{"data":{"a":null,"b":-0.5,"c":1e3,"d":"caf\u00e9 \"q\"","e":true,"f":12345678901234567890},"timestamp":1795950000000}"#,
        #"{"data":{"t":1},"timestamp":"-5m","metadata":{"site":"north/1","tags":["x",1,null,{"k":false}]}}"#,
        #"{"points":[{"data":{"t":1.25},"timestamp":1795950000000.0},{"data":{"t":"x"},"metadata":{}}]}"#,
    ]

    /// `count` history rows, 1 s apart, each with temperature (fractional), humidity (integral) and status.
    static func historyEntries(_ count: Int) -> [TelemetryEntry] {
        let first = Self.now - Int64(count) * 1000
        return (0..<count).map { index -> TelemetryEntry in
            let humidity = Double(35 + index % 20)
            let temperature: Double = 20 + Double(index % 97) / 8 + 0.01
            let status = index % 11 == 0 ? "warn" : "ok"
            let measurements: [(key: String, value: TelemetryValue)] = [
                ("humidity", .number(humidity)), ("status", .string(status)), ("temperature", .number(temperature)),
            ]
            return TelemetryEntry(timestamp: first + Int64(index) * 1000 + Int64(index * 7 % 1000), measurements: measurements, metadata: nil)
        }
    }

    /// A registered user as the register answer shows it (never logged in yet).
    static let user = User(
        id: 42, publicID: "5f0c6a2e9b7d4c1a8e3f2b6d0a9c7e14", username: "alice", email: "alice@example.com", passwordHash: "",
        isActive: true, isAdmin: false, createdAt: now, updatedAt: now, lastLogin: nil
    )

    /// What the register answer carries as the token.
    static let token = "iot_" + String(repeating: "7f3a9c", count: 7)

    /// A login body.
    static let loginBody = #"{"username":"alice","password":"correct horse battery staple"}"#

    /// 10,000 epoch-ms timestamps spread over a year before ``now`` with varying milliseconds.
    static let timestamps: [Int64] = (0..<10_000).map { index -> Int64 in
        let start: Int64 = Self.now - 31_536_000_000
        return start + Int64(index) * 3_153_600 + Int64(index * 7919 % 1000)
    }
}
