import CoreMetrics
import IoTFlowCore
import Metrics
import Prometheus

/// The process's Prometheus registry, bootstrapped into swift-metrics once, and IoTFlow's own metrics.
///
/// swift-metrics allows one bootstrap per process; tests build many applications in one process, so
/// the registry is a process-wide singleton and counters accumulate across them.
enum AppMetrics {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.nameAndLabelSanitizer = { name, labels in
            (Self.prometheusName(Self.renamed[name] ?? name), labels.map { (Self.prometheusName($0.0), $0.1) })
        }
        factory.valueHistogramBuckets["iotflow_ingest_batch_points"] = [1, 10, 100, 1000, 10_000, 100_000]
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    /// Hummingbird's metric labels, renamed to Prometheus conventions (unit suffixes, `_total`).
    private static let renamed = [
        "hb.requests": "http_server_requests_total",
        "hb.request.errors": "http_server_request_errors_total",
        "http.server.request.duration": "http_server_request_duration_seconds",
        "http.server.active_requests": "http_server_active_requests",
    ]

    /// Replaces characters Prometheus does not allow in names with `_`.
    static func prometheusName(_ name: String) -> String {
        String(
            String.UnicodeScalarView(
                name.unicodeScalars.map { scalar in
                    (scalar.properties.isAlphabetic && scalar.isASCII) || ("0"..."9").contains(scalar) || scalar == "_" || scalar == ":"
                        ? scalar : "_"
                }
            )
        )
    }

    /// Makes sure swift-metrics is bootstrapped before any metric object is created.
    static func bootstrap() {
        _ = Self.registry
    }

    static let ingestedPoints = CoreMetrics.Counter(label: "iotflow_ingest_points_total")
    static let batchPoints = CoreMetrics.Recorder(label: "iotflow_ingest_batch_points", aggregate: true)
    static let commitDuration = CoreMetrics.Timer(label: "iotflow_ingest_commit_duration_seconds", preferredDisplayUnit: .seconds)
    static let cacheHits = CoreMetrics.Gauge(label: "iotflow_cache_hits")
    static let cacheMisses = CoreMetrics.Gauge(label: "iotflow_cache_misses")
    static let cacheHitRate = CoreMetrics.Gauge(label: "iotflow_cache_hit_rate")
    static let cacheErrors = CoreMetrics.Gauge(label: "iotflow_cache_errors")
    static let eventQueueDepth = CoreMetrics.Gauge(label: "iotflow_event_queue_depth")
    static let eventsDropped = CoreMetrics.Gauge(label: "iotflow_events_dropped")
    static let alertQueuePoints = CoreMetrics.Gauge(label: "iotflow_alert_evaluation_queue_points")
    static let alertBacklogDevices = CoreMetrics.Gauge(label: "iotflow_alert_evaluation_backlog_devices")
    static let alertLag = CoreMetrics.Gauge(label: "iotflow_alert_evaluation_lag_seconds")
    static let exportedValues = CoreMetrics.Counter(label: "iotflow_export_values_total")

    static func nanoseconds(since start: ContinuousClock.Instant) -> Int64 {
        let elapsed = ContinuousClock.now - start
        return elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
    }

    static func storePing(role: String) -> CoreMetrics.Gauge {
        CoreMetrics.Gauge(label: "iotflow_store_ping_seconds", dimensions: [("role", role)])
    }
}
