import IoTFlowCore
import Logging
import ServiceLifecycle
import Synchronization

/// The live hub (ARCHITECTURE.md): routes committed points, alerts and access changes to the open streams of this
/// instance, and through ``LiveRelay`` (Redis pub/sub, when configured) to those of the other instances.
///
/// Publishing never waits for a stream: it looks up the subscriptions of the devices concerned under one lock and
/// appends to their bounded queues (``LiveSubscription``), so its cost is that of the subscribers of those devices,
/// and nothing at all for devices nobody watches. Relaying is handed to the relay's own task.
final class LiveHub: LiveFeed, Service {
    /// A subscription, how to check its access again, and its current grant.
    private struct Entry {
        let subscription: LiveSubscription
        let recheck: @Sendable () async throws -> LiveGrant
        var grant: LiveGrant
    }

    /// Who receives what: each subscription is listed under the devices, owners and subjects of its grant.
    private struct Index {
        var entries: [UInt64: Entry] = [:]
        var byDevice: [Int64: Set<UInt64>] = [:]
        var byOwner: [String: Set<UInt64>] = [:]
        var everyAlert: Set<UInt64> = []
        var bySubject: [LiveSubject: Set<UInt64>] = [:]
        var nextID: UInt64 = 1

        mutating func insert(_ id: UInt64, _ grant: LiveGrant) {
            switch grant.scope {
            case .devices(let devices):
                for device in devices { self.byDevice[device, default: []].insert(id) }
            case .alerts(let owner?):
                self.byOwner[owner, default: []].insert(id)
            case .alerts(nil):
                self.everyAlert.insert(id)
            }
            for subject in grant.subjects { self.bySubject[subject, default: []].insert(id) }
        }

        mutating func remove(_ id: UInt64, _ grant: LiveGrant) {
            switch grant.scope {
            case .devices(let devices):
                for device in devices { Self.remove(id, key: device, from: &self.byDevice) }
            case .alerts(let owner?):
                Self.remove(id, key: owner, from: &self.byOwner)
            case .alerts(nil):
                self.everyAlert.remove(id)
            }
            for subject in grant.subjects { Self.remove(id, key: subject, from: &self.bySubject) }
        }

        private static func remove<Key: Hashable>(_ id: UInt64, key: Key, from map: inout [Key: Set<UInt64>]) {
            guard var ids = map[key] else { return }
            ids.remove(id)
            map[key] = ids.isEmpty ? nil : ids
        }

        func subscriptions(_ ids: some Sequence<UInt64>) -> [LiveSubscription] {
            ids.compactMap { self.entries[$0]?.subscription }
        }
    }

    /// Queue size and timers of the streams.
    let settings: LiveStreamSettings
    private let relay: LiveRelay?
    private let logger: Logger
    private let index = Mutex(Index())
    private let observers = Mutex<[any LiveSubjectObserver]>([])

    /// A hub; with `relay`, messages also travel to and from the other instances.
    init(settings: LiveStreamSettings, relay: LiveRelay?, logger: Logger) {
        self.settings = settings
        self.relay = relay
        self.logger = logger
    }

    /// Runs the relay, if any, until shutdown.
    func run() async throws {
        guard let relay = self.relay else {
            try? await gracefulShutdown()
            return
        }
        await cancelWhenGracefulShutdown { await relay.run(into: self) }
    }

    /// Starts hearing the other instances (waiting up to a second for it), for listeners other than streams.
    func listen() async {
        await self.relay?.listen()
    }

    /// Adds someone told of every change, made here or relayed from another instance.
    func observe(_ observer: any LiveSubjectObserver) {
        self.observers.withLock { $0.append(observer) }
    }

    // MARK: Subscriptions

    /// Opens a subscription under `grant`; `recheck` resolves the grant again (``recheck(_:)``). The first one of
    /// this instance also starts hearing the other instances (waiting up to a second for it).
    func subscribe(_ grant: LiveGrant, recheck: @escaping @Sendable () async throws -> LiveGrant) async -> LiveSubscription {
        await self.relay?.listen()
        return self.index.withLock { index in
            let id = index.nextID
            index.nextID += 1
            let subscription = LiveSubscription(id: id, capacity: self.settings.queueCapacity)
            index.entries[id] = Entry(subscription: subscription, recheck: recheck, grant: grant)
            index.insert(id, grant)
            return subscription
        }
    }

    /// Closes a subscription's registration; its connection is going away.
    func unsubscribe(_ subscription: LiveSubscription) {
        self.index.withLock { index in
            guard let entry = index.entries.removeValue(forKey: subscription.id) else { return }
            index.remove(subscription.id, entry.grant)
        }
        subscription.finish()
    }

    /// Open subscriptions on this instance.
    var subscriberCount: Int { self.index.withLock { $0.entries.count } }

