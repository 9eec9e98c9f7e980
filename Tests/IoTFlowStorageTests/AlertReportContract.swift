import IoTFlowCore
import Testing

/// `AlertStore`: listing with filters and paging, the summary and the statistics, all computed by the store.
enum AlertReportContract {
    typealias Lifecycle = AlertLifecycleContract

    /// Six alerts as they stand after their lifecycles, in the order they were opened:
    /// 0 resolved (rule 1, device 10), 1 acknowledged, 2 active, 3 active (same time as 2), 4 active (rule 1, device 10
    /// again), 5 resolved (opened last but triggered first, so time and id order differ).
    static func listingAlerts(_ stores: StoreFixture) async throws -> [Alert] {
        let one = Lifecycle.userOne
        let two = Lifecycle.userTwo
        var opened: [Alert] = []
        for alert in [
            Lifecycle.alert(rule: 1, device: 10, user: one, severity: .warning, at: 1000),
            Lifecycle.alert(rule: 1, device: 11, user: one, severity: .critical, at: 2000),
            Lifecycle.alert(rule: 2, device: 10, user: one, severity: .info, at: 3000),
            Lifecycle.alert(rule: 3, device: 20, user: two, severity: .critical, at: 3000),
        ] {
            opened.append(try await Lifecycle.open(stores, alert))
        }
        _ = try #require(try await Lifecycle.resolve(stores, opened[0].id, at: 3500))
        opened.append(try await Lifecycle.open(stores, Lifecycle.alert(rule: 1, device: 10, user: one, severity: .warning, at: 4000)))
        opened.append(try await Lifecycle.open(stores, Lifecycle.offlineAlert(rule: 4, device: 21, at: 500)))
        _ = try #require(try await Lifecycle.resolve(stores, opened[5].id, at: 6000, note: "back"))
        _ = try #require(try await Lifecycle.acknowledge(stores, opened[1].id, at: 6500))
        var current: [Alert] = []
        for alert in opened { current.append(try #require(try await stores.alerts.alert(id: alert.id))) }
        return current
    }

    static func listNewestFirstWithFilters(_ stores: StoreFixture) async throws {
        let nothing = try await stores.alerts.alerts(AlertQuery())
        #expect(nothing.alerts.isEmpty && nothing.total == 0)
        let alerts = try await Self.listingAlerts(stores)
        #expect(alerts.map(\.status) == [.resolved, .acknowledged, .active, .active, .active, .resolved])
        // Time order, ties by the higher id first: 4, 3, 2, 1, 0, 5.
        let cases: [(AlertQuery, [Int], Int)] = [
            (AlertQuery(), [4, 3, 2, 1, 0, 5], 6),
            (AlertQuery(userPublicID: Lifecycle.userOne), [4, 2, 1, 0], 4),
            (AlertQuery(userPublicID: StoreFixture.publicID("nobody")), [], 0),
            (AlertQuery(status: .active), [4, 3, 2], 3),
            (AlertQuery(status: .acknowledged), [1], 1),
            (AlertQuery(status: .resolved), [0, 5], 2),
            (AlertQuery(deviceID: 10), [4, 2, 0], 3),
            (AlertQuery(ruleID: 1), [4, 1, 0], 3),
            (AlertQuery(deviceID: 10, ruleID: 1), [4, 0], 2),
            (AlertQuery(severity: .critical), [3, 1, 5], 3),
            (AlertQuery(severity: .info), [2], 1),
            (AlertQuery(start: 2000, end: 4000), [3, 2, 1], 3),
            (AlertQuery(start: 4000), [4], 1),
            (AlertQuery(end: 1001), [0, 5], 2),
            (AlertQuery(userPublicID: Lifecycle.userOne, status: .active, deviceID: 10), [4, 2], 2),
            (AlertQuery(userPublicID: Lifecycle.userOne, status: .active, deviceID: 10, ruleID: 2), [2], 1),
            (AlertQuery(limit: 2, offset: 1), [3, 2], 6),
            (AlertQuery(limit: 2, offset: 5), [5], 6),
            (AlertQuery(limit: 10, offset: 10), [], 6),
            (AlertQuery(severity: .warning, limit: 1, offset: 1), [0], 2),
        ]
        for (query, indexes, expectedTotal) in cases {
            let (page, total) = try await stores.alerts.alerts(query)
            #expect(page == indexes.map { alerts[$0] }, "\(query)")
            #expect(total == expectedTotal, "\(query)")
        }
    }

    /// One alert of the summary data set.
    struct Entry {
        let rule: Int64
        let device: Int64
        let name: String
        let user: String
        let severity: AlertSeverity
        let at: Int64
        let status: AlertStatus
    }

    /// Device 101 and 100 have three alerts in [1000, 10000), 102 two, 103…111 one each; device 100 was renamed, and
    /// its latest alert ("renamed") was opened before an earlier one ("middle"). Two alerts lie outside that range.
    static let summaryEntries: [Entry] = {
        let one = Lifecycle.userOne
        let two = Lifecycle.userTwo
        var entries = [
            Entry(rule: 1, device: 101, name: "d101", user: one, severity: .critical, at: 1000, status: .active),
            Entry(rule: 2, device: 101, name: "d101", user: one, severity: .warning, at: 1100, status: .resolved),
            Entry(rule: 3, device: 101, name: "d101", user: one, severity: .info, at: 1200, status: .acknowledged),
            Entry(rule: 1, device: 100, name: "first name", user: one, severity: .warning, at: 2000, status: .resolved),
            Entry(rule: 2, device: 100, name: "renamed", user: one, severity: .warning, at: 2600, status: .active),
            Entry(rule: 3, device: 100, name: "middle", user: one, severity: .critical, at: 2300, status: .active),
            Entry(rule: 1, device: 102, name: "d102", user: two, severity: .info, at: 3000, status: .active),
            Entry(rule: 2, device: 102, name: "d102", user: two, severity: .info, at: 3100, status: .acknowledged),
        ]
        for device in Int64(103)...111 {
            entries.append(
                Entry(
                    rule: 1, device: device, name: "d\(device)", user: device % 2 == 1 ? two : one, severity: .warning, at: 4000 + device,
                    status: .active))
        }
        entries.append(Entry(rule: 4, device: 100, name: "future", user: one, severity: .critical, at: 10_000, status: .active))
        entries.append(Entry(rule: 5, device: 111, name: "ancient", user: two, severity: .info, at: 999, status: .resolved))
        return entries
    }()

    static func storeSummaryEntries(_ stores: StoreFixture) async throws {
        for entry in Self.summaryEntries {
            let opened = try await Lifecycle.open(
                stores,
                Lifecycle.alert(
                    rule: entry.rule, device: entry.device, user: entry.user, severity: entry.severity, at: entry.at, deviceName: entry.name))
            switch entry.status {
            case .active: break
            case .acknowledged: _ = try #require(try await Lifecycle.acknowledge(stores, opened.id, at: entry.at + 1))
            case .resolved: _ = try #require(try await Lifecycle.resolve(stores, opened.id, at: entry.at + 1))
            }
        }
    }

    /// Counts of the entries in `[start, end)` of `user` (or everyone), by severity and status.
    static func expectedCounts(start: Int64, end: Int64, user: String?) -> ([AlertSeverity: Int], [AlertStatus: Int]) {
        let entries = Self.summaryEntries.filter { $0.at >= start && $0.at < end && (user == nil || $0.user == user) }
        return (
            Dictionary(grouping: entries, by: \.severity).mapValues(\.count), Dictionary(grouping: entries, by: \.status).mapValues(\.count)
        )
    }

    static func summary(_ stores: StoreFixture) async throws {
        let empty = try await stores.alerts.summary(userPublicID: nil, start: 0, end: 100_000)
        #expect(empty.bySeverity == [.info: 0, .warning: 0, .critical: 0])
        #expect(empty.byStatus == [.active: 0, .acknowledged: 0, .resolved: 0])
        #expect(empty.topDevices.isEmpty)
        try await Self.storeSummaryEntries(stores)

        let all = try await stores.alerts.summary(userPublicID: nil, start: 1000, end: 10_000)
        let (severities, statuses) = Self.expectedCounts(start: 1000, end: 10_000, user: nil)
        #expect(all == AlertSummary(bySeverity: severities, byStatus: statuses, topDevices: all.topDevices))
        #expect(all.bySeverity == [.info: 3, .warning: 12, .critical: 2])
        #expect(all.byStatus == [.active: 13, .acknowledged: 2, .resolved: 2])
        // At most ten, most alerts first, ties by device id; names of the latest alert in the range.
        #expect(
            all.topDevices == [
                DeviceAlertCount(deviceID: 100, deviceName: "renamed", count: 3), DeviceAlertCount(deviceID: 101, deviceName: "d101", count: 3),
                DeviceAlertCount(deviceID: 102, deviceName: "d102", count: 2),
            ] + (Int64(103)...109).map { DeviceAlertCount(deviceID: $0, deviceName: "d\($0)", count: 1) })

        // The range bounds: start included, end excluded.
        let early = try await stores.alerts.summary(userPublicID: nil, start: 999, end: 2500)
        let (earlySeverities, earlyStatuses) = Self.expectedCounts(start: 999, end: 2500, user: nil)
        #expect(early.bySeverity == AlertSummary(bySeverity: earlySeverities, byStatus: [:], topDevices: []).bySeverity)
        #expect(early.byStatus == AlertSummary(bySeverity: [:], byStatus: earlyStatuses, topDevices: []).byStatus)
        #expect(
            early.topDevices == [
                DeviceAlertCount(deviceID: 101, deviceName: "d101", count: 3), DeviceAlertCount(deviceID: 100, deviceName: "middle", count: 2),
                DeviceAlertCount(deviceID: 111, deviceName: "ancient", count: 1),
            ])

        // One owner's alerts only.
        let two = try await stores.alerts.summary(userPublicID: Lifecycle.userTwo, start: 0, end: 100_000)
        let (twoSeverities, twoStatuses) = Self.expectedCounts(start: 0, end: 100_000, user: Lifecycle.userTwo)
        #expect(two.bySeverity == AlertSummary(bySeverity: twoSeverities, byStatus: [:], topDevices: []).bySeverity)
        #expect(two.byStatus == AlertSummary(bySeverity: [:], byStatus: twoStatuses, topDevices: []).byStatus)
        #expect(two.bySeverity == [.info: 3, .warning: 5, .critical: 0])
        #expect(
            two.topDevices == [
                DeviceAlertCount(deviceID: 102, deviceName: "d102", count: 2), DeviceAlertCount(deviceID: 111, deviceName: "d111", count: 2),
            ]
                + [103, 105, 107, 109].map { DeviceAlertCount(deviceID: $0, deviceName: "d\($0)", count: 1) })
        #expect(try await stores.alerts.summary(userPublicID: StoreFixture.publicID("nobody"), start: 0, end: 100_000) == empty)
    }

    static func statistics(_ stores: StoreFixture) async throws {
        #expect(try await stores.alerts.statistics(resolvedSince: 0) == AlertStatistics(active: 0, acknowledged: 0, resolvedLast24h: 0))
        _ = try await Lifecycle.open(stores, Lifecycle.alert(rule: 1, device: 10))
        _ = try await Lifecycle.open(stores, Lifecycle.alert(rule: 1, device: 11))
        let acknowledged = try await Lifecycle.open(stores, Lifecycle.alert(rule: 1, device: 12))
        _ = try #require(try await Lifecycle.acknowledge(stores, acknowledged.id, at: 2000))
        let early = try await Lifecycle.open(stores, Lifecycle.alert(rule: 2, device: 10))
        _ = try #require(try await Lifecycle.resolve(stores, early.id, at: 5000))
        let late = try await Lifecycle.open(stores, Lifecycle.alert(rule: 3, device: 10))
        _ = try #require(try await Lifecycle.resolve(stores, late.id, at: 9000))
        #expect(try await stores.alerts.statistics(resolvedSince: 6000) == AlertStatistics(active: 2, acknowledged: 1, resolvedLast24h: 1))
        #expect(try await stores.alerts.statistics(resolvedSince: 5000) == AlertStatistics(active: 2, acknowledged: 1, resolvedLast24h: 2))
        #expect(try await stores.alerts.statistics(resolvedSince: 9001) == AlertStatistics(active: 2, acknowledged: 1, resolvedLast24h: 0))
    }
}
