import Testing

@testable import MongoNIO

@Suite("Connection string")
struct MongoConnectionStringTests {
    private typealias Host = MongoConnectionString.Host

    @Test func aLoneHostGetsTheDefaultPortAndNothingElse() throws {
        let parsed = try MongoConnectionString("mongodb://localhost")
        #expect(parsed.hosts == [Host(hostname: "localhost", port: 27017)])
        #expect(parsed.username == nil && parsed.password == nil && parsed.database == nil)
        #expect(parsed.tls == nil && parsed.authMechanism == nil && parsed.unknownOptions.isEmpty)
        #expect(parsed.authenticationDatabase == "admin")
        #expect(parsed.description == "mongodb://localhost:27017")
    }

    @Test func parsesEveryPart() throws {
        let parsed = try MongoConnectionString(
            "mongodb://us%65r:pa%3Ass%40word@DB1.example.com:27018,db2.example.com/app?authSource=admin&replicaSet=rs0&tls=true&appName=IoT%20Flow"
        )
        #expect(parsed.username == "user")
        #expect(parsed.password == "pa:ss@word")
        #expect(parsed.hosts == [Host(hostname: "db1.example.com", port: 27018), Host(hostname: "db2.example.com", port: 27017)])
        #expect(parsed.database == "app")
        #expect(parsed.authSource == "admin")
        #expect(parsed.replicaSet == "rs0")
        #expect(parsed.tls == true)
        #expect(parsed.appName == "IoT Flow")
        #expect(parsed.authenticationDatabase == "admin")
    }

    @Test func parsesTheNumericAndBooleanOptions() throws {
        let parsed = try MongoConnectionString(
            "mongodb://h/?connectTimeoutMS=1500&serverSelectionTimeoutMS=30000&socketTimeoutMS=0&maxPoolSize=20&directConnection=true"
                + "&tlsCAFile=%2Fetc%2Fssl%2Fca.pem&tlsAllowInvalidCertificates=false"
        )
        #expect(parsed.connectTimeoutMS == 1500)
        #expect(parsed.serverSelectionTimeoutMS == 30000)
        #expect(parsed.socketTimeoutMS == 0)
        #expect(parsed.maxPoolSize == 20)
        #expect(parsed.directConnection == true)
        #expect(parsed.tlsCAFile == "/etc/ssl/ca.pem")
        #expect(parsed.tlsAllowInvalidCertificates == false)
        #expect(parsed.database == nil)
    }

    @Test func parsesIPv6InBrackets() throws {
        let parsed = try MongoConnectionString("mongodb://[::1]:27019,[FE80::1]/db")
        #expect(parsed.hosts == [Host(hostname: "::1", port: 27019), Host(hostname: "fe80::1", port: 27017)])
        #expect(parsed.hosts.map(\.description) == ["[::1]:27019", "[fe80::1]:27017"])
        #expect(try MongoConnectionString("mongodb://127.0.0.1:1").hosts == [Host(hostname: "127.0.0.1", port: 1)])
    }

    @Test func optionKeysIgnoreCaseAndSslIsAnAliasOfTls() throws {
        let parsed = try MongoConnectionString("mongodb://u:p@h/?AUTHSOURCE=x&SSL=true&tls=true&authmechanism=DEFAULT&APPNAME=a")
        #expect(parsed.authSource == "x")
        #expect(parsed.tls == true)
        #expect(parsed.authMechanism == "SCRAM-SHA-256")
        #expect(parsed.appName == "a")
        #expect(try MongoConnectionString("mongodb://h?ssl=false").tls == false)
        #expect(try MongoConnectionString("mongodb://h?replicaSet=a&replicaSet=a").replicaSet == "a")
    }

    @Test func unknownOptionsAreKeptByKeyWithoutTheirValues() throws {
        let parsed = try MongoConnectionString("mongodb://h/?w=majority&retryWrites=true&tlsCertificateKeyFilePassword=hunter2&tls=true")
        #expect(parsed.unknownOptions == ["w", "retryWrites", "tlsCertificateKeyFilePassword"])
        #expect(parsed.tls == true)
        #expect(!parsed.description.contains("hunter2"))
    }

    @Test func userInformationEdges() throws {
        let noPassword = try MongoConnectionString("mongodb://user@h")
        #expect(noPassword.username == "user" && noPassword.password == nil)
        #expect(noPassword.description == "mongodb://user@h:27017")
        let emptyPassword = try MongoConnectionString("mongodb://user:@h")
        #expect(emptyPassword.password == "")
        let unicode = try MongoConnectionString("mongodb://%E3%83%A6%E3%83%BC%E3%82%B6%E3%83%BC:p%2Bw%2F@h")
        #expect(unicode.username == "ユーザー")
        #expect(unicode.password == "p+w/")
        #expect(try MongoConnectionString("mongodb://u:a+b@h").password == "a+b")
    }

    @Test func theDatabaseDecidesTheAuthenticationDatabaseWithoutAuthSource() throws {
        #expect(try MongoConnectionString("mongodb://u:p@h/telemetry").authenticationDatabase == "telemetry")
        #expect(try MongoConnectionString("mongodb://u:p@h/telemetry?authSource=users").authenticationDatabase == "users")
        #expect(try MongoConnectionString("mongodb://u:p@h/").database == nil)
        #expect(try MongoConnectionString("mongodb://h/caf%C3%A9").database == "café")
    }

