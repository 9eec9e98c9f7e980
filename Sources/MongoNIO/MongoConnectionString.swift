/// A parsed `mongodb://` connection string (MongoDB's connection string spec, with the options this client uses).
///
/// `mongodb://[user[:password]@]host1[:port1][,hostN[:portN]]...[/[database]][?options]`. Stricter than the spec in
/// one way: a known option with an empty or invalid value is an error rather than a warning, so that a typo in a
/// deployment's configuration stops the service at start instead of quietly running with a default. Unknown options
/// are kept in `unknownOptions` (keys only: values may be secrets) for the caller to log.
public struct MongoConnectionString: Sendable, Equatable, CustomStringConvertible {
    /// One seed host.
    public struct Host: Sendable, Hashable, CustomStringConvertible {
        /// The host name (lowercased) or IP address; an IPv6 address without its brackets.
        public var hostname: String
        /// The TCP port.
        public var port: Int

        /// Creates a host.
        public init(hostname: String, port: Int = MongoConnectionString.defaultPort) {
            self.hostname = hostname
            self.port = port
        }

        /// `host:port`, with an IPv6 address in brackets.
        public var description: String {
            self.hostname.contains(":") ? "[\(self.hostname)]:\(self.port)" : "\(self.hostname):\(self.port)"
        }
    }

    /// MongoDB's port, used for a host without one.
    public static let defaultPort = 27017
    /// The one authentication mechanism this client speaks.
    public static let supportedAuthMechanism = "SCRAM-SHA-256"

    /// The seed hosts, in the string's order; never empty.
    public var hosts: [Host]
    /// The percent-decoded user name, if the string has user information.
    public var username: String?
    /// The percent-decoded password; `nil` when there is no `:` after the user name.
    public var password: String?
    /// The percent-decoded database after the hosts, if any.
    public var database: String?
    /// `authSource`: the database the user is defined in.
    public var authSource: String?
    /// `authMechanism`, always `SCRAM-SHA-256` when given (`DEFAULT` is read as that).
    public var authMechanism: String?
    /// `replicaSet`: the replica set name the servers must report.
    public var replicaSet: String?
    /// `tls` (or its alias `ssl`): whether to use TLS; `nil` when not given.
    public var tls: Bool?
    /// `tlsCAFile`: a PEM file of the certificate authorities to trust.
    public var tlsCAFile: String?
    /// `tlsAllowInvalidCertificates`: skip certificate verification (tests only).
    public var tlsAllowInvalidCertificates: Bool?
    /// `appName`: sent in the handshake and shown in the server's logs; at most 128 bytes.
    public var appName: String?
    /// `connectTimeoutMS`: milliseconds for TCP, TLS and the handshake; 0 means no limit.
    public var connectTimeoutMS: Int?
    /// `serverSelectionTimeoutMS`: milliseconds to wait for a suitable server.
    public var serverSelectionTimeoutMS: Int?
    /// `socketTimeoutMS`: milliseconds to wait for an answer; 0 means no limit.
    public var socketTimeoutMS: Int?
    /// `maxPoolSize`: connections per server; 0 means no limit.
    public var maxPoolSize: Int?
    /// `directConnection`: talk to the one host given, without discovering the others.
    public var directConnection: Bool?
    /// The keys of options this client does not know, as written, in order.
    public var unknownOptions: [String]

    /// The database to authenticate against: `authSource`, else the database, else `admin`.
    public var authenticationDatabase: String {
        self.authSource ?? self.database ?? "admin"
    }

    /// Parses a connection string.
    public init(_ uri: String) throws(MongoConnectionStringError) {
        self.hosts = []
        self.unknownOptions = []
        try self.parse(uri)
    }

