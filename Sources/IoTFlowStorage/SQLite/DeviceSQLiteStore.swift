import IoTFlowCore
import SQLiteNIO

/// Devices, keys, configuration and last contact in SQLite.
public struct DeviceSQLiteStore: DeviceStore {
    typealias Rows = RegistrySQLiteRows
    let database: SQLiteDatabaseFile

    /// Creates the store on an open database file.
    public init(database: SQLiteDatabaseFile) {
        self.database = database
    }

    public func createDevice(_ device: NewDevice) async throws -> Device {
        let rows = try await self.database.writeTranslatingConstraints {
            try await $0.query(
                """
                INSERT INTO devices (user_pk, name, description, device_type, location, firmware_version, hardware_version, api_key_hash,
                    created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
                """,
                [
                    .int(device.ownerID), .text(device.name), .optionalText(device.description), .text(device.deviceType),
                    .optionalText(device.location), .optionalText(device.firmwareVersion), .optionalText(device.hardwareVersion),
                    .text(device.apiKeyHash), .int(device.createdAt), .int(device.createdAt),
                ]
            )
        }
        guard let id = rows.first?.int64("id"), let device = try await self.device(id: id) else {
            throw MigrationError(message: "INSERT … RETURNING returned no row")
        }
        return device
    }

    public func device(id: Int64) async throws -> Device? {
        try await self.database.read("\(Rows.deviceSelect) WHERE d.id = ?", [.int(id)]).first.map(Rows.device)
    }

    public func device(apiKeyHash: String) async throws -> AuthenticatedDevice? {
        let rows = try await self.database.read(
            """
            SELECT \(Rows.columns(Rows.deviceColumnNames, table: "d")), u.is_active AS owner_active, u.user_id AS owner_public_id,
                u.username AS owner_username
            FROM devices d JOIN users u ON u.id = d.user_pk WHERE d.api_key_hash = ?
            """,
            [.text(apiKeyHash)]
        )
        return rows.first.map {
            AuthenticatedDevice(
                device: Rows.device($0), ownerIsActive: $0.bool("owner_active"), ownerPublicID: $0.string("owner_public_id") ?? "",
                ownerUsername: $0.string("owner_username") ?? ""
            )
        }
    }

    public func devices(
        ownerID: Int64?, status: DeviceStatus?, deviceType: String?, limit: Int, offset: Int
    ) async throws -> (devices: [Device], total: Int) {
        var filter = "1 = 1"
        var binds: [SQLiteData] = []
        if let ownerID {
            filter += " AND d.user_pk = ?"
            binds.append(.int(ownerID))
        }
        if let status {
            filter += " AND d.status = ?"
            binds.append(.text(status.rawValue))
        }
        if let deviceType {
            filter += " AND d.device_type = ?"
            binds.append(.text(deviceType))
        }
        let rows = try await self.database.read(
            "\(Rows.deviceSelect) WHERE \(filter) ORDER BY d.id LIMIT ? OFFSET ?", binds + [.integer(limit), .integer(offset)]
        )
        let total = try await self.database.read("SELECT COUNT(*) AS n FROM devices d WHERE \(filter)", binds).first?.int("n") ?? 0
        return (rows.map(Rows.device), total)
    }

    public func ownedDeviceIDs(_ ids: [Int64], ownerID: Int64) async throws -> Set<Int64> {
        guard !ids.isEmpty else { return [] }
        var owned = Set<Int64>()
        for chunk in ids.chunked(10_000) {
            let rows = try await self.database.read(
                "SELECT id FROM devices WHERE user_pk = ? AND id IN (\(placeholders(chunk.count)))", [.int(ownerID)] + chunk.map { .int($0) }
            )
            owned.formUnion(rows.compactMap { $0.int64("id") })
        }
        return owned
    }

    public func devices(ids: [Int64]) async throws -> [Device] {
        var devices: [Device] = []
        for chunk in ids.chunked(10_000) {
            let rows = try await self.database.read("\(Rows.deviceSelect) WHERE d.id IN (\(placeholders(chunk.count)))", chunk.map { .int($0) })
            devices.append(contentsOf: rows.map(Rows.device))
        }
        return devices
    }

    public func deviceIDs(ownerID: Int64) async throws -> [Int64] {
        try await self.database.read("SELECT id FROM devices WHERE user_pk = ? ORDER BY id", [.int(ownerID)]).compactMap { $0.int64("id") }
    }