    @Test func theDescriptionHidesThePasswordAndParsesBack() throws {
        let text = "mongodb://ad%3Amin:s3cr%3Aet@h1:1,[::1]/db?tls=true&appName=my%20app&maxPoolSize=3&directConnection=false&w=1"
        let parsed = try MongoConnectionString(text)
        #expect(
            parsed.description
                == "mongodb://ad%3Amin:***@h1:1,[::1]:27017/db?tls=true&appName=my%20app&maxPoolSize=3&directConnection=false"
        )
        #expect(!parsed.description.contains("s3cr"))
        var again = try MongoConnectionString(parsed.description)
        #expect(again.password == "***")
        again.password = parsed.password
        again.unknownOptions = parsed.unknownOptions
        #expect(again == parsed)
    }

    @Test(arguments: [
        ("http://h", MongoConnectionStringError.Code.invalidScheme, "starts with mongodb://"),
        ("mongodb+srv://cluster0.example.com/db", .unsupported, "DNS SRV"),
        ("MONGODB+SRV://cluster0.example.com", .unsupported, "DNS SRV"),
        ("mongodb://", .invalidHost, "no host"),
        ("mongodb:///db", .invalidHost, "no host"),
        ("mongodb://h1,,h2", .invalidHost, "empty host"),
        ("mongodb://h:0", .invalidHost, "not a number in 1...65535"),
        ("mongodb://h:65536", .invalidHost, "not a number in 1...65535"),
        ("mongodb://h:abc", .invalidHost, "port \"abc\""),
        ("mongodb://h:", .invalidHost, "port \"\""),
        ("mongodb://h:+1", .invalidHost, "port \"+1\""),
        ("mongodb://::1", .invalidHost, "IPv6 address goes in brackets"),
        ("mongodb://[::1", .invalidHost, "lacks its ']'"),
        ("mongodb://[::1]x", .invalidHost, "unexpected"),
        ("mongodb://[nothex]", .invalidHost, "not an IPv6 address"),
        ("mongodb://h%20x", .invalidHost, "characters a host name cannot"),
        ("mongodb://%2Ftmp%2Fmongodb-27017.sock", .unsupported, "UNIX domain sockets"),
        ("mongodb://user:pa:ss@h", .invalidUserInfo, "more than one ':'"),
        ("mongodb://us@er:pass@h", .invalidUserInfo, "unescaped '@'"),
        ("mongodb://user:pa/ss@h", .invalidUserInfo, "percent-encode"),
        ("mongodb://user:pa?ss@h", .invalidUserInfo, "percent-encode"),
        ("mongodb://user:p[ss@h", .invalidUserInfo, "unescaped '['"),
        ("mongodb://user:p#ss@h", .invalidUserInfo, "unescaped '#'"),
        ("mongodb://user:p%zzss@h", .invalidUserInfo, "malformed percent-encoding"),
        ("mongodb://user:p%ff@h", .invalidUserInfo, "not UTF-8"),
        ("mongodb://:pass@h", .invalidUserInfo, "user name is empty"),
        ("mongodb://h/my$db", .invalidDatabase, "\"$\""),
        ("mongodb://h/a.b", .invalidDatabase, "\".\""),
        ("mongodb://h/a%20b", .invalidDatabase, "\" \""),
        ("mongodb://h/a%5Cb", .invalidDatabase, "\"\\\\\""),
        ("mongodb://h/a%2Fb", .invalidDatabase, "\"/\""),
        ("mongodb://h/a%22b", .invalidDatabase, "\"\\\"\""),
        ("mongodb://h/a%2", .invalidDatabase, "malformed percent-encoding"),
        ("mongodb://h/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", .invalidDatabase, "64 bytes"),
        ("mongodb://h/?tls=yes", .invalidOption, "not true or false"),
        ("mongodb://h/?tls=true&ssl=false", .invalidOption, "tls and ssl"),
        ("mongodb://h/?replicaSet=a&replicaSet=b", .invalidOption, "given twice"),
        ("mongodb://u:p@h/?authMechanism=SCRAM-SHA-1", .unsupported, "only SCRAM-SHA-256"),
        ("mongodb://u:p@h/?authMechanism=MONGODB-X509", .unsupported, "only SCRAM-SHA-256"),
        ("mongodb://u:p@h/?authMechanism=MAGIC", .invalidOption, "not a MongoDB mechanism"),
        ("mongodb://h/?authMechanism=SCRAM-SHA-256", .invalidOption, "no user name"),
        ("mongodb://h/?connectTimeoutMS=-1", .invalidOption, "not a whole number"),
        ("mongodb://h/?connectTimeoutMS=1.5", .invalidOption, "not a whole number"),
        ("mongodb://h/?socketTimeoutMS=99999999999", .invalidOption, "not a whole number"),
        ("mongodb://h/?maxPoolSize=", .invalidOption, "empty value"),
        ("mongodb://h/?novalue", .invalidOption, "no '=value'"),
        ("mongodb://h/?=x", .invalidOption, "empty or malformed"),
        ("mongodb://h1,h2/?directConnection=true", .invalidOption, "exactly one host"),
        ("mongodb://h/?appName=\(String(repeating: "x", count: 129))", .invalidOption, "128 bytes"),
    ])
    func rejectsWithAReadableMessage(uri: String, code: MongoConnectionStringError.Code, fragment: String) throws {
        let error = try #require(throws: MongoConnectionStringError.self, "\(uri)") { try MongoConnectionString(uri) }
        #expect(error.code == code, "\(uri): \(error)")
        #expect(error.message.contains(fragment), "\(uri): \(error.message)")
        #expect(error.description.hasPrefix("MongoConnectionStringError(\(code)): "))
    }

    @Test func errorsNeverRepeatThePassword() throws {
        for uri in ["mongodb://user:hunter2@h:99999", "mongodb://user:hunter2:x@h", "mongodb://user:hunter2%zz@h", "mongodb://user:hunter2@h/a.b"] {
            let error = try #require(throws: MongoConnectionStringError.self) { try MongoConnectionString(uri) }
            #expect(!error.description.contains("hunter2"), "\(error)")
        }
    }
}
