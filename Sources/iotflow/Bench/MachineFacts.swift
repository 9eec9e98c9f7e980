import Foundation

/// What the numbers were measured on.
struct MachineFacts: Sendable, Codable {
    /// Online CPUs (`sysconf(_SC_NPROCESSORS_ONLN)`, what `nproc` counts without affinity limits).
    let cores: Int
    /// `model name` from /proc/cpuinfo.
    let cpuModel: String
    /// `MemTotal` from /proc/meminfo, in MiB.
    let memoryMiB: Int
    /// Kernel release (`uname -r`).
    let kernel: String
    /// `release` or `debug`: how this binary (and a spawned server, the same binary) was compiled.
    let buildConfiguration: String

    // Explicit keys: the encoder's snake_case conversion would spell `memoryMiB` as `memory_mi_b`.
    enum CodingKeys: String, CodingKey {
        case cores, kernel
        case cpuModel = "cpu_model"
        case memoryMiB = "memory_mib"
        case buildConfiguration = "build_configuration"
    }

    static func current() -> MachineFacts {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model =
            cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .flatMap { $0.split(separator: ":", maxSplits: 1).last }
            .map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
        let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        let memory = MemorySampler.kibibytes("MemTotal:", in: meminfo).map { $0 / 1024 } ?? 0
        let kernel = (try? String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        #if DEBUG
        let configuration = "debug"
        #else
        let configuration = "release"
        #endif
        return MachineFacts(
            cores: sysconf(Int32(_SC_NPROCESSORS_ONLN)), cpuModel: model, memoryMiB: memory, kernel: kernel ?? "unknown",
            buildConfiguration: configuration
        )
    }
}