    public func updateDevice(id: Int64, changes: DeviceChanges, now: Int64) async throws -> Device? {
        var assignments: [String] = []
        var binds: [SQLiteData] = []
        func set(_ column: String, _ value: SQLiteData) {
            assignments.append("\(column) = ?")
            binds.append(value)
        }
        if let name = changes.name { set("name", .text(name)) }
        if let description = changes.description { set("description", .optionalText(description)) }
        if let deviceType = changes.deviceType { set("device_type", .text(deviceType)) }
        if let location = changes.location { set("location", .optionalText(location)) }
        if let firmware = changes.firmwareVersion { set("firmware_version", .optionalText(firmware)) }
        if let hardware = changes.hardwareVersion { set("hardware_version", .optionalText(hardware)) }
        if let status = changes.status { set("status", .text(status.rawValue)) }
        set("updated_at", .int(now))
        let statement = "UPDATE devices SET \(assignments.joined(separator: ", ")) WHERE id = ? RETURNING id"
        let rows = try await self.database.writeTranslatingConstraints { [binds] in try await $0.query(statement, binds + [.int(id)]) }
        guard !rows.isEmpty else { return nil }
        return try await self.device(id: id)
    }

    public func setDeviceKey(id: Int64, apiKeyHash: String, now: Int64) async throws {
        _ = try await self.database.write {
            try await $0.query("UPDATE devices SET api_key_hash = ?, updated_at = ? WHERE id = ?", [.text(apiKeyHash), .int(now), .int(id)])
        }
    }

    public func deleteDevice(id: Int64) async throws {
        _ = try await self.database.write { try await $0.query("DELETE FROM devices WHERE id = ?", [.int(id)]) }
    }

    public func deleteDevices(ownerID: Int64) async throws {
        _ = try await self.database.write { try await $0.query("DELETE FROM devices WHERE user_pk = ?", [.int(ownerID)]) }
    }

    public func markSeen(_ lastSeen: [Int64: Int64]) async throws {
        guard !lastSeen.isEmpty else { return }
        try await self.database.write { try await Self.markSeen(lastSeen, on: $0) }
    }

    /// Moves `last_seen` forward (never back) inside the caller's transaction.
    static func markSeen(_ lastSeen: [Int64: Int64], on connection: isolated SQLiteHandle) async throws {
        guard !lastSeen.isEmpty else { return }
        let values = Array(repeating: "(?, ?)", count: lastSeen.count).joined(separator: ", ")
        let binds = lastSeen.flatMap { [SQLiteData.int($0.key), .int($0.value)] }
        _ = try await connection.query(
            """
            WITH seen(id, ts) AS (VALUES \(values))
            UPDATE devices SET last_seen = MAX(COALESCE(last_seen, 0), (SELECT ts FROM seen WHERE seen.id = devices.id))
            WHERE id IN (SELECT id FROM seen)
            """,
            binds
        )
    }

    public func deviceConfig(id: Int64) async throws -> DeviceConfig {
        let row = try await self.database.read("SELECT config, config_updated_at FROM devices WHERE id = ?", [.int(id)]).first
        let text = row?.string("config") ?? "{}"
        let object = (try? JSONParser.parse(text))?.objectValue ?? JSONObject()
        return DeviceConfig(json: object, updatedAt: row?.int64("config_updated_at"))
    }

    public func setDeviceConfig(id: Int64, json: String, now: Int64) async throws {
        _ = try await self.database.write {
            try await $0.query("UPDATE devices SET config = ?, config_updated_at = ? WHERE id = ?", [.text(json), .int(now), .int(id)])
        }
    }

    public func deviceCounts(onlineSince: Int64) async throws -> DeviceCounts {
        let rows = try await self.database.read(
            "SELECT status, COUNT(*) AS n, COUNT(CASE WHEN last_seen >= ? THEN 1 END) AS online FROM devices GROUP BY status", [.int(onlineSince)]
        )
        var byStatus = Dictionary(uniqueKeysWithValues: DeviceStatus.allCases.map { ($0, 0) })
        var online = 0
        for row in rows {
            guard let status = row.string("status").flatMap(DeviceStatus.init(rawValue:)) else { continue }
            byStatus[status] = row.int("n")
            online += row.int("online")
        }
        return DeviceCounts(byStatus: byStatus, online: online)
    }

    public func ping() async throws -> Double {
        try await self.database.ping()
    }
}
