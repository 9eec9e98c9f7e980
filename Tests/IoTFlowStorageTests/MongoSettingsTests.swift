import IoTFlowCore
import MongoNIO
import Testing

@testable import IoTFlowStorage

/// `MONGODB_*` settings from the environment.
@Suite("MongoDB settings")
struct MongoSettingsTests {
    @Test("without MONGODB_URI events stay where they are; a companion alone is an error naming it")
    func absent() throws {
        #expect(try MongoSettings.fromEnvironment([:]) == nil)
        for companion in ["MONGODB_DATABASE", "EVENT_RETENTION_DAYS"] {
            let error = #expect(throws: ConfigurationError.self) { try MongoSettings.fromEnvironment([companion: "7"]) }
            #expect(error?.message.contains(companion) == true)
        }
    }

    @Test("the URI's hosts, credentials and database; MONGODB_DATABASE wins; no password in any description")
    func everySetting() throws {
        let uri = "mongodb://iotflow:s3cret%3Apw@m1.example.com:27018,m2.example.com/events_db?replicaSet=rs0&authSource=admin&tls=true"
        let fromURI = try #require(try MongoSettings.fromEnvironment(["MONGODB_URI": uri]))
        #expect(fromURI.database == "events_db")
        #expect(fromURI.connectionString.hosts.map(\.hostname) == ["m1.example.com", "m2.example.com"])
        #expect(fromURI.connectionString.hosts.map(\.port) == [27018, 27017])
        #expect(fromURI.connectionString.password == "s3cret:pw")
        #expect(fromURI.eventRetentionDays == 0)
        let settings = try #require(
            try MongoSettings.fromEnvironment(["MONGODB_URI": uri, "MONGODB_DATABASE": "iotflow_events", "EVENT_RETENTION_DAYS": "90"]))
        #expect(settings.database == "iotflow_events")
        #expect(settings.eventRetentionDays == 90)
        for shown in [settings.description, settings.debugDescription, "\(settings)", String(reflecting: settings)] {
            #expect(!shown.contains("s3cret"), "the password leaked: \(shown)")
        }
        var dumped = ""
        dump(settings, to: &dumped)
        #expect(!dumped.contains("s3cret"))
        let plain = try #require(try MongoSettings.fromEnvironment(["MONGODB_URI": "mongodb://127.0.0.1"]))
        #expect(plain.database == "iotflow", "the default database")
    }

    @Test(
        "bad values fail at start with one line naming the variable",
        arguments: [
            (["MONGODB_URI": "http://127.0.0.1:27017"], "MONGODB_URI"),
            (["MONGODB_URI": "mongodb+srv://cluster.example.com"], "MONGODB_URI"),
            (["MONGODB_URI": "mongodb://127.0.0.1", "MONGODB_DATABASE": "a.b"], "MONGODB_DATABASE"),
            (["MONGODB_URI": "mongodb://127.0.0.1", "MONGODB_DATABASE": "has space"], "MONGODB_DATABASE"),
            (["MONGODB_URI": "mongodb://127.0.0.1", "EVENT_RETENTION_DAYS": "-1"], "EVENT_RETENTION_DAYS"),
            (["MONGODB_URI": "mongodb://127.0.0.1", "EVENT_RETENTION_DAYS": "soon"], "EVENT_RETENTION_DAYS"),
        ])
    func invalid(environment: [String: String], variable: String) throws {
        let error = #expect(throws: ConfigurationError.self) { try MongoSettings.fromEnvironment(environment) }
        #expect(error?.message.contains(variable) == true, "\(error?.message ?? "no error")")
        #expect(error?.message.contains("\n") == false)
    }
}