    /// Checks a subscription's access again: a new grant replaces the old one (a group's members, an admin who is
    /// one no more); a refusal (401, 403, 404) ends the stream with 1008; a store failure keeps it as it is.
    func recheck(_ subscription: LiveSubscription) async {
        guard let check = self.index.withLock({ $0.entries[subscription.id]?.recheck }) else { return }
        let number = subscription.beginRecheck()
        do {
            let grant = try await check()
            guard subscription.applies(recheck: number) else { return }
            self.index.withLock { index in
                guard let old = index.entries[subscription.id]?.grant, old != grant else { return }
                index.remove(subscription.id, old)
                index.insert(subscription.id, grant)
                index.entries[subscription.id]?.grant = grant
            }
        } catch let error as IoTFlowError where [.unauthorized, .forbidden, .notFound].contains(error.kind) {
            guard subscription.applies(recheck: number) else { return }
            self.logger.debug("live stream access withdrawn", metadata: ["subscription": "\(subscription.id)", "reason": "\(error.message)"])
            subscription.end(.revoked(error.message))
            self.unsubscribe(subscription)
        } catch {
            self.logger.warning("live stream access could not be checked; kept open", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Publishing

    /// Hands committed writes to the streams of their devices; called by the ingest batcher once the writes are
    /// durable and acknowledged. Returns at once.
    func publish(_ writes: [TelemetryWrite]) {
        let targets = self.index.withLock { index -> [Int64: [LiveSubscription]] in
            var targets: [Int64: [LiveSubscription]] = [:]
            for write in writes where targets[write.deviceID] == nil {
                guard let ids = index.byDevice[write.deviceID] else { continue }
                targets[write.deviceID] = index.subscriptions(ids)
            }
            return targets
        }
        if !targets.isEmpty {
            for (deviceID, frames) in LiveFrame.telemetry(of: writes, devices: Set(targets.keys)) {
                for subscription in targets[deviceID] ?? [] { subscription.push(frames) }
            }
        }
        self.relay?.publish(.points(writes))
    }

    /// Sends an alert (fired, acknowledged or resolved) to the streams of its device and of the groups holding it,
    /// to its owner's and admins' alert streams, here and on the other instances. Returns at once.
    func publish(alert: Alert) {
        let frame = LiveFrame.alert(alert)
        self.deliver(alertFrame: frame, deviceID: alert.deviceID, ownerPublicID: alert.userPublicID)
        self.relay?.publish(.alert(frame: frame, deviceID: alert.deviceID, ownerPublicID: alert.userPublicID))
    }

    func deviceConfigChanged(deviceID: Int64) {
        Task { await self.changed([.config(deviceID)]) }
    }

    /// Something streams depend on changed on this instance (``LiveSubject``): the streams concerned here are
    /// checked again before this returns, so a group member added is streamed from the next point on; the other
    /// instances are told through the relay.
    func changed(_ subjects: [LiveSubject]) async {
        guard !subjects.isEmpty else { return }
        self.relay?.publish(.changes(subjects))
        await self.recheck(subjects)
    }

    // MARK: Delivery (local and relayed)

    /// Pushes telemetry frames to the streams of their devices.
    func deliver(points: [(deviceID: Int64, frames: [String])]) {
        let targets = self.index.withLock { index in
            points.map { (subscriptions: index.subscriptions(index.byDevice[$0.deviceID] ?? []), frames: $0.frames) }
        }
        for (subscriptions, frames) in targets {
            for subscription in subscriptions { subscription.push(frames) }
        }
    }

    /// Pushes an alert frame to the streams of its device (and so of the groups holding it), of its owner and of admins.
    func deliver(alertFrame: String, deviceID: Int64, ownerPublicID: String) {
        let subscriptions = self.index.withLock { index in
            var ids = index.byDevice[deviceID] ?? []
            ids.formUnion(index.byOwner[ownerPublicID] ?? [])
            ids.formUnion(index.everyAlert)
            return index.subscriptions(ids)
        }
        for subscription in subscriptions { subscription.push(alertFrame) }
    }

    /// Checks again the streams that depend on any of `subjects`, concurrently.
    func recheck(_ subjects: [LiveSubject]) async {
        let subscriptions = self.index.withLock { index in
            index.subscriptions(Set(subjects.flatMap { index.bySubject[$0] ?? [] }))
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.recheck(subscriptions) }
            for observer in self.observers.withLock({ $0 }) {
                group.addTask { await observer.changed(subjects) }
            }
        }
    }

    /// Checks every stream again (after the relay missed messages).
    func recheckAll() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.recheck(self.index.withLock { $0.entries.values.map(\.subscription) }) }
            for observer in self.observers.withLock({ $0 }) {
                group.addTask { await observer.anythingMayHaveChanged() }
            }
        }
    }

    private func recheck(_ subscriptions: [LiveSubscription]) async {
        await withTaskGroup(of: Void.self) { group in
            for subscription in subscriptions {
                group.addTask { await self.recheck(subscription) }
            }
        }
    }
}
