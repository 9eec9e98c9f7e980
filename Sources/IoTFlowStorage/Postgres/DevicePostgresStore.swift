import IoTFlowCore
import PostgresNIO

/// Devices, keys, configuration and last contact in PostgreSQL.
public struct DevicePostgresStore: DeviceStore {
    typealias Rows = RegistryPostgresRows
    let database: PostgresDatabase

    /// Creates the store on a database whose pool is running and whose schema is migrated.
    public init(database: PostgresDatabase) {
        self.database = database
    }

    public func createDevice(_ device: NewDevice) async throws -> Device {
        let rows = try await PostgresUniqueViolation.translating {
            try await self.database.rows(
                """
                WITH created AS (
                    INSERT INTO devices (user_pk, name, description, device_type, location, firmware_version, hardware_version, api_key_hash,
                        created_at, updated_at)
                    VALUES (\(device.ownerID), \(device.name), \(device.description), \(device.deviceType), \(device.location),
                        \(device.firmwareVersion), \(device.hardwareVersion), \(device.apiKeyHash), \(device.createdAt), \(device.createdAt))
                    RETURNING *
                )
                SELECT \(unescaped: Rows.deviceColumnNames.map { "d.\($0)" }.joined(separator: ", ")), u.user_id AS owner_public_id
                FROM created d JOIN users u ON u.id = d.user_pk
                """
            )
        }
        guard let row = rows.first else { throw MigrationError(message: "INSERT … RETURNING returned no row") }
        return try Rows.device(row)
    }

    public func device(id: Int64) async throws -> Device? {
        try await self.database.rows("\(unescaped: Rows.deviceSelect) WHERE d.id = \(id)").first.map(Rows.device)
    }

    public func device(apiKeyHash: String) async throws -> AuthenticatedDevice? {
        let rows = try await self.database.rows(
            """
            \(unescaped: Rows.deviceSelect.replacingOccurrences(of: " FROM ", with: ", u.is_active AS owner_active, u.username AS owner_username FROM "))
            WHERE d.api_key_hash = \(apiKeyHash)
            """
        )
        guard let row = rows.first else { return nil }
        let columns = row.makeRandomAccess()
        return AuthenticatedDevice(
            device: try Rows.device(row), ownerIsActive: try columns["owner_active"].decode(Bool.self),
            ownerPublicID: try columns["owner_public_id"].decode(String.self), ownerUsername: try columns["owner_username"].decode(String.self)
        )
    }

    public func devices(
        ownerID: Int64?, status: DeviceStatus?, deviceType: String?, limit: Int, offset: Int
    ) async throws -> (devices: [Device], total: Int) {
        var filter = "TRUE"
        var binds = PostgresBindings()
        if let ownerID {
            binds.append(ownerID)
            filter += " AND d.user_pk = $\(binds.count)"
        }
        if let status {
            binds.append(status.rawValue)
            filter += " AND d.status = $\(binds.count)"
        }
        if let deviceType {
            binds.append(deviceType)
            filter += " AND d.device_type = $\(binds.count)"
        }
        let total = try Rows.count(
            try await self.database.rows(PostgresQuery(unsafeSQL: "SELECT count(*) FROM devices d WHERE \(filter)", binds: binds))
        )
        binds.append(Int64(limit))
        binds.append(Int64(offset))
        let rows = try await self.database.rows(
            PostgresQuery(
                unsafeSQL: "\(Rows.deviceSelect) WHERE \(filter) ORDER BY d.id LIMIT $\(binds.count - 1) OFFSET $\(binds.count)", binds: binds
            )
        )
        return (try rows.map(Rows.device), total)
    }

    public func ownedDeviceIDs(_ ids: [Int64], ownerID: Int64) async throws -> Set<Int64> {
        guard !ids.isEmpty else { return [] }
        let rows = try await self.database.rows("SELECT id FROM devices WHERE user_pk = \(ownerID) AND id = ANY(\(ids)::int8[])")
        return Set(try rows.map { try $0.decode(Int64.self) })
    }

    public func devices(ids: [Int64]) async throws -> [Device] {
        guard !ids.isEmpty else { return [] }
        return try await self.database.rows("\(unescaped: Rows.deviceSelect) WHERE d.id = ANY(\(ids)::int8[])").map(Rows.device)
    }

