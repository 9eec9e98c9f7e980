import ArgumentParser
import NIOPosix

/// `iotflow health`: asks a running server's `/health` and exits 0 only on 200. The container image's HEALTHCHECK uses
/// it, so the image needs no curl.
struct Health: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check that a running server answers /health with 200.")

    @Option(help: "The server's health URL.")
    var url = "http://127.0.0.1:5000/health"

    @Option(help: "Seconds to wait for the answer.")
    var timeout = 5

    func run() async throws {
        try await runReportingErrors {
            guard self.url.hasSuffix("/health") else { throw CommandLineError("--url must end in /health (got \(self.url))") }
            let server = try ServerURL(String(self.url.dropLast("/health".count)))
            let status = try await withDeadline(Double(self.timeout), self.url) {
                let client: BenchHTTPClient
                do {
                    client = try await BenchHTTPClient.connect(host: server.host, port: server.port, group: MultiThreadedEventLoopGroup.singleton)
                } catch {
                    throw server.connectionFailure(error)
                }
                let answer = try await client.send(BenchRequest(method: .GET, path: "/health", authority: server.authority))
                await client.close()
                return answer.status
            }
            guard status == 200 else { throw CommandLineError("\(self.url) answered \(status)") }
            print("\(self.url): 200")
        }
    }
}
