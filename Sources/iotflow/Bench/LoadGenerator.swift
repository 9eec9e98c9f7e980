import NIOCore
import NIOHTTP1
import NIOPosix

/// Opens keep-alive connections to the server and drives them closed-loop for one scenario.
struct LoadGenerator: Sendable {
    /// Server address.
    let host: String
    let port: Int
    /// Event loops of the client connections (one thread by default: the server needs the cores).
    let group: MultiThreadedEventLoopGroup

    /// `host:port`, for the `Host` header.
    var authority: String { "\(self.host):\(self.port)" }

    /// Runs `connections` connections, connection `i` sending the requests of `makeSource(i)`, for `warmup`
    /// then `duration`, and returns what they saw together.
    func run(
        connections: Int, warmup: Duration, duration: Duration, makeSource: @escaping @Sendable (Int) -> any BenchRequestSource
    ) async throws -> LoadOutcome {
        var channels: [any Channel] = []
        defer { for channel in channels { channel.close(promise: nil) } }
        for index in 0..<connections {
            let bootstrap = ClientBootstrap(group: self.group)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connectTimeout(.seconds(5))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers(enableOutboundHeaderValidation: false)
                        try channel.pipeline.syncOperations.addHandler(ClosedLoopHandler(source: makeSource(index)))
                    }
                }
            channels.append(try await bootstrap.connect(host: self.host, port: self.port).get())
        }
        let warmupEnd = NIODeadline.now() + TimeAmount(warmup)
        let end = warmupEnd + TimeAmount(duration)
        var futures: [EventLoopFuture<ConnectionTally>] = []
        for channel in channels {
            let promise = channel.eventLoop.makePromise(of: ConnectionTally.self)
            channel.pipeline.fireUserInboundEventTriggered(ClosedLoopStart(warmupEnd: warmupEnd, end: end, promise: promise))
            futures.append(promise.futureResult)
        }
        var tallies: [ConnectionTally] = []
        for future in futures { tallies.append(try await future.get()) }
        return LoadOutcome(tallies: tallies, seconds: duration.seconds)
    }
}

/// The merged tallies of a scenario's connections.
struct LoadOutcome: Sendable {
    /// Per connection, in connection order (for per-device checks).
    let tallies: [ConnectionTally]
    /// Length of the measured window.
    let seconds: Double

    /// Requests sent after the warm-up and answered within the window.
    var measuredRequests: Int { self.tallies.reduce(0) { $0 + $1.latencies.count } }
    /// Non-2xx answers among them.
    var measuredErrors: Int { self.tallies.reduce(0) { $0 + $1.measuredErrors } }
    /// Response bytes among them.
    var measuredBytes: Int { self.tallies.reduce(0) { $0 + $1.measuredBytes } }
    /// Answers by status over the whole run.
    var statuses: [UInt: Int] { self.tallies.reduce(into: [:]) { merged, tally in merged.merge(tally.statuses, uniquingKeysWith: +) } }
    /// Non-2xx answers over the whole run, warm-up included.
    var totalErrors: Int { self.statuses.filter { !(200..<300).contains($0.key) }.values.reduce(0, +) }
    /// The first error body seen by any connection.
    var firstError: String? { self.tallies.lazy.compactMap(\.firstError).first }
    /// Latency percentiles of the measured requests.
    var latency: LatencySummary { LatencySummary(nanoseconds: self.tallies.flatMap(\.latencies)) }
}

extension TimeAmount {
    /// The same span as a `Duration`, in NIO's nanoseconds.
    init(_ duration: Duration) {
        self = .nanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}

extension Duration {
    /// The span in seconds as a `Double`.
    var seconds: Double { Double(self.components.seconds) + Double(self.components.attoseconds) / 1e18 }
}