    public func deviceIDs(ownerID: Int64) async throws -> [Int64] {
        try await self.database.rows("SELECT id FROM devices WHERE user_pk = \(ownerID) ORDER BY id").map { try $0.decode(Int64.self) }
    }

    public func updateDevice(id: Int64, changes: DeviceChanges, now: Int64) async throws -> Device? {
        var assignments: [String] = []
        var binds = PostgresBindings()
        func set(_ column: String, _ value: String?) {
            binds.append(value)
            assignments.append("\(column) = $\(binds.count)")
        }
        if let name = changes.name { set("name", name) }
        if let description = changes.description { set("description", description) }
        if let deviceType = changes.deviceType { set("device_type", deviceType) }
        if let location = changes.location { set("location", location) }
        if let firmware = changes.firmwareVersion { set("firmware_version", firmware) }
        if let hardware = changes.hardwareVersion { set("hardware_version", hardware) }
        if let status = changes.status { set("status", status.rawValue) }
        binds.append(now)
        assignments.append("updated_at = $\(binds.count)")
        binds.append(id)
        let statement = "UPDATE devices SET \(assignments.joined(separator: ", ")) WHERE id = $\(binds.count) RETURNING id"
        let rows = try await PostgresUniqueViolation.translating {
            try await self.database.rows(PostgresQuery(unsafeSQL: statement, binds: binds))
        }
        guard !rows.isEmpty else { return nil }
        return try await self.device(id: id)
    }

    public func setDeviceKey(id: Int64, apiKeyHash: String, now: Int64) async throws {
        _ = try await PostgresUniqueViolation.translating {
            try await self.database.rows("UPDATE devices SET api_key_hash = \(apiKeyHash), updated_at = \(now) WHERE id = \(id)")
        }
    }

    public func deleteDevice(id: Int64) async throws {
        _ = try await self.database.rows("DELETE FROM devices WHERE id = \(id)")
    }

    public func deleteDevices(ownerID: Int64) async throws {
        _ = try await self.database.rows("DELETE FROM devices WHERE user_pk = \(ownerID)")
    }

    public func markSeen(_ lastSeen: [Int64: Int64]) async throws {
        guard !lastSeen.isEmpty else { return }
        _ = try await self.database.rows(Self.markSeenQuery(lastSeen))
    }

    /// Moves `last_seen` forward, never back. Sorted ids make concurrent callers lock rows in the same
    /// order; rows already newer are not rewritten.
    static func markSeenQuery(_ lastSeen: [Int64: Int64]) -> PostgresQuery {
        let pairs = lastSeen.sorted { $0.key < $1.key }
        return """
            UPDATE devices d SET last_seen = GREATEST(COALESCE(d.last_seen, 0), s.ts)
            FROM unnest(\(pairs.map(\.key))::int8[], \(pairs.map(\.value))::int8[]) AS s(id, ts)
            WHERE d.id = s.id AND (d.last_seen IS NULL OR d.last_seen < s.ts)
            """
    }

    public func deviceConfig(id: Int64) async throws -> DeviceConfig {
        guard let row = try await self.database.rows("SELECT config, config_updated_at FROM devices WHERE id = \(id)").first else {
            return DeviceConfig(json: JSONObject(), updatedAt: nil)
        }
        let (text, updatedAt) = try row.decode((String, Int64?).self)
        let object = (try? JSONParser.parse(text))?.objectValue ?? JSONObject()
        return DeviceConfig(json: object, updatedAt: updatedAt)
    }

    public func setDeviceConfig(id: Int64, json: String, now: Int64) async throws {
        _ = try await self.database.rows("UPDATE devices SET config = \(json), config_updated_at = \(now) WHERE id = \(id)")
    }

    public func deviceCounts(onlineSince: Int64) async throws -> DeviceCounts {
        let rows = try await self.database.rows(
            "SELECT status, count(*), count(*) FILTER (WHERE last_seen >= \(onlineSince)) FROM devices GROUP BY status"
        )
        var byStatus = Dictionary(uniqueKeysWithValues: DeviceStatus.allCases.map { ($0, 0) })
        var online = 0
        for row in rows {
            let (status, count, seen) = try row.decode((String, Int64, Int64).self)
            guard let status = DeviceStatus(rawValue: status) else { continue }
            byStatus[status] = Int(count)
            online += Int(seen)
        }
        return DeviceCounts(byStatus: byStatus, online: online)
    }

    public func ping() async throws -> Double {
        try await self.database.ping()
    }
}
