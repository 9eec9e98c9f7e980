import Testing

/// `/metrics` is process-global and tests run in parallel, so these tests compare values before and after.
@Suite("Metrics: GET /metrics")
struct MetricsTests {
    @Test("the parser accepts the text format and rejects malformed lines")
    func parser() {
        let text = """
            # HELP http_server_requests_total Requests.
            # TYPE http_server_requests_total counter
            http_server_requests_total{http_route="/a",http_request_method="GET",http_response_status_code="200"} 3
            h_bucket{le="+Inf"} 2 1700000000000
            g{label="quote \\" backslash \\\\ newline \\n"} -1.5e3
            n NaN
            bad{label=unquoted} 1
            bad_value 1x
            {}
            """
        let exposition = parsePrometheus(text)
        #expect(exposition.types == ["http_server_requests_total": "counter"])
        #expect(exposition.sum("http_server_requests_total", ["http_route": "/a", "http_request_method": "GET"]) == 3)
        #expect(exposition.samples("h_bucket", ["le": "+Inf"]).first?.value == 2)
        #expect(exposition.samples("g").first?.labels["label"] == "quote \" backslash \\ newline \n")
        #expect(exposition.sum("g") == -1500)
        #expect(exposition.badLines == ["bad{label=unquoted} 1", "bad_value 1x", "{}"])
    }

    @Test("GET /metrics is Prometheus text with the documented families")
    func families() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let now = TestTime.now()
            try await api.postBatch(device, [(now - 2 * TestTime.second, ["t": 1]), (now - TestTime.second, ["t": 2])])
            for _ in 0..<2 { try requireJSON(try await api.get("/api/v1/telemetry/\(device.id)/latest", auth: alice.bearer)) }
            try requireJSON(try await api.get("/health?detailed=true"))
            let metrics = try await api.metrics()

            for family in [
                "http_server_requests_total", "http_server_request_duration_seconds", "iotflow_ingest_points_total", "iotflow_ingest_batch_points",
                "iotflow_ingest_commit_duration_seconds", "iotflow_cache_hits", "iotflow_cache_misses", "iotflow_cache_hit_rate",
                "iotflow_cache_errors",
                "iotflow_store_ping_seconds",
                "iotflow_event_queue_depth", "iotflow_events_dropped",
            ] {
                #expect(metrics.hasFamily(family), "missing \(family)")
                #expect(metrics.types[family] != nil, "no # TYPE for \(family)")
            }
            for histogram in ["http_server_request_duration_seconds", "iotflow_ingest_batch_points", "iotflow_ingest_commit_duration_seconds"] {
                #expect(metrics.types[histogram] == "histogram", "\(histogram) type \(String(describing: metrics.types[histogram]))")
                #expect(!metrics.samples(histogram + "_bucket").isEmpty, "\(histogram)_bucket")
                #expect(metrics.samples(histogram + "_bucket").allSatisfy { $0.labels["le"] != nil }, "\(histogram)_bucket without le")
                #expect(!metrics.samples(histogram + "_bucket", ["le": "+Inf"]).isEmpty, "\(histogram)_bucket le=+Inf")
                #expect(!metrics.samples(histogram + "_sum").isEmpty, "\(histogram)_sum")
                #expect(!metrics.samples(histogram + "_count").isEmpty, "\(histogram)_count")
            }
            let requests = metrics.samples("http_server_requests_total")
            #expect(!requests.isEmpty)
            for sample in requests {
                #expect(
                    ["http_route", "http_request_method", "http_response_status_code"].allSatisfy { sample.labels[$0] != nil },
                    "labels \(sample.labels)")
            }
            let pings = metrics.samples.filter { $0.name.hasPrefix("iotflow_store_ping_seconds") }
            #expect(!pings.isEmpty && pings.allSatisfy { $0.labels["role"] != nil }, "store ping samples \(pings)")
            for name in ["iotflow_event_queue_depth", "iotflow_events_dropped", "iotflow_cache_hits", "iotflow_cache_misses"] {
                #expect(!metrics.samples(name).isEmpty && metrics.samples(name).allSatisfy { $0.value >= 0 }, "\(name)")
            }
        }
    }

    @Test("requests are counted by route template, method and status")
    func requestCounter() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            try await api.postPoint(device, ["t": 1])
            let route = "/api/v1/telemetry/{device_id}"
            let ok = ["http_route": route, "http_request_method": "GET", "http_response_status_code": "200"]
            let missing = ["http_route": route, "http_request_method": "GET", "http_response_status_code": "404"]
            let before = try await api.metrics()
            try requireJSON(try await api.get("/api/v1/telemetry/\(device.id)?start_time=-1h", auth: alice.bearer))
            expectError(try await api.get("/api/v1/telemetry/999999", auth: alice.bearer), .notFound)
            let after = try await api.metrics()

            #expect(after.sum("http_server_requests_total", ok) >= before.sum("http_server_requests_total", ok) + 1)
            #expect(after.sum("http_server_requests_total", missing) >= before.sum("http_server_requests_total", missing) + 1)
            let concrete = after.samples.filter { $0.labels["http_route"] == "/api/v1/telemetry/\(device.id)" }
            #expect(concrete.isEmpty, "concrete paths as route labels: \(concrete)")
            let durations = ["http_route": route]
            #expect(
                after.sum("http_server_request_duration_seconds_count", durations)
                    >= before.sum("http_server_request_duration_seconds_count", durations) + 2)
        }
    }

    @Test("ingested points, batch sizes and commits are counted")
    func ingest() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let before = try await api.metrics()
            let now = TestTime.now()
            try await api.postBatch(device, (1...5).map { (now - Int64($0) * TestTime.second, ["t": .number(Double($0))]) })
            let after = try await api.metrics()
            #expect(after.sum("iotflow_ingest_points_total") >= before.sum("iotflow_ingest_points_total") + 5)
            #expect(after.sum("iotflow_ingest_batch_points_count") >= before.sum("iotflow_ingest_batch_points_count") + 1)
            #expect(after.sum("iotflow_ingest_batch_points_sum") >= before.sum("iotflow_ingest_batch_points_sum") + 5)
            #expect(after.sum("iotflow_ingest_commit_duration_seconds_count") >= before.sum("iotflow_ingest_commit_duration_seconds_count") + 1)
        }
    }

    @Test("cache lookups of latest values are counted")
    func cache() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            try await api.postPoint(device, ["t": 1])
            let before = try await api.metrics()
            for _ in 0..<3 { try requireJSON(try await api.get("/api/v1/telemetry/\(device.id)/latest", auth: alice.bearer)) }
            let after = try await api.metrics()
            let lookups = { (metrics: PrometheusExposition) in metrics.sum("iotflow_cache_hits") + metrics.sum("iotflow_cache_misses") }
            #expect(lookups(after) > lookups(before))
        }
    }

    @Test("GET /metrics needs no credential and is not under /api/v1")
    func location() async throws {
        try await withApp { api in
            let response = try await api.get("/metrics")
            #expect(response.status == .ok)
            expectError(try await api.get("/api/v1/metrics"), .notFound)
        }
    }
}
