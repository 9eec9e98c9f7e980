import Hummingbird
import IoTFlowCore
import NIOCore

/// `GET /metrics`: Prometheus text exposition of every metric of the process.
struct MetricsController {
    let services: APIServices

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get("metrics") { _, _ in
            // Values that live in other components are sampled at scrape time: every await first, then
            // the gauges are set and emitted without a suspension point, so scrapes cannot interleave.
            let cache = await self.services.deps.cache.statistics()
            let stores = await self.services.health.check().stores
            let queue = self.services.deps.events.queueStatistics()
            AppMetrics.cacheHits.record(cache.hits)
            AppMetrics.cacheMisses.record(cache.misses)
            AppMetrics.cacheHitRate.record(cache.hitRate)
            AppMetrics.cacheErrors.record(cache.errors)
            AppMetrics.eventQueueDepth.record(queue.depth)
            AppMetrics.eventsDropped.record(queue.dropped)
            if let evaluation = self.services.alertEvaluation?.statistics() {
                AppMetrics.alertQueuePoints.record(evaluation.queuedPoints)
                AppMetrics.alertBacklogDevices.record(evaluation.backlogDevices)
                AppMetrics.alertLag.record(evaluation.lagSeconds)
            }
            for store in stores {
                AppMetrics.storePing(role: store.role).record((store.latencyMilliseconds ?? -1000) / 1000)
            }
            let bytes = AppMetrics.registry.emitToBuffer()
            var buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: .init(byteBuffer: buffer)
            )
        }
        return routes
    }
}
