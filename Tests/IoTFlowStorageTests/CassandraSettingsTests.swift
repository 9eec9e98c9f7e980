import CassandraNIO
import IoTFlowCore
import Testing

@testable import IoTFlowStorage

/// `CASSANDRA_*` settings from the environment, and the time buckets that partition a device's points.
@Suite("Cassandra settings and buckets")
struct CassandraSettingsTests {
    @Test("without CASSANDRA_HOSTS telemetry stays where it is; a companion alone is an error naming it")
    func absent() throws {
        #expect(try CassandraSettings.fromEnvironment([:]) == nil)
        let error = #expect(throws: ConfigurationError.self) { try CassandraSettings.fromEnvironment(["CASSANDRA_KEYSPACE": "x"]) }
        #expect(error?.message.contains("CASSANDRA_KEYSPACE") == true)
    }

    @Test("hosts with and without ports, every companion, and a description without the password")
    func everySetting() throws {
        let settings = try #require(
            try CassandraSettings.fromEnvironment([
                "CASSANDRA_HOSTS": "a.example.com, b.example.com:9142", "CASSANDRA_PORT": "9043", "CASSANDRA_KEYSPACE": "Telemetry_1",
                "CASSANDRA_USERNAME": "iotflow", "CASSANDRA_PASSWORD": "s3cret-pw", "CASSANDRA_CONSISTENCY": "local_one", "CASSANDRA_TLS": "true",
                "CASSANDRA_REPLICATION": "{'class': 'NetworkTopologyStrategy', 'dc1': 3}", "CASSANDRA_BUCKET": "month",
                "TELEMETRY_RETENTION_DAYS": "90",
            ]))
        #expect(settings.hosts == [CassandraEndpoint(host: "a.example.com", port: 9043), CassandraEndpoint(host: "b.example.com", port: 9142)])
        #expect(settings.keyspace == "telemetry_1")
        #expect(settings.username == "iotflow")
        #expect(settings.password == "s3cret-pw")
        #expect(settings.consistency == .localOne)
        #expect(settings.tls)
        #expect(settings.replication == "{'class': 'NetworkTopologyStrategy', 'dc1': 3}")
        #expect(settings.bucket == .month)
        #expect(settings.retentionDays == 90)
        for shown in [settings.description, settings.debugDescription, "\(settings)", String(reflecting: settings)] {
            #expect(!shown.contains("s3cret-pw"), "the password leaked: \(shown)")
        }
        var dumped = ""
        dump(settings, to: &dumped)
        #expect(!dumped.contains("s3cret-pw"))
    }

    @Test(
        "malformed values are configuration errors naming the variable",
        arguments: [
            ("CASSANDRA_PORT", "0"), ("CASSANDRA_KEYSPACE", "bad-name"), ("CASSANDRA_KEYSPACE", "1abc"), ("CASSANDRA_KEYSPACE", "a; DROP"),
            ("CASSANDRA_CONSISTENCY", "SOMETIMES"), ("CASSANDRA_TLS", "maybe"), ("CASSANDRA_REPLICATION", "{'class': 'x'}; DROP KEYSPACE y"),
            ("CASSANDRA_REPLICATION", "SimpleStrategy"), ("CASSANDRA_BUCKET", "week"), ("TELEMETRY_RETENTION_DAYS", "-1"),
            ("ROLLUP_RETENTION_DAYS", "-1"), ("ROLLUP_RETENTION_DAYS", "36501"), ("ROLLUP_RETENTION_DAYS", "a year"),
        ])
    func malformed(name: String, value: String) {
        let error = #expect(throws: ConfigurationError.self) {
            try CassandraSettings.fromEnvironment(["CASSANDRA_HOSTS": "127.0.0.1", name: value])
        }
        #expect(error?.message.contains(name) == true, "\(error?.message ?? "")")
    }

    @Test("malformed host lists and a password without a user are errors")
    func malformedHosts() {
        for hosts in ["a:b:c", ":9042", "a,,b", "a:70000"] {
            #expect(throws: ConfigurationError.self) { try CassandraSettings.fromEnvironment(["CASSANDRA_HOSTS": hosts]) }
        }
        #expect(throws: ConfigurationError.self) {
            try CassandraSettings.fromEnvironment(["CASSANDRA_HOSTS": "a", "CASSANDRA_PASSWORD": "p"])
        }
    }

    @Test("buckets start at UTC hour, day and month boundaries, also before 1970, and end where the next begins")
    func bucketBounds() {
        let hour: Int64 = 3_600_000
        let day: Int64 = 86_400_000
        // 2024-02-29T13:45:00Z, a leap day.
        let leap: Int64 = 1_709_214_300_000
        #expect(CassandraSettings.Bucket.hour.start(of: leap) == leap - 45 * 60_000)
        #expect(CassandraSettings.Bucket.day.start(of: leap) == leap - 13 * hour - 45 * 60_000)
        #expect(CassandraSettings.Bucket.month.start(of: leap) == 1_706_745_600_000, "2024-02-01T00:00:00Z")
        #expect(CassandraSettings.Bucket.month.end(ofBucketStarting: 1_706_745_600_000) == 1_709_251_200_000, "2024-03-01T00:00:00Z")
        #expect(CassandraSettings.Bucket.month.end(ofBucketStarting: 1_701_388_800_000) == 1_704_067_200_000, "December ends at the new year")
        #expect(CassandraSettings.Bucket.day.start(of: -1) == -day)
        #expect(CassandraSettings.Bucket.month.start(of: -1) == -31 * day, "1969-12-01T00:00:00Z")
        #expect(CassandraSettings.Bucket.day.end(ofBucketStarting: 0) == day)
        // Every timestamp lies in its bucket.
        for bucket in [CassandraSettings.Bucket.hour, .day, .month] {
            for timestamp in stride(from: Int64(-400) * day, to: 800 * day, by: Int(7 * hour + 12_345)) {
                let start = bucket.start(of: timestamp)
                #expect(start <= timestamp && timestamp < bucket.end(ofBucketStarting: start))
            }
        }
    }

    @Test("TELEMETRY_RETENTION_DAYS becomes the TTL bound with every point and metadata insert; 0 means none")
    func retentionIsTheRowTTL() throws {
        var settings = try #require(try CassandraSettings.fromEnvironment(["CASSANDRA_HOSTS": "127.0.0.1", "TELEMETRY_RETENTION_DAYS": "90"]))
        let client = CassandraClient(configuration: CassandraConfiguration(endpoints: settings.hosts), logger: .init(label: "ttl"))
        #expect(TelemetryCassandraStore(client: client, settings: settings, logger: .init(label: "ttl")).timeToLive == .int(90 * 86_400))
        settings.retentionDays = 0
        #expect(TelemetryCassandraStore(client: client, settings: settings, logger: .init(label: "ttl")).timeToLive == .int(0))
        let cql = TelemetryCQL(keyspace: "k")
        #expect(cql.insertPoint.hasSuffix("USING TTL ?") && cql.insertMetadata.hasSuffix("USING TTL ?"))
    }

    @Test("ROLLUP_RETENTION_DAYS becomes the TTL of rollup rows, independent of the points'; 0 (the default) means none")
    func rollupRetentionIsTheRollupTTL() throws {
        let environment = ["CASSANDRA_HOSTS": "127.0.0.1", "TELEMETRY_RETENTION_DAYS": "30", "ROLLUP_RETENTION_DAYS": "400"]
        var settings = try #require(try CassandraSettings.fromEnvironment(environment))
        #expect(settings.rollupRetentionDays == 400)
        #expect(try CassandraSettings.fromEnvironment(["CASSANDRA_HOSTS": "127.0.0.1"])?.rollupRetentionDays == 0)
        let client = CassandraClient(configuration: CassandraConfiguration(endpoints: settings.hosts), logger: .init(label: "ttl"))
        func store() -> TelemetryCassandraStore { TelemetryCassandraStore(client: client, settings: settings, logger: .init(label: "ttl")) }
        #expect(store().rollupTimeToLive == .int(400 * 86_400))
        #expect(store().timeToLive == .int(30 * 86_400))
        // Rollups must not expire with the points when only points have a retention.
        settings.rollupRetentionDays = 0
        #expect(store().rollupTimeToLive == .int(0))
        // Cassandra refuses TTLs above 20 years (and 100 years would not fit its 32-bit TTL): such retentions keep 20 years.
        settings.rollupRetentionDays = 36_500
        settings.retentionDays = 36_500
        #expect(store().rollupTimeToLive == .int(630_720_000))
        #expect(store().timeToLive == .int(630_720_000))
        #expect(TelemetryCQL(keyspace: "k").insertRollup.hasSuffix("USING TTL ?"))
    }
}
