import IoTFlowServer
import IoTFlowStorage
import Testing

/// Secrets in the configuration never show in descriptions, dumps or interpolation.
@Suite("Configuration redaction")
struct ConfigurationRedactionTests {
    static let secrets = ["admin-secret-token-7731", "pg-password-5512", "redis-password-9043"]

    func configuration() throws -> AppConfiguration {
        try AppConfiguration.fromEnvironment([
            "IOTFLOW_ADMIN_TOKEN": Self.secrets[0], "DATABASE_URL": "postgres://iot:\(Self.secrets[1])@db.example:5432/iotflow",
            "REDIS_HOST": "cache.example", "REDIS_PASSWORD": Self.secrets[2],
        ])
    }

    @Test("description, debugDescription, dump and interpolation of the configuration and its parts show no secret")
    func noSecrets() throws {
        let config = try self.configuration()
        var dumped = ""
        dump(config, to: &dumped)
        var dumpedURL = ""
        dump(config.databaseURL, to: &dumpedURL)
        var dumpedRedis = ""
        dump(config.redis, to: &dumpedRedis)
        let texts = [
            config.description, config.debugDescription, "\(config)", String(reflecting: config), dumped, dumpedURL, dumpedRedis,
            "\(String(describing: config.databaseURL))", String(reflecting: config.databaseURL), "\(String(describing: config.redis))",
            String(reflecting: config.redis), "\(config.storeConfiguration)",
        ]
        for text in texts {
            for secret in Self.secrets {
                #expect(!text.contains(secret), "\(secret) shows in \(text)")
            }
        }
        #expect(config.description.contains("db.example:5432"), "what is not secret still shows")
        #expect(config.description.contains("<redacted>"))
    }

    @Test("the secrets are still there for use")
    func secretsKept() throws {
        let config = try self.configuration()
        #expect(config.adminToken == Self.secrets[0])
        #expect(config.databaseURL?.password == Self.secrets[1])
        #expect(config.redis?.password == Self.secrets[2])
    }
}
