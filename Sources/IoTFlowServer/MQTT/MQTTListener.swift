import IoTFlowCore
import Logging
import MQTTNIO
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

/// The MQTT listeners of `serve` (`MQTT_PORT`, and `MQTTS_PORT` with TLS), as one service.
///
/// The ports are opened by ``bind()``, which the application runs with its migrations before HTTP is served, so a
/// taken port that was asked for stops `serve` with one line; `run()` then serves them until shutdown, which it
/// starts before the ingest batcher drains (services stop in reverse order), so acknowledgements of publishes in
/// progress still go out.
final class MQTTListener: Service {
    private let settings: MQTTSettings
    private let host: String
    private let gateway: MQTTDeviceGateway
    private let registry: MQTTDeviceRegistry
    private let devices: DeviceService
    private let logger: Logger
    private let servers = Mutex<[MQTTServer]?>(nil)
    private let bound: AsyncStream<Void>
    private let boundInput: AsyncStream<Void>.Continuation

    /// How often every connected device is marked seen, so a connected device stays online however rarely it speaks.
    static let seenSweepInterval = Duration.seconds(60)

    init(settings: MQTTSettings, host: String, gateway: MQTTDeviceGateway, registry: MQTTDeviceRegistry, devices: DeviceService, logger: Logger) {
        self.settings = settings
        self.host = host
        self.gateway = gateway
        self.registry = registry
        self.devices = devices
        self.logger = logger
        (self.bound, self.boundInput) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// The ports actually bound (with port 0, the ones picked), plain first.
    var localPorts: [Int] {
        self.servers.withLock { $0?.map(\.localPort) ?? [] }
    }

    /// Opens the configured ports. An explicitly configured port that is taken, or an unreadable certificate or key,
    /// throws; the standard port 1883 taken (a broker already runs there) is one warning and no plain listener.
    func bind() async throws {
        var servers: [MQTTServer] = []
        do {
            switch self.settings.port {
            case .off:
                break
            case .explicit(let port):
                servers.append(try await self.bind(port: port, tls: nil))
            case .standard:
                do {
                    servers.append(try await self.bind(port: MQTTSettings.standardPort, tls: nil))
                } catch let error as MQTTServerError where error.code == .addressInUse {
                    self.logger.warning(
                        "MQTT port \(MQTTSettings.standardPort) is taken (another broker?); serving HTTP without MQTT. Set MQTT_PORT to use another port, or MQTT_PORT=off to silence this."
                    )
                }
            }
            if let port = self.settings.tlsPort, let certificate = self.settings.certificatePath, let key = self.settings.keyPath {
                servers.append(try await self.bind(port: port, tls: try Self.tlsContext(certificate: certificate, key: key)))
            }
        } catch {
            for server in servers { await Self.stop(server) }
            throw error
        }
        self.servers.withLock { $0 = servers }
        self.boundInput.yield()
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            for await _ in self.bound { break }
        }
        let servers = self.servers.withLock { $0 ?? [] }
        guard !servers.isEmpty else {
            try? await gracefulShutdown()
            return
        }
        await withDiscardingTaskGroup { group in
            for server in servers {
                group.addTask { await server.run() }
            }
            group.addTask {
                await cancelWhenGracefulShutdown { await self.sweepSeen() }
            }
        }
    }

    private func bind(port: Int, tls: NIOSSLContext?) async throws -> MQTTServer {
        var configuration = MQTTServerConfiguration(host: self.host, port: port)
        configuration.tls = tls
        let server = try await MQTTServer.bind(
            configuration: configuration, delegate: self.gateway, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: self.logger)
        self.logger.info("MQTT\(tls == nil ? "" : "S") listening on \(self.host):\(server.localPort)")
        return server
    }

    private static func tlsContext(certificate: String, key: String) throws -> NIOSSLContext {
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
            let configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .file(key))
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw ConfigurationError(message: "MQTT_TLS_CERT / MQTT_TLS_KEY could not be loaded: \(error)")
        }
    }

    /// A server bound but never run still holds its port: run it with a cancelled task so it closes.
    private static func stop(_ server: MQTTServer) async {
        let task = Task { await server.run() }
        task.cancel()
        await task.value
    }

    private func sweepSeen() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: Self.seenSweepInterval)
            let ids = self.registry.connectedDeviceIDs
            do {
                try await self.devices.seen(ids)
            } catch {
                self.logger.debug("mqtt: could not mark connected devices seen", metadata: ["error": "\(error)"])
            }
        }
    }
}
