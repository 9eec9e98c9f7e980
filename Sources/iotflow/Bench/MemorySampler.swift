import Foundation
import Synchronization

/// Samples a process's resident memory from `/proc/<pid>/status` every 100 ms: the current `VmRSS`,
/// the kernel's high-water mark `VmHWM`, and the largest `VmRSS` seen since the last ``resetWindow()``.
final class MemorySampler: Sendable {
    /// Memory figures in KiB.
    struct Reading: Sendable {
        var rss = 0
        var highWaterMark = 0
        var windowPeak = 0
    }

    let pid: Int32
    private let state = Mutex(Reading())

    init(pid: Int32) {
        self.pid = pid
    }

    /// Samples until the task is cancelled.
    func run() async {
        while !Task.isCancelled {
            self.sample()
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Reads the status file once now.
    func sample() {
        guard let status = try? String(contentsOfFile: "/proc/\(self.pid)/status", encoding: .utf8) else { return }
        let rss = Self.kibibytes("VmRSS:", in: status)
        let hwm = Self.kibibytes("VmHWM:", in: status)
        self.state.withLock { reading in
            reading.rss = rss ?? reading.rss
            reading.highWaterMark = Swift.max(reading.highWaterMark, hwm ?? 0)
            reading.windowPeak = Swift.max(reading.windowPeak, rss ?? 0)
        }
    }

    /// The latest figures.
    var reading: Reading { self.state.withLock { $0 } }

    /// Starts a new window for ``Reading/windowPeak``.
    func resetWindow() {
        self.state.withLock { $0.windowPeak = $0.rss }
    }

    static func kibibytes(_ field: String, in status: String) -> Int? {
        for line in status.split(separator: "\n") where line.hasPrefix(field) {
            return Int(line.dropFirst(field.count).split(whereSeparator: \.isWhitespace).first ?? "")
        }
        return nil
    }

    /// Whether `/proc/<pid>/status` can be read (Linux, same user or root).
    static func canSample(pid: Int32) -> Bool {
        FileManager.default.isReadableFile(atPath: "/proc/\(pid)/status")
    }
}