    private mutating func parse(_ uri: String) throws(MongoConnectionStringError) {
        let scheme = "mongodb://"
        let lowercased = uri.lowercased()
        if lowercased.hasPrefix("mongodb+srv://") {
            throw MongoConnectionStringError(
                code: .unsupported,
                message: "mongodb+srv:// needs DNS SRV and TXT lookups, which this client does not make; list the hosts in a mongodb:// string"
            )
        }
        guard lowercased.hasPrefix(scheme) else {
            throw MongoConnectionStringError(code: .invalidScheme, message: "a connection string starts with mongodb://")
        }
        let rest = Substring(uri.unicodeScalars.dropFirst(scheme.unicodeScalars.count))
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var path: Substring = ""
        var query: Substring = ""
        if authorityEnd < rest.endIndex {
            let afterAuthority = rest[authorityEnd...]
            if let questionMark = afterAuthority.firstIndex(of: "?") {
                path = afterAuthority[..<questionMark]
                query = afterAuthority[afterAuthority.index(after: questionMark)...]
            } else {
                path = afterAuthority
            }
        }
        let atSign = authority.lastIndex(of: "@")
        // A '/' or '?' in an unescaped password ends the authority early; the '@' then shows up after it.
        if atSign == nil, path.contains("@") || (query.split(separator: "&").first?.split(separator: "=").first?.contains("@") ?? false) {
            throw MongoConnectionStringError(
                code: .invalidUserInfo,
                message: "an '@' after the hosts: percent-encode ':', '/', '?', '#', '[', ']' and '@' in the user name and password"
            )
        }
        var hostsText = authority
        if let atSign {
            try self.parseUserInfo(authority[..<atSign])
            hostsText = authority[authority.index(after: atSign)...]
        }
        try self.parseHosts(hostsText)
        if path.hasPrefix("/") {
            path = path.dropFirst()
        }
        if !path.isEmpty {
            self.database = try Self.validatedDatabase(path)
        }
        try self.parseOptions(query)
    }

    private mutating func parseUserInfo(_ userInfo: Substring) throws(MongoConnectionStringError) {
        for reserved in ["@", "/", "?", "#", "[", "]"] where userInfo.contains(reserved) {
            throw MongoConnectionStringError(
                code: .invalidUserInfo,
                message: "an unescaped '\(reserved)' in the user name or password; percent-encode it (\(Self.percentEncoded(reserved)))"
            )
        }
        let parts = userInfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 2, parts[1].contains(":") {
            throw MongoConnectionStringError(
                code: .invalidUserInfo,
                message: "more than one ':' in the user information; percent-encode ':' in the password as %3A"
            )
        }
        guard let username = Self.percentDecoded(parts[0]) else {
            throw MongoConnectionStringError(code: .invalidUserInfo, message: "the user name has a malformed percent-encoding or is not UTF-8")
        }
        guard !username.isEmpty else {
            throw MongoConnectionStringError(code: .invalidUserInfo, message: "the user name is empty")
        }
        self.username = username
        if parts.count == 2 {
            guard let password = Self.percentDecoded(parts[1]) else {
                throw MongoConnectionStringError(code: .invalidUserInfo, message: "the password has a malformed percent-encoding or is not UTF-8")
            }
            self.password = password
        }
    }

