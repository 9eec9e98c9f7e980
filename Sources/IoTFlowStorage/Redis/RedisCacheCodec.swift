import IoTFlowCore

/// How cached values are written into Redis strings: compact JSON arrays, positional so they stay small.
///
/// A value that does not decode (another version wrote it, or it was damaged) is treated as a miss.
enum RedisCacheCodec {
    static func encode(_ value: AuthenticatedDevice) -> String {
        let device = value.device
        let fields: [JSONValue] = [
            .int(device.id), .int(device.ownerID), .string(device.ownerPublicID), .string(device.name), .string(device.description),
            .string(device.deviceType), .string(device.status.rawValue), .string(device.location), .string(device.firmwareVersion),
            .string(device.hardwareVersion), .int(device.createdAt), .int(device.updatedAt), device.lastSeen.map { .int($0) } ?? .null,
            .bool(value.ownerIsActive), .string(value.ownerPublicID), .string(value.ownerUsername),
        ]
        return JSONWriter.string(.array(fields))
    }

    static func decodeDevice(_ text: String) -> AuthenticatedDevice? {
        guard case .array(let f)? = try? JSONParser.parse(text), f.count == 16,
            let id = f[0].int64, let ownerID = f[1].int64, let ownerPublicID = f[2].stringValue, let name = f[3].stringValue,
            let deviceType = f[5].stringValue, let status = f[6].stringValue.flatMap(DeviceStatus.init(rawValue:)),
            let createdAt = f[10].int64, let updatedAt = f[11].int64, case .bool(let ownerIsActive) = f[13],
            let authOwnerPublicID = f[14].stringValue, let ownerUsername = f[15].stringValue
        else { return nil }
        let device = Device(
            id: id, ownerID: ownerID, ownerPublicID: ownerPublicID, name: name, description: f[4].stringValue, deviceType: deviceType,
            status: status, location: f[7].stringValue, firmwareVersion: f[8].stringValue, hardwareVersion: f[9].stringValue,
            createdAt: createdAt, updatedAt: updatedAt, lastSeen: f[12].int64
        )
        return AuthenticatedDevice(device: device, ownerIsActive: ownerIsActive, ownerPublicID: authOwnerPublicID, ownerUsername: ownerUsername)
    }

    /// A session without its password hash: Redis never holds one.
    static func encode(_ session: TokenSession) -> String {
        let user = session.user
        let fields: [JSONValue] = [
            .int(user.id), .string(user.publicID), .string(user.username), .string(user.email), .bool(user.isActive), .bool(user.isAdmin),
            .int(user.createdAt), .int(user.updatedAt), user.lastLogin.map { .int($0) } ?? .null, .int(session.expiresAt),
        ]
        return JSONWriter.string(.array(fields))
    }

    static func decodeSession(_ text: String) -> TokenSession? {
        guard case .array(let f)? = try? JSONParser.parse(text), f.count == 10,
            let id = f[0].int64, let publicID = f[1].stringValue, let username = f[2].stringValue, let email = f[3].stringValue,
            case .bool(let isActive) = f[4], case .bool(let isAdmin) = f[5], let createdAt = f[6].int64, let updatedAt = f[7].int64,
            let expiresAt = f[9].int64
        else { return nil }
        let user = User(
            id: id, publicID: publicID, username: username, email: email, passwordHash: "", isActive: isActive, isAdmin: isAdmin,
            createdAt: createdAt, updatedAt: updatedAt, lastLogin: f[8].int64
        )
        return TokenSession(user: user, expiresAt: expiresAt)
    }

    /// A latest value as a hash field's value: `<timestamp>|<JSON value>`, so a Lua script can compare
    /// timestamps without decoding JSON.
    static func encode(_ value: LatestValue) -> (field: String, value: String) {
        (value.key, "\(value.timestamp)|" + JSONWriter.string(value.value.json))
    }

    static func decodeLatest(field: String, value: String) -> LatestValue? {
        guard let bar = value.firstIndex(of: "|"), let timestamp = Int64(value[..<bar]),
            let json = try? JSONParser.parse(String(value[value.index(after: bar)...]))
        else { return nil }
        let decoded: TelemetryValue
        switch json {
        case .int(let int): decoded = .number(Double(int))
        case .double(let double): decoded = .number(double)
        case .bool(let bool): decoded = .bool(bool)
        case .string(let string): decoded = .string(string)
        default: return nil
        }
        return LatestValue(key: field, value: decoded, timestamp: timestamp)
    }
}

extension JSONValue {
    fileprivate var int64: Int64? {
        if case .int(let value) = self { return value }
        return nil
    }
}
