import Foundation

/// One line of the MQTT bench's table.
struct MQTTBenchRow {
    let target: String
    let qos: UInt8
    /// Messages per second (see the bench's discussion for what each row counts).
    let rate: Double
    let tallies: [MQTTBenchTally]
    /// Whether this row is a broker relaying rather than IoTFlow storing.
    let isRelay: Bool
    let stored: String
    let storedOK: Bool

    static func render(_ rows: [MQTTBenchRow], connections: Int, window: Int, machine: MachineFacts) -> String {
        var lines = [
            "MQTT ingest: \(connections) publisher connections, QoS 1 window \(window), \(machine.cores) cores, \(machine.buildConfiguration) build",
            "",
            "target                              qos   msgs/s   p50 ms   p99 ms  stored",
            "----------------------------------  ---  -------  -------  -------  ------------------------",
        ]
        for row in rows {
            let latency = LatencySummary(nanoseconds: row.tallies.flatMap(\.latencies))
            let p50 = row.qos == 0 ? "-" : BenchReport.format(latency.p50, 2)
            let p99 = row.qos == 0 ? "-" : BenchReport.format(latency.p99, 2)
            lines.append(
                row.target.padding(toLength: 34, withPad: " ", startingAt: 0) + "  " + String(row.qos).leftPadded(3) + "  "
                    + BenchReport.format(row.rate, 0).leftPadded(7) + "  " + p50.leftPadded(7) + "  " + p99.leftPadded(7) + "  "
                    + row.stored + (row.storedOK ? "" : "  MISMATCH"))
        }
        for qos in [UInt8(0), 1] {
            if let ours = rows.first(where: { $0.qos == qos && !$0.isRelay }), let broker = rows.first(where: { $0.qos == qos && $0.isRelay }),
                broker.rate > 0
            {
                lines.append("QoS \(qos): iotflow stores \(BenchReport.format(ours.rate / broker.rate, 2))x the messages/s mosquitto relays")
            }
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        self.count >= width ? self : String(repeating: " ", count: width - self.count) + self
    }
}
