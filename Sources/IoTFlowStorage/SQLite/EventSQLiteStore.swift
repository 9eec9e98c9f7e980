import IoTFlowCore
import SQLiteNIO

/// The event log in SQLite.
public struct EventSQLiteStore: EventStore {
    let database: SQLiteDatabaseFile

    /// Creates the store on an open database file.
    public init(database: SQLiteDatabaseFile) {
        self.database = database
    }

    public func append(_ events: [Event]) async throws {
        guard !events.isEmpty else { return }
        _ = try await self.database.write { connection in
            for chunk in events.chunked(2000) {
                _ = try await connection.query(
                    "INSERT INTO events (event_type, ts_ms, user_id, device_id, details) VALUES "
                        + Array(repeating: "(?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", "),
                    chunk.flatMap { event -> [SQLiteData] in
                        [
                            .text(event.type), .int(event.timestamp), .optionalText(event.userPublicID), .optionalInt(event.deviceID),
                            .text(JSONWriter.string(.object(event.details))),
                        ]
                    }
                )
            }
            return 0
        }
    }

    public func events(_ query: EventQuery) async throws -> (events: [Event], total: Int) {
        var conditions: [String] = []
        var binds: [SQLiteData] = []
        if let type = query.type {
            conditions.append("event_type = ?")
            binds.append(.text(type))
        }
        if let deviceID = query.deviceID {
            conditions.append("device_id = ?")
            binds.append(.int(deviceID))
        }
        if let user = query.userPublicID {
            conditions.append("user_id = ?")
            binds.append(.text(user))
        }
        if let start = query.start {
            conditions.append("ts_ms >= ?")
            binds.append(.int(start))
        }
        if let end = query.end {
            conditions.append("ts_ms < ?")
            binds.append(.int(end))
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let rows = try await self.database.read(
            "SELECT id, event_type, ts_ms, user_id, device_id, details FROM events \(filter) ORDER BY ts_ms DESC, id DESC LIMIT ? OFFSET ?",
            binds + [.integer(query.limit), .integer(query.offset)]
        )
        let total = try await self.database.read("SELECT COUNT(*) AS n FROM events \(filter)", binds).first?.int("n") ?? 0
        let events = rows.map { row in
            Event(
                id: row.int64("id"), type: row.string("event_type") ?? "", timestamp: row.int64("ts_ms") ?? 0, userPublicID: row.string("user_id"),
                deviceID: row.int64("device_id"), details: (try? JSONParser.parse(row.string("details") ?? "{}"))?.objectValue ?? JSONObject()
            )
        }
        return (events, total)
    }

    public func counts(_ query: EventCountQuery) async throws -> [EventCount] {
        var conditions = ["ts_ms >= ?", "ts_ms < ?"]
        // `?1` is the bucket length; each plain `?` after it takes the next number (2, 3, …).
        var binds: [SQLiteData] = [.int(query.bucketMilliseconds), .int(query.start), .int(query.end)]
        if let user = query.userPublicID {
            conditions.append("user_id = ?")
            binds.append(.text(user))
        }
        if let deviceID = query.deviceID {
            conditions.append("device_id = ?")
            binds.append(.int(deviceID))
        }
        // Floor division, so a bucket starts at a multiple of its length also before the epoch.
        let rows = try await self.database.read(
            """
            SELECT ts_ms - ((ts_ms % ?1) + ?1) % ?1 AS bucket, event_type, COUNT(*) AS n FROM events
            WHERE \(conditions.joined(separator: " AND ")) GROUP BY bucket, event_type ORDER BY bucket, event_type
            """,
            binds
        )
        return rows.map { row in
            EventCount(bucketStart: row.int64("bucket") ?? 0, type: row.string("event_type") ?? "", count: row.int("n"))
        }
    }

    public func ping() async throws -> Double {
        try await self.database.ping()
    }
}
