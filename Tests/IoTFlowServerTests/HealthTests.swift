import Testing

@Suite("Health, status and index")
struct HealthTests {
    @Test("GET /health answers healthy with version and uptime")
    func health() async throws {
        try await withApp { api in
            let json = try requireJSON(try await api.get("/health"))
            #expect(json["status"].string == "healthy")
            #expect(json["version"].string?.isEmpty == false)
            #expect((json["uptime_s"].double ?? -1) >= 0)
            #expect(json["stores"] == nil)
        }
    }

    @Test("GET /health?detailed=true adds the embedded stores")
    func detailedHealth() async throws {
        try await withApp { api in
            try await api.waitUntilEveryStoreAnswers()
            let json = try requireJSON(try await api.get("/health?detailed=true"))
            #expect(json["status"].string == "healthy")
            #expect(json["version"].string?.isEmpty == false)
            expectEmbeddedStores(json["stores"])
        }
    }

    @Test("GET /api/v1/telemetry/status needs no credential and lists the stores")
    func telemetryStatus() async throws {
        try await withApp { api in
            try await api.waitUntilEveryStoreAnswers()
            let json = try requireJSON(try await api.get("/api/v1/telemetry/status"))
            #expect(json["status"].string == "healthy")
            expectEmbeddedStores(json["stores"])
        }
    }

    @Test("GET /status counts devices, online devices and stored values")
    func status() async throws {
        try await withApp { api in
            try await api.waitUntilEveryStoreAnswers()
            let empty = try requireJSON(try await api.get("/status"))
            #expect(empty["status"].string == "healthy")
            #expect(empty["version"].string?.isEmpty == false)
            #expect(empty["devices"] == ["total": 0, "online": 0])
            #expect(empty["telemetry"] == ["points_total": 0])
            expectEmbeddedStores(empty["stores"])

            let alice = try await api.registerUser()
            let first = try await api.registerDevice(alice, name: "one")
            _ = try await api.registerDevice(alice, name: "two")
            try await api.postPoint(first, ["a": 1, "b": 2.5, "c": nil])

            let json = try requireJSON(try await api.get("/status"))
            #expect(json["devices"] == ["total": 2, "online": 1])
            #expect(json["telemetry"] == ["points_total": 2])
        }
    }

    @Test("GET / describes the service")
    func index() async throws {
        try await withApp { api in
            let json = try requireJSON(try await api.get("/"))
            #expect(json["name"].string == "IoTFlow")
            #expect(json["version"].string?.isEmpty == false)
            #expect(json["docs"].string?.isEmpty == false)
            let endpoints = try #require(json["endpoints"])
            #expect((endpoints.object?.isEmpty == false) || (endpoints.array?.isEmpty == false))
        }
    }

    @Test("/health, /status and / report the same version")
    func sameVersion() async throws {
        try await withApp { api in
            let health = try requireJSON(try await api.get("/health"))["version"].string
            let status = try requireJSON(try await api.get("/status"))["version"].string
            let index = try requireJSON(try await api.get("/"))["version"].string
            #expect(health != nil)
            #expect(health == status)
            #expect(health == index)
        }
    }
}

extension TestAPI {
    /// Waits until `/health?detailed=true` reports every store available. The server starts serving after
    /// waiting at most 2 s for Redis (it serves from the primary stores meanwhile); on a busy machine the
    /// connections can take longer, and these tests check what a healthy server reports.
    func waitUntilEveryStoreAnswers() async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if try await self.get("/health?detailed=true").status == .ok, try await self.get("/status").json()["status"].string == "healthy" {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
