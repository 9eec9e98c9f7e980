import Testing

@testable import IoTFlowCore

/// The per rule-and-device memory of the evaluator: runs of points that satisfy a rule, stale and overwritten points.
@Suite("Threshold tracker")
struct ThresholdTrackerTests {
    @Test("a run starts at its first satisfying point and ends at the first point that does not satisfy the rule")
    func runs() {
        var tracker = ThresholdTracker()
        #expect(tracker.isCold)
        #expect(tracker.observe(10, holds: false) == .clear)
        #expect(!tracker.isCold)
        #expect(tracker.observe(20, holds: true) == .holding(since: 20))
        #expect(tracker.observe(30, holds: true) == .holding(since: 20))
        #expect(tracker.observe(40, holds: false) == .clear)
        #expect(tracker.observe(50, holds: true) == .holding(since: 50))
    }

    @Test("a point older than the newest one evaluated moves nothing")
    func stalePoints() {
        var tracker = ThresholdTracker()
        _ = tracker.observe(100, holds: true)
        #expect(tracker.observe(50, holds: false) == .stale)
        #expect(tracker.observe(110, holds: true) == .holding(since: 100))
    }

    @Test("a point at the newest timestamp replaces it, as the store keeps one value per timestamp")
    func overwrites() {
        var tracker = ThresholdTracker()
        _ = tracker.observe(100, holds: true)
        _ = tracker.observe(200, holds: true)
        #expect(tracker.observe(200, holds: false) == .clear)
        #expect(tracker.observe(200, holds: true) == .holding(since: 200))
    }

    @Test("the stored history can move the start of a run")
    func restart() {
        var tracker = ThresholdTracker()
        _ = tracker.observe(100, holds: true)
        tracker.restart(holdingSince: 40)
        #expect(tracker.observe(120, holds: true) == .holding(since: 40))
    }

    @Test("operators compare numbers; booleans count as 1 and 0; strings never satisfy a rule")
    func operators() {
        let cases: [(AlertOperator, Double, Bool)] = [
            (.gt, 31, true), (.gt, 30, false), (.gte, 30, true), (.lt, 29, true), (.lt, 30, false), (.lte, 30, true), (.eq, 30, true),
            (.eq, 30.5, false), (.ne, 30.5, true), (.ne, 30, false),
        ]
        for (comparison, value, expected) in cases {
            #expect(comparison.holds(value, 30) == expected, "\(value) \(comparison.rawValue) 30")
        }
        let rule = AlertRule(
            id: 1, name: "on", ownerID: 1, ownerPublicID: "", deviceID: 1, groupID: nil, type: .threshold, key: "k", comparison: .eq, threshold: 1,
            durationSeconds: 0, offlineAfterSeconds: nil, severity: .info, cooldownSeconds: 0, enabled: true, createdAt: 0, updatedAt: 0)
        #expect(rule.holds(.bool(true)))
        #expect(!rule.holds(.bool(false)))
        #expect(!rule.holds(.string("1")))
        #expect(rule.holds(.number(1)))
    }
}
