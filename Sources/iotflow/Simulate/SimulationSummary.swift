import Foundation
import IoTFlowCore

/// The end of a run: a table for people, or one JSON object for machines (`--json`).
struct SimulationSummary: Sendable {
    let server: ServerURL
    let transport: String
    let devices: Int
    let groups: Int
    let targetRate: Double
    let seconds: Double
    let tally: SimulationTally.Snapshot
    let checks: [CheckResult]
    let interrupted: Bool
    /// nil without `--cleanup`; otherwise what could not be deleted (empty: everything was).
    let cleanupFailures: [String]?

    var passed: Bool { self.checks.allSatisfy(\.passed) && (self.cleanupFailures?.isEmpty ?? true) }
    var achievedRate: Double { self.seconds > 0 ? Double(self.tally.acknowledged) / self.seconds : 0 }

    func table() -> String {
        var lines = [
            "IoTFlow simulation of \(self.server) over \(self.transport)\(self.interrupted ? " (stopped early by Ctrl-C)" : "")",
            "",
            Self.row("devices / groups", "\(self.devices) / \(self.groups)"),
            Self.row("duration", String(format: "%.1f s", self.seconds)),
            Self.row("rate", String(format: "%.1f points/s acknowledged (target %.1f)", self.achievedRate, self.targetRate)),
            Self.row("sent / acknowledged", "\(self.tally.sent) / \(self.tally.acknowledged)"),
            Self.row("errors", "\(self.tally.errorCount)"),
            Self.row(
                "latency",
                String(
                    format: "p50 %.1f ms · p90 %.1f ms · p99 %.1f ms · max %.1f ms", self.tally.latency(0.5), self.tally.latency(0.9),
                    self.tally.latency(0.99), self.tally.latency(1))),
            "",
        ]
        for check in self.checks {
            lines.append(Self.row((check.passed ? "PASS " : "FAIL ") + check.name, check.detail))
        }
        if let failures = self.cleanupFailures {
            lines.append(
                Self.row(
                    failures.isEmpty ? "PASS cleanup" : "FAIL cleanup",
                    failures.isEmpty ? "everything created was deleted" : failures.joined(separator: "; ")))
        }
        lines.append("")
        lines.append(self.passed ? "all checks passed" : "some checks failed")
        return lines.joined(separator: "\n")
    }

    func json() -> String {
        var object: JSONObject = [
            "url": .string(self.server.description), "protocol": .string(self.transport), "devices": .int(Int64(self.devices)),
            "groups": .int(Int64(self.groups)), "duration_s": .double(self.seconds), "target_rate": .double(self.targetRate),
            "achieved_rate": .double(self.achievedRate), "sent": .int(Int64(self.tally.sent)), "acknowledged": .int(Int64(self.tally.acknowledged)),
            "errors": .int(Int64(self.tally.errorCount)),
            "latency_ms": [
                "p50": .double(self.tally.latency(0.5)), "p90": .double(self.tally.latency(0.9)), "p99": .double(self.tally.latency(0.99)),
                "max": .double(self.tally.latency(1)),
            ],
            "checks": .array(
                self.checks.map { check -> JSONValue in ["name": .string(check.name), "passed": .bool(check.passed), "detail": .string(check.detail)]
                }),
            "interrupted": .bool(self.interrupted), "passed": .bool(self.passed),
        ]
        if let failures = self.cleanupFailures {
            object["cleanup"] = ["passed": .bool(failures.isEmpty), "failures": .array(failures.map { .string($0) })]
        }
        return JSONWriter.string(.object(object))
    }

    private static func row(_ name: String, _ value: String) -> String {
        name.padding(toLength: max(26, name.count + 2), withPad: " ", startingAt: 0) + value
    }
}