    private mutating func parseHosts(_ text: Substring) throws(MongoConnectionStringError) {
        guard !text.isEmpty else {
            throw MongoConnectionStringError(code: .invalidHost, message: "no host: at least one must follow mongodb://")
        }
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            self.hosts.append(try Self.parseHost(item))
        }
    }

    private static func parseHost(_ item: Substring) throws(MongoConnectionStringError) -> Host {
        guard !item.isEmpty else {
            throw MongoConnectionStringError(code: .invalidHost, message: "an empty host in the host list")
        }
        var hostname: String
        var portText: Substring?
        if item.hasPrefix("[") {
            guard let close = item.firstIndex(of: "]") else {
                throw MongoConnectionStringError(code: .invalidHost, message: "IPv6 address \(item.debugDescription) lacks its ']'")
            }
            let address = item[item.index(after: item.startIndex)..<close]
            guard address.contains(":"), address.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw MongoConnectionStringError(code: .invalidHost, message: "\(address.debugDescription) is not an IPv6 address")
            }
            hostname = address.lowercased()
            let after = item[item.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else {
                    throw MongoConnectionStringError(
                        code: .invalidHost, message: "unexpected \(after.debugDescription) after IPv6 address [\(address)]")
                }
                portText = after.dropFirst()
            }
        } else {
            let parts = item.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2 else {
                throw MongoConnectionStringError(
                    code: .invalidHost,
                    message: "host \(item.debugDescription) has more than one ':'; an IPv6 address goes in brackets, [::1]:27017"
                )
            }
            guard let decoded = Self.percentDecoded(parts[0]) else {
                throw MongoConnectionStringError(code: .invalidHost, message: "host \(parts[0].debugDescription) has a malformed percent-encoding")
            }
            if decoded.contains("/") || decoded.hasSuffix(".sock") {
                throw MongoConnectionStringError(code: .unsupported, message: "UNIX domain sockets (\(decoded)) are not supported")
            }
            guard !decoded.isEmpty else {
                throw MongoConnectionStringError(code: .invalidHost, message: "host \(item.debugDescription) has an empty name")
            }
            guard
                decoded.unicodeScalars.allSatisfy({
                    $0.isASCII && (Character($0).isLetter || Character($0).isNumber || "-._".unicodeScalars.contains($0))
                })
            else {
                throw MongoConnectionStringError(
                    code: .invalidHost, message: "host name \(decoded.debugDescription) holds characters a host name cannot")
            }
            hostname = decoded.lowercased()
            portText = parts.count == 2 ? parts[1] : nil
        }
        var port = Self.defaultPort
        if let portText {
            guard !portText.isEmpty, portText.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(portText), (1...65535).contains(value) else {
                throw MongoConnectionStringError(
                    code: .invalidHost,
                    message: "port \(portText.debugDescription) of host \(hostname.debugDescription) is not a number in 1...65535"
                )
            }
            port = value
        }
        return Host(hostname: hostname, port: port)
    }

    private static func validatedDatabase(_ text: Substring) throws(MongoConnectionStringError) -> String {
        guard let database = Self.percentDecoded(text) else {
            throw MongoConnectionStringError(code: .invalidDatabase, message: "the database name has a malformed percent-encoding or is not UTF-8")
        }
        for forbidden in ["/", "\\", " ", "\"", "$", ".", "\u{0}"] where database.contains(forbidden) {
            throw MongoConnectionStringError(
                code: .invalidDatabase,
                message: "database name \(database.debugDescription) contains \(forbidden.debugDescription), which MongoDB does not allow"
            )
        }
        guard database.utf8.count < 64 else {
            throw MongoConnectionStringError(code: .invalidDatabase, message: "database name \(database.debugDescription) is 64 bytes or longer")
        }
        return database
    }

    private mutating func parseOptions(_ query: Substring) throws(MongoConnectionStringError) {
        var seen: [String: String] = [:]
        for pair in query.split(separator: "&") {
            guard let equals = pair.firstIndex(of: "=") else {
                throw MongoConnectionStringError(code: .invalidOption, message: "option \(pair.debugDescription) has no '=value'")
            }
            let rawKey = pair[..<equals]
            guard let key = Self.percentDecoded(rawKey), !key.isEmpty else {
                throw MongoConnectionStringError(code: .invalidOption, message: "option key \(rawKey.debugDescription) is empty or malformed")
            }
            guard let value = Self.percentDecoded(pair[pair.index(after: equals)...]) else {
                throw MongoConnectionStringError(
                    code: .invalidOption, message: "the value of \(key) has a malformed percent-encoding or is not UTF-8")
            }
            // Keys ignore the case of ASCII letters only, as the spec says.
            let normalized = String(
                String.UnicodeScalarView(key.unicodeScalars.map { $0.isASCII ? Unicode.Scalar(UInt8(ascii: $0).lowercasedASCII) : $0 }))
            let slot = normalized == "ssl" ? "tls" : normalized
            guard Self.knownOptions.contains(slot) else {
                self.unknownOptions.append(key)
                continue
            }
            guard !value.isEmpty else {
                throw MongoConnectionStringError(code: .invalidOption, message: "option \(key) has an empty value")
            }
            if let earlier = seen[slot] {
                guard earlier == value else {
                    let what = slot == "tls" ? "tls and ssl (aliases) are" : "option \(key) is"
                    throw MongoConnectionStringError(code: .invalidOption, message: "\(what) given twice with different values")
                }
                continue
            }
            seen[slot] = value
            try self.apply(slot, key: key, value: value)
        }
        if self.directConnection == true, self.hosts.count > 1 {
            throw MongoConnectionStringError(code: .invalidOption, message: "directConnection=true needs exactly one host, not \(self.hosts.count)")
        }
        if self.authMechanism != nil, self.username == nil {
            throw MongoConnectionStringError(code: .invalidOption, message: "authMechanism is given, but there is no user name")
        }
    }

    private static let knownOptions: Set<String> = [
        "authsource", "authmechanism", "replicaset", "tls", "tlscafile", "tlsallowinvalidcertificates", "appname", "connecttimeoutms",
        "serverselectiontimeoutms", "sockettimeoutms", "maxpoolsize", "directconnection",
    ]

    private mutating func apply(_ slot: String, key: String, value: String) throws(MongoConnectionStringError) {
        switch slot {
        case "authsource": self.authSource = value
        case "authmechanism": self.authMechanism = try Self.authMechanism(value)
        case "replicaset": self.replicaSet = value
        case "tls": self.tls = try Self.bool(value, key: key)
        case "tlscafile": self.tlsCAFile = value
        case "tlsallowinvalidcertificates": self.tlsAllowInvalidCertificates = try Self.bool(value, key: key)
        case "appname":
            guard value.utf8.count <= 128 else {
                throw MongoConnectionStringError(code: .invalidOption, message: "appName is longer than MongoDB's 128 bytes")
            }
            self.appName = value
        case "connecttimeoutms": self.connectTimeoutMS = try Self.count(value, key: key)
        case "serverselectiontimeoutms": self.serverSelectionTimeoutMS = try Self.count(value, key: key)
        case "sockettimeoutms": self.socketTimeoutMS = try Self.count(value, key: key)
        case "maxpoolsize": self.maxPoolSize = try Self.count(value, key: key)
        case "directconnection": self.directConnection = try Self.bool(value, key: key)
        default: preconditionFailure("option \(slot) is in knownOptions but not applied")
        }
    }

    private static func authMechanism(_ value: String) throws(MongoConnectionStringError) -> String {
        switch value {
        case Self.supportedAuthMechanism, "DEFAULT":
            return Self.supportedAuthMechanism
        case "SCRAM-SHA-1", "MONGODB-CR", "MONGODB-X509", "GSSAPI", "PLAIN", "MONGODB-AWS", "MONGODB-OIDC":
            throw MongoConnectionStringError(
                code: .unsupported,
                message: "authMechanism \(value) is not supported; this client speaks only SCRAM-SHA-256 (MongoDB 4.0 and later)"
            )
        default:
            throw MongoConnectionStringError(code: .invalidOption, message: "authMechanism \(value.debugDescription) is not a MongoDB mechanism")
        }
    }

    private static func bool(_ value: String, key: String) throws(MongoConnectionStringError) -> Bool {
        switch value {
        case "true": return true
        case "false": return false
        default:
            throw MongoConnectionStringError(code: .invalidOption, message: "option \(key) is \(value.debugDescription), not true or false")
        }
    }

    private static func count(_ value: String, key: String) throws(MongoConnectionStringError) -> Int {
        guard value.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int32(value) else {
            throw MongoConnectionStringError(
                code: .invalidOption, message: "option \(key) is \(value.debugDescription), not a whole number from 0 to 2147483647")
        }
        return Int(number)
    }

    /// The percent-decoded text, or `nil` for a `%` without two hex digits or bytes that are not UTF-8. A `+` stays a
    /// `+`: the spec asks for `%20` for a space.
    private static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(Self.hexValue), let low = iterator.next().flatMap(Self.hexValue) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Percent-encodes everything but RFC 3986's unreserved characters.
    private static func percentEncoded(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            if byte < 0x80, Character(scalar).isLetter || Character(scalar).isNumber || "-._~".unicodeScalars.contains(scalar) {
                result.unicodeScalars.append(scalar)
            } else {
                let digits = String(byte, radix: 16, uppercase: true)
                result += "%" + (byte < 16 ? "0" : "") + digits
            }
        }
        return result
    }

    /// The connection string with the password replaced by `***`, the known options in a fixed order and unknown ones
    /// left out; safe to log.
    public var description: String {
        var text = "mongodb://"
        if let username = self.username {
            text += Self.percentEncoded(username)
            if self.password != nil {
                text += ":***"
            }
            text += "@"
        }
        text += self.hosts.map(\.description).joined(separator: ",")
        var options: [String] = []
        func add(_ key: String, _ value: String?) {
            if let value {
                options.append("\(key)=\(Self.percentEncoded(value))")
            }
        }
        add("authSource", self.authSource)
        add("authMechanism", self.authMechanism)
        add("replicaSet", self.replicaSet)
        add("tls", self.tls.map { "\($0)" })
        add("tlsCAFile", self.tlsCAFile)
        add("tlsAllowInvalidCertificates", self.tlsAllowInvalidCertificates.map { "\($0)" })
        add("appName", self.appName)
        add("connectTimeoutMS", self.connectTimeoutMS.map { "\($0)" })
        add("serverSelectionTimeoutMS", self.serverSelectionTimeoutMS.map { "\($0)" })
        add("socketTimeoutMS", self.socketTimeoutMS.map { "\($0)" })
        add("maxPoolSize", self.maxPoolSize.map { "\($0)" })
        add("directConnection", self.directConnection.map { "\($0)" })
        if self.database != nil || !options.isEmpty {
            text += "/" + (self.database.map(Self.percentEncoded) ?? "")
        }
        if !options.isEmpty {
            text += "?" + options.joined(separator: "&")
        }
        return text
    }
}

extension UInt8 {
    fileprivate var lowercasedASCII: UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self) ? self + 32 : self
    }
}
