/// The `client` document of the first `hello`, which servers log to tell drivers and applications apart.
enum MongoClientMetadata {
    static let driverName = "MongoNIO"
    static let driverVersion = "0.1.0"

    /// The handshake specification caps an application name at 128 bytes.
    static let maxApplicationNameBytes = 128

    static func document(appName: String?) -> BSONDocument {
        var document: BSONDocument = [
            "driver": .document(["name": .string(Self.driverName), "version": .string(Self.driverVersion)]),
            "os": .document(["type": .string(Self.osType)]),
        ]
        if let appName, !appName.isEmpty {
            document["application"] = .document(["name": .string(Self.truncated(appName))])
        }
        return document
    }

    static var osType: String {
        #if os(Linux)
        return "Linux"
        #elseif os(macOS) || os(iOS) || os(tvOS) || os(watchOS) || os(visionOS)
        return "Darwin"
        #elseif os(Windows)
        return "Windows"
        #else
        return "unknown"
        #endif
    }

    private static func truncated(_ name: String) -> String {
        var result = ""
        for character in name {
            guard result.utf8.count + String(character).utf8.count <= Self.maxApplicationNameBytes else {
                break
            }
            result.append(character)
        }
        return result
    }
}
