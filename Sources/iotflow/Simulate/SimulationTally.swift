import Foundation
import Synchronization

/// What the senders did so far, shared by the device tasks and the progress line.
final class SimulationTally: Sendable {
    struct Snapshot: Sendable {
        var sent = 0
        var acknowledged = 0
        /// Refused or failed points by reason ("HTTP 429", "PUBACK: no answer within 10.0 s", …).
        var errors: [String: Int] = [:]
        /// Send-to-acknowledgement latencies of acknowledged points, in milliseconds.
        var latencies: [Double] = []

        var errorCount: Int { self.errors.values.reduce(0, +) }

        /// The `fraction` percentile of the latencies (nearest rank), 0 when there are none.
        func latency(_ fraction: Double) -> Double {
            guard !self.latencies.isEmpty else { return 0 }
            let sorted = self.latencies.sorted()
            let rank = Int((fraction * Double(sorted.count)).rounded(.up))
            return sorted[max(0, min(sorted.count - 1, rank - 1))]
        }
    }

    private let state = Mutex(Snapshot())
    let started = ContinuousClock.now

    func record(_ outcome: SendOutcome, latency: Duration) {
        self.state.withLock { state in
            state.sent += 1
            switch outcome {
            case .acknowledged:
                state.acknowledged += 1
                state.latencies.append(Double(latency.components.seconds) * 1000 + Double(latency.components.attoseconds) / 1e15)
            case .refused(let reason), .failed(let reason):
                state.errors[String(reason.prefix(120)), default: 0] += 1
            }
        }
    }

    var snapshot: Snapshot { self.state.withLock { $0 } }

    var elapsedSeconds: Double {
        let elapsed = ContinuousClock.now - self.started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// `rate 49.8/s · sent 498 · acknowledged 498 · errors 0 · p50 1.2 ms · p99 4.0 ms · 10 s`
    func progressLine() -> String {
        let snapshot = self.snapshot
        let elapsed = self.elapsedSeconds
        let rate = elapsed > 0 ? Double(snapshot.acknowledged) / elapsed : 0
        return String(
            format: "rate %.1f/s · sent %d · acknowledged %d · errors %d · p50 %.1f ms · p99 %.1f ms · %.0f s", rate, snapshot.sent,
            snapshot.acknowledged, snapshot.errorCount, snapshot.latency(0.5), snapshot.latency(0.99), elapsed)
    }
}

/// Prints the tally while the run lasts: on a terminal one line rewritten twice a second, otherwise a plain line every
/// five seconds (logs and CI stay readable). Written to standard error, so `--json` on standard output stays clean.
struct ProgressPrinter: Sendable {
    let tally: SimulationTally
    let isTerminal = isatty(STDERR_FILENO) == 1

    func run() async {
        let interval: Duration = self.isTerminal ? .milliseconds(500) : .seconds(5)
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            if Task.isCancelled { break }
            self.print(self.tally.progressLine())
        }
    }

    /// The last state of the line, ended with a newline.
    func finish() {
        guard self.isTerminal else { return }
        self.print(self.tally.progressLine())
        FileHandle.standardError.write(Data("\n".utf8))
    }

    private func print(_ line: String) {
        let text = self.isTerminal ? "\r\u{1B}[2K" + line : "[simulate] " + line + "\n"
        FileHandle.standardError.write(Data(text.utf8))
    }
}
