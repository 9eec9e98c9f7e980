import Hummingbird
import IoTFlowCore
import NIOCore

/// `GET /health`, `GET /status` and `GET /` at the root.
struct HealthController {
    let services: APIServices
    let startedAt: ContinuousClock.Instant

    static let version = "0.1.0"

    func addRoutes(to router: Router<AppRequestContext>, table: RouteTable) {
        router.on(table, "", "health", method: .get) { request, _ in
            try await self.services.rejectInvalidBearer(request)
            let uptime = (ContinuousClock.now - self.startedAt).components.seconds
            var body: JSONObject = ["status": "healthy", "version": .string(Self.version), "uptime_s": .int(uptime)]
            guard request.queryDictionary["detailed"]?.lowercased() == "true" else { return JSONBody.response(.object(body)) }
            let report = await self.services.health.check()
            body["status"] = .string(report.status)
            body["stores"] = report.stores
            return JSONBody.response(.object(body), status: report.primaryDown ? .serviceUnavailable : .ok)
        }
        router.on(table, "", "status", method: .get) { request, _ in
            try await self.services.rejectInvalidBearer(request)
            let report = await self.services.health.check()
            let now = self.services.deps.clock.nowMilliseconds()
            let onlineSince = now - Int64(self.services.deps.settings.onlineWindowSeconds) * 1000
            var counts = try? await self.services.deps.registry.deviceCounts(onlineSince: onlineSince)
            if counts != nil, let online = await self.services.deps.cache.onlineDevices(since: onlineSince) { counts?.online = online }
            let points = try? await self.services.deps.telemetry.countValues(since: nil)
            return JSONBody.response([
                "status": .string(report.status), "version": .string(Self.version),
                "devices": ["total": counts.map { .integer($0.total) } ?? .null, "online": counts.map { .integer($0.online) } ?? .null],
                "telemetry": ["points_total": points.map { .integer($0) } ?? .null], "stores": report.stores,
            ])
        }
        router.on(table, "", "", method: .get) { request, _ in
            try await self.services.rejectInvalidBearer(request)
            return JSONBody.response([
                "name": "IoTFlow", "version": .string(Self.version), "docs": "README.md",
                "endpoints": [
                    "health": "/health", "status": "/status", "auth": "/api/v1/auth", "users": "/api/v1/users",
                    "devices": "/api/v1/devices", "telemetry": "/api/v1/telemetry",
                ],
            ])
        }
    }
}
