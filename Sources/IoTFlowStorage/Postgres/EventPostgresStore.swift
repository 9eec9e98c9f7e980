import IoTFlowCore
import PostgresNIO

/// The event log in PostgreSQL.
public struct EventPostgresStore: EventStore {
    let database: PostgresDatabase

    /// Creates the store on a database whose pool is running and whose schema is migrated.
    public init(database: PostgresDatabase) {
        self.database = database
    }

    public func append(_ events: [Event]) async throws {
        guard !events.isEmpty else { return }
        // One statement per call: postgres-nio cannot bind arrays with NULLs, so absent user and device ids
        // travel as placeholders next to flags saying whether each is present.
        let types = events.map(\.type)
        let timestamps = events.map(\.timestamp)
        let users = events.map { $0.userPublicID ?? "" }
        let hasUser = events.map { $0.userPublicID != nil }
        let devices = events.map { $0.deviceID ?? 0 }
        let hasDevice = events.map { $0.deviceID != nil }
        let details = events.map { JSONWriter.string(.object($0.details)) }
        _ = try await self.database.rows(
            """
            INSERT INTO events (event_type, ts_ms, user_id, device_id, details)
            SELECT e.type, e.ts, CASE WHEN e.has_user THEN e.user_id END, CASE WHEN e.has_device THEN e.device_id END, e.details
            FROM unnest(\(types)::text[], \(timestamps)::int8[], \(users)::text[], \(hasUser)::bool[], \(devices)::int8[], \(hasDevice)::bool[],
                \(details)::text[]) WITH ORDINALITY AS e(type, ts, user_id, has_user, device_id, has_device, details, position)
            ORDER BY e.position
            """
        )
    }

    public func events(_ query: EventQuery) async throws -> (events: [Event], total: Int) {
        var conditions: [String] = []
        var binds = PostgresBindings()
        if let type = query.type {
            binds.append(type)
            conditions.append("event_type = $\(binds.count)")
        }
        if let deviceID = query.deviceID {
            binds.append(deviceID)
            conditions.append("device_id = $\(binds.count)")
        }
        if let user = query.userPublicID {
            binds.append(user)
            conditions.append("user_id = $\(binds.count)")
        }
        if let start = query.start {
            binds.append(start)
            conditions.append("ts_ms >= $\(binds.count)")
        }
        if let end = query.end {
            binds.append(end)
            conditions.append("ts_ms < $\(binds.count)")
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let totalRows = try await self.database.rows(PostgresQuery(unsafeSQL: "SELECT count(*) FROM events \(filter)", binds: binds))
        let total = Int(try totalRows.first?.decode(Int64.self) ?? 0)
        binds.append(Int64(query.limit))
        binds.append(Int64(query.offset))
        let rows = try await self.database.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT id, event_type, ts_ms, user_id, device_id, details FROM events \(filter)
                    ORDER BY ts_ms DESC, id DESC LIMIT $\(binds.count - 1) OFFSET $\(binds.count)
                    """,
                binds: binds
            )
        )
        let events = try rows.map { row in
            let (id, type, timestamp, user, device, details) = try row.decode((Int64, String, Int64, String?, Int64?, String).self)
            return Event(
                id: id, type: type, timestamp: timestamp, userPublicID: user, deviceID: device,
                details: (try? JSONParser.parse(details))?.objectValue ?? JSONObject()
            )
        }
        return (events, total)
    }

    public func counts(_ query: EventCountQuery) async throws -> [EventCount] {
        var binds = PostgresBindings()
        binds.append(query.bucketMilliseconds)
        binds.append(query.start)
        binds.append(query.end)
        var conditions = ["ts_ms >= $2", "ts_ms < $3"]
        if let user = query.userPublicID {
            binds.append(user)
            conditions.append("user_id = $\(binds.count)")
        }
        if let deviceID = query.deviceID {
            binds.append(deviceID)
            conditions.append("device_id = $\(binds.count)")
        }
        // Floor division, so a bucket starts at a multiple of its length also before the epoch.
        let rows = try await self.database.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT ts_ms - ((ts_ms % $1) + $1) % $1 AS bucket, event_type, count(*) FROM events
                    WHERE \(conditions.joined(separator: " AND ")) GROUP BY bucket, event_type ORDER BY bucket, event_type
                    """,
                binds: binds
            )
        )
        return try rows.map { row in
            let (bucket, type, count) = try row.decode((Int64, String, Int64).self)
            return EventCount(bucketStart: bucket, type: type, count: Int(count))
        }
    }

    public func ping() async throws -> Double {
        try await self.database.ping()
    }
}
