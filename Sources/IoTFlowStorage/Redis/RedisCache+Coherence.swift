import IoTFlowCore
import RedisNIO

extension RedisCache {
    /// Applies the invalidations other instances publish, and guards L1 while they cannot be heard.
    func listen() async {
        let subscription = self.client.subscribe(to: [self.keys.invalidationChannel])
        for await event in subscription {
            switch event {
            case .subscribed:
                // Messages may have been missed while unsubscribed: restart L1 empty at the current generation.
                // (After missed writes, the generation also moves: `attempt` starts that once Redis answers.)
                self.local.removeAll()
                await self.refreshGeneration()
                self.state.withLock { $0.subscribed = true }
                await self.publishHeartbeat()
                self.logger.debug("redis cache: listening for invalidations")
            case .disconnected(let error):
                let wasSubscribed = self.state.withLock { state in
                    defer {
                        state.subscribed = false
                        state.lastHeartbeat = nil
                    }
                    return state.subscribed
                }
                self.local.removeAll()
                // Once per outage, not once per reconnect attempt.
                if wasSubscribed {
                    self.logger.warning("redis cache: lost the invalidation channel; using the primary stores", metadata: ["error": "\(error)"])
                }
            case .message(_, let payload):
                if payload == self.heartbeat {
                    self.heardHeartbeat()
                } else if let invalidation = RedisInvalidation(message: payload) {
                    await self.apply(invalidation)
                }
            }
        }
        self.state.withLock { $0.subscribed = false }
    }

    /// Publishes this instance's heartbeat every interval until cancelled.
    func beat() async {
        while !Task.isCancelled {
            await self.publishHeartbeat()
            try? await Task.sleep(for: self.configuration.heartbeatInterval)
        }
    }

    func publishHeartbeat() async {
        _ = await self.attempt { try await self.client.publish(channel: self.keys.invalidationChannel, message: self.heartbeat) }
    }

    /// Our own heartbeat came back: the channel works. After a lapse, in-process entries may have missed
    /// invalidations, so they are dropped before use resumes.
    func heardHeartbeat() {
        let lapsed = self.state.withLock { state -> Bool in
            state.lastHeartbeat = .now
            defer { state.heartbeatLapsed = false }
            return state.heartbeatLapsed
        }
        if lapsed {
            self.local.removeAll()
            self.logger.info("redis cache: invalidation channel heard again")
        }
    }

    func apply(_ invalidation: RedisInvalidation) async {
        switch invalidation {
        case .device(let id): await self.local.invalidateDevice(id: id)
        case .owner(let id): await self.local.invalidateDevices(ownerID: id)
        case .user(let id): await self.local.invalidateUser(id: id)
        case .token(let hash): await self.local.invalidateToken(hash: hash)
        case .alertRules: await self.local.alertRulesChanged()
        case .latest(let id, let origin):
            // A write's own instance merged it into its copy already.
            if origin != self.heartbeat { await self.local.invalidateLatest(deviceID: id) }
        case .generation(let generation):
            let moved = self.state.withLock { state -> Bool in
                guard generation > state.generation else { return false }
                state.generation = generation
                return true
            }
            if moved { self.local.removeAll() }
        }
    }

    /// Reads the shared generation (0 until some instance first moves it).
    func refreshGeneration() async {
        guard let reply = await self.attempt({ try await self.client.send(RedisCommand("GET", [self.keys.generation])) }) else { return }
        let shared = reply.string.flatMap { Int64($0) } ?? 0
        await self.apply(.generation(shared))
    }

    /// After Redis missed an invalidation or a write from this instance, starts a new generation so no
    /// instance reads the entries that may be stale, and tells the others.
    func moveGenerationIfNeeded() async {
        guard self.state.withLock({ $0.missedWrite }) else { return }
        guard let reply = await self.attempt({ try await self.client.send(RedisCommand("INCR", [self.keys.generation])) }),
            let generation = reply.integer
        else { return }
        self.state.withLock { $0.missedWrite = false }
        await self.apply(.generation(generation))
        _ = await self.attempt {
            try await self.client.publish(channel: self.keys.invalidationChannel, message: RedisInvalidation.generation(generation).message)
        }
        self.logger.info("redis cache: moved to a new generation after missed writes", metadata: ["generation": "\(generation)"])
    }
}

extension RedisCache {
    /// Whether the cache currently hears invalidations (and so uses its in-process level).
    public var isListening: Bool { self.usesLocal }

    /// Waits until Redis answers and invalidations are heard; false when that takes longer than `timeout`.
    public func waitUntilReady(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if self.isListening, (try? await self.client.ping()) != nil { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }
}
