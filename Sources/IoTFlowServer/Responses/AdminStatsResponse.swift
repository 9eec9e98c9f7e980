import Hummingbird
import IoTFlowCore

/// The answer of `GET /admin/stats`.
struct AdminStatsResponse: ResponseEncodable, Sendable {
    struct Users: ResponseEncodable, Sendable {
        let total: Int
        let active: Int
        let admins: Int
    }

    struct Devices: ResponseEncodable, Sendable {
        let total: Int
        let active: Int
        let inactive: Int
        let maintenance: Int
        let online: Int
        let offline: Int
    }

    struct Groups: ResponseEncodable, Sendable {
        let total: Int
    }

    struct Telemetry: ResponseEncodable, Sendable {
        let pointsTotal: Int
        let pointsLast24h: Int

        private enum CodingKeys: String, CodingKey { case pointsTotal = "points_total", pointsLast24h = "points_last_24h" }
    }

    struct Cache: ResponseEncodable, Sendable {
        let hits: Int
        let misses: Int
        let hitRate: Double

        private enum CodingKeys: String, CodingKey { case hits, misses, hitRate = "hit_rate" }
    }

    struct Events: ResponseEncodable, Sendable {
        let total: Int
        let dropped: Int
    }

    struct Alerts: ResponseEncodable, Sendable {
        let active: Int
        let acknowledged: Int
        let resolvedLast24h: Int

        private enum CodingKeys: String, CodingKey { case active, acknowledged, resolvedLast24h = "resolved_last_24h" }
    }

    let users: Users
    let devices: Devices
    let groups: Groups
    let telemetry: Telemetry
    let cache: Cache
    let events: Events
    let alerts: Alerts

    init(_ stats: AdminService.Statistics) {
        self.users = Users(total: stats.users.total, active: stats.users.active, admins: stats.users.admins)
        let byStatus = stats.devices.byStatus
        self.devices = Devices(
            total: stats.devices.total, active: byStatus[.active] ?? 0, inactive: byStatus[.inactive] ?? 0,
            maintenance: byStatus[.maintenance] ?? 0, online: stats.devices.online, offline: stats.devices.total - stats.devices.online
        )
        self.groups = Groups(total: stats.groups)
        self.telemetry = Telemetry(pointsTotal: stats.pointsTotal, pointsLast24h: stats.pointsLast24h)
        self.cache = Cache(hits: stats.cache.hits, misses: stats.cache.misses, hitRate: stats.cache.hitRate)
        self.events = Events(total: stats.eventsTotal, dropped: stats.eventQueue.dropped)
        self.alerts = Alerts(active: stats.alerts.active, acknowledged: stats.alerts.acknowledged, resolvedLast24h: stats.alerts.resolvedLast24h)
    }
}
