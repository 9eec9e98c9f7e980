import Testing

@Suite("Alerts: evaluation queue")
struct AlertQueueTests {
    @Test("points that overflow the evaluation queue are read back from the store and still move alerts; /metrics shows the queue")
    func overflowCatchesUp() async throws {
        try await withConfiguredApp({ $0.alertQueuePoints = 1 }) { api in
            let alice = try await api.registerUser("alice")
            let device = try await api.registerDevice(alice)
            try await api.createThresholdRule(alice, device: device)
            let start = TestTime.now() - TestTime.hour
            // Three points in one batch never fit a one-point queue: only the read-back can evaluate them.
            try await api.postBatch(device, [(start, ["t": 20]), (start + 1000, ["t": 31]), (start + 2000, ["t": 10])])
            let alerts = try await api.pollAlerts("status=resolved", auth: alice.bearer) { !$0.isEmpty }
            try #require(alerts.count == 1)
            #expect(TestTime.millis(alerts[0]["triggered_at"].string) == start + 1000)
            #expect(TestTime.millis(alerts[0]["resolved_at"].string) == start + 2000)
            let metrics = try await api.get("/metrics")
            for name in ["iotflow_alert_evaluation_queue_points", "iotflow_alert_evaluation_backlog_devices", "iotflow_alert_evaluation_lag_seconds"]
            {
                #expect(metrics.text.contains(name), "\(name) in /metrics")
            }
        }
    }
}
