import Hummingbird
import IoTFlowCore

/// The live stream routes (API.md "Live streams"): `GET` with `Upgrade: websocket` on `/telemetry/{device_id}/stream`,
/// `/groups/{id}/stream` and `/alerts/stream`.
///
/// A route decides the upgrade like any request: credentials (headers, or `?token=` for browsers) and the target
/// are checked by ``LiveAccess`` with the services' rules, and a refusal is the usual JSON answer, sent before any
/// upgrade. On success the stream is subscribed at once, so nothing published after the client's 101 is missed,
/// and the route answers 101 with the connection's handler in the request's upgrade slot.
struct LiveStreamController {
    let services: APIServices
    let hub: LiveHub
    let access: LiveAccess

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get("telemetry/{device_id}/stream") { request, context in
            try await self.open(.device(try context.parameters.id("device_id", kind: "Device")), request, context)
        }
        routes.get("groups/{id}/stream") { request, context in
            try await self.open(.group(try context.parameters.id("id", kind: "Group")), request, context)
        }
        routes.get("alerts/stream") { request, context in
            try await self.open(.alerts, request, context)
        }
        return routes
    }

    private func open(_ target: LiveTarget, _ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let slot = context.webSocketUpgrade, request.headers[.upgrade]?.lowercased() == "websocket" else {
            throw IoTFlowError.badRequest("Open this endpoint as a WebSocket (Upgrade: websocket).")
        }
        var identity = context.identity
        // Browsers cannot set headers on a WebSocket: a bearer token may come as `?token=` (never logged: only
        // paths are). A header, when present, wins.
        let queryToken = QueryReader(request).string("token").flatMap { $0.isEmpty ? nil : $0 }
        if request.headers[.authorization] == nil, let queryToken {
            identity.authorization = .bearer(try await self.services.accounts.authenticate(token: queryToken))
        }
        let credentials = LiveCredentials(request, queryToken: queryToken)
        let grant = try await self.access.grant(target, identity: identity, credentials: credentials)
        let access = self.access
        let hub = self.hub
        let subscription = await hub.subscribe(grant) { try await access.grant(target, credentials: credentials) }
        // An upgrade that fails after this point never runs the handler below.
        slot.channel.closeFuture.whenComplete { _ in hub.unsubscribe(subscription) }
        slot.accept { inbound, outbound, context in
            let session = LiveStreamSession(hub: hub, subscription: subscription, channel: slot.channel, logger: context.logger)
            try await session.run(inbound: inbound, outbound: outbound)
        }
        return Response(status: .switchingProtocols)
    }
}
