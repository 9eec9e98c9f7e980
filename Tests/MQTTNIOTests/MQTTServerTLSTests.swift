import Foundation
import NIOCore
import NIOSSL
import Testing

@testable import MQTTNIO

/// MQTTS: the listener with a TLS context, against mosquitto_pub verifying a certificate made for the test.
@Suite struct MQTTServerTLSTests {
    @Test(arguments: ["mqttv311", "mqttv5"])
    func mosquittoPubOverTLS(version: String) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mqtt-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificatePath = directory.appendingPathComponent("cert.pem").path
        let keyPath = directory.appendingPathComponent("key.pem").path
        let openssl = try await MosquittoClient.run(
            "openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyPath, "-out", certificatePath, "-days", "2", "-subj",
                "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            ],
            installHint: "install openssl (apt-get install -y openssl)"
        )
        guard let openssl else {
            return
        }
        try #require(openssl.status == 0, "openssl: \(openssl.errorOutput)")
        let certificates = try NIOSSLCertificate.fromPEMFile(certificatePath)
        let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        let tls = try NIOSSLContext(
            configuration: .makeServerConfiguration(certificateChain: certificates.map { .certificate($0) }, privateKey: .privateKey(key))
        )
        let delegate = MQTTTestDelegate()
        try await withTestServer(delegate: delegate, configure: { $0.tls = tls }) { server in
            let result = try await MosquittoClient.run(
                "mosquitto_pub",
                [
                    "-h", "127.0.0.1", "-p", "\(server.localPort)", "--cafile", certificatePath, "-V", version, "-q", "1", "-t", "secure/t",
                    "-m", "over tls",
                ]
            )
            guard let result else {
                return
            }
            #expect(result.status == 0, "mosquitto_pub: \(result.errorOutput)")
            #expect(delegate.snapshot().messages.map { String(buffer: $0.payload) } == ["over tls"])
        }
    }
}
