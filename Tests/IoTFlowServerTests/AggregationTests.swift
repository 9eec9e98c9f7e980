import Testing

@Suite("Telemetry: GET /telemetry/{device_id}/aggregated")
struct AggregationTests {
    /// Points relative to `base` (an hour boundary three hours ago):
    /// hour 0: temperature 10, 20, 30 at +0, +10, +20 min ("hot" at +30 min); hour 1: 5, 15 at +65, +110 min; hour 2: nothing.
    /// `door` is true, false, true at +0, +10, +20 min.
    private struct Seeded {
        let device: TestDevice
        let owner: TestUser
        let base: Int64

        func path(_ query: String) -> String {
            let range = "start_time=\(TestTime.iso(self.base))&end_time=\(TestTime.iso(self.base + 3 * TestTime.hour))"
            return "/api/v1/telemetry/\(self.device.id)/aggregated?\(range)&\(query)"
        }
    }

    private func seed(_ api: TestAPI) async throws -> Seeded {
        let owner = try await api.registerUser()
        let device = try await api.registerDevice(owner)
        let base = TestTime.hourAligned(hoursAgo: 3)
        let minute = TestTime.minute
        try await api.postBatch(
            device,
            [
                (base, ["temperature": 10, "door": true]),
                (base + 10 * minute, ["temperature": 20, "door": false]),
                (base + 20 * minute, ["temperature": 30, "door": true]),
                (base + 30 * minute, ["temperature": "hot"]),
                (base + 65 * minute, ["temperature": 5]),
                (base + 110 * minute, ["temperature": 15]),
            ]
        )
        return Seeded(device: device, owner: owner, base: base)
    }

    /// The buckets as (timestamp, value, count).
    private func buckets(_ json: JSONValue) -> [(String, Double, Int)] {
        (json["data"].array ?? []).map { ($0["timestamp"].string ?? "?", $0["value"].double ?? .nan, $0["count"].int ?? -1) }
    }

    private func expectBuckets(
        _ json: JSONValue,
        _ expected: [(Int64, Double, Int)],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let actual = self.buckets(json)
        #expect(actual.count == expected.count, "buckets \(actual)", sourceLocation: sourceLocation)
        for (got, want) in zip(actual, expected) {
            #expect(got.0 == TestTime.iso(want.0), sourceLocation: sourceLocation)
            #expect(abs(got.1 - want.1) < 1e-9, "value \(got.1) != \(want.1)", sourceLocation: sourceLocation)
            #expect(got.2 == want.2, "count \(got.2) != \(want.2)", sourceLocation: sourceLocation)
        }
        #expect(json["count"].int == expected.count, sourceLocation: sourceLocation)
    }

    @Test(
        "each aggregation over hourly buckets; strings skipped, empty buckets left out",
        arguments: [
            ("mean", 20.0, 10.0), ("avg", 20.0, 10.0), ("sum", 60.0, 20.0), ("count", 3.0, 2.0),
            ("min", 10.0, 5.0), ("max", 30.0, 15.0), ("first", 10.0, 5.0), ("last", 30.0, 15.0),
        ]
    )
    func aggregations(aggregation: String, hour0: Double, hour1: Double) async throws {
        try await withApp { api in
            let seeded = try await self.seed(api)
            let path = seeded.path("field=temperature&aggregation=\(aggregation)&window=1h")
            let json = try requireJSON(try await api.get(path, auth: seeded.owner.bearer))
            #expect(json.keys == ["device_id", "field", "aggregation", "window", "data", "count"])
            #expect(json["device_id"].int == seeded.device.id)
            #expect(json["field"].string == "temperature")
            #expect(json["aggregation"].string == aggregation)
            #expect(json["window"].string == "1h")
            for bucket in json["data"].array ?? [] {
                #expect(bucket.keys == ["timestamp", "value", "count"])
            }
            self.expectBuckets(json, [(seeded.base, hour0, 3), (seeded.base + TestTime.hour, hour1, 2)])
        }
    }

    @Test("buckets align to epoch multiples of the window, not to start_time")
    func alignment() async throws {
        try await withApp { api in
            let seeded = try await self.seed(api)
            let minute = TestTime.minute
            let start = TestTime.iso(seeded.base - 7 * minute)
            let end = TestTime.iso(seeded.base + 3 * TestTime.hour)
            let path =
                "/api/v1/telemetry/\(seeded.device.id)/aggregated?field=temperature&aggregation=sum&window=20m&start_time=\(start)&end_time=\(end)"
            let json = try requireJSON(try await api.get(path, auth: seeded.owner.bearer))
            self.expectBuckets(
                json,
                [
                    (seeded.base, 30, 2), (seeded.base + 20 * minute, 30, 1), (seeded.base + 60 * minute, 5, 1),
                    (seeded.base + 100 * minute, 15, 1),
                ]
            )
        }
    }

    @Test("the range is start-inclusive and end-exclusive")
    func rangeBounds() async throws {
        try await withApp { api in
            let seeded = try await self.seed(api)
            let start = TestTime.iso(seeded.base + 10 * TestTime.minute)
            let end = TestTime.iso(seeded.base + 65 * TestTime.minute)
            let path =
                "/api/v1/telemetry/\(seeded.device.id)/aggregated?field=temperature&aggregation=count&window=1h&start_time=\(start)&end_time=\(end)"
            let json = try requireJSON(try await api.get(path, auth: seeded.owner.bearer))
            self.expectBuckets(json, [(seeded.base, 2, 2)])
        }
    }

    @Test("booleans count as 0 and 1")
    func booleans() async throws {
        try await withApp { api in
            let seeded = try await self.seed(api)
            let sum = try requireJSON(try await api.get(seeded.path("field=door&aggregation=sum&window=1h"), auth: seeded.owner.bearer))
            self.expectBuckets(sum, [(seeded.base, 2, 3)])
            let mean = try requireJSON(try await api.get(seeded.path("field=door&aggregation=mean&window=1h"), auth: seeded.owner.bearer))
            self.expectBuckets(mean, [(seeded.base, 2.0 / 3.0, 3)])
        }
    }

    @Test("an unknown field gives no buckets")
    func unknownField() async throws {
        try await withApp { api in
            let seeded = try await self.seed(api)
            let json = try requireJSON(try await api.get(seeded.path("field=pressure&aggregation=mean&window=1h"), auth: seeded.owner.bearer))
            #expect(json["data"] == [])
            #expect(json["count"].int == 0)
        }
    }

    @Test(
        "bad parameters are 400",
        arguments: [
            "aggregation=mean&window=1h", "field=temperature&aggregation=median&window=1h", "field=temperature&aggregation=mean&window=0m",
            "field=temperature&aggregation=mean&window=abc", "field=temperature&aggregation=mean&window=-5m",
            "field=temperature&aggregation=mean&window=1h&start_time=yesterday",
            "field=temperature&aggregation=mean&window=1s&start_time=-7d&end_time=now",
        ]
    )
    func badParameters(query: String) async throws {
        try await withApp { api in
            let owner = try await api.registerUser()
            let device = try await api.registerDevice(owner)
            try await api.postPoint(device, ["temperature": 1], at: TestTime.now() - TestTime.minute)
            expectError(try await api.get("/api/v1/telemetry/\(device.id)/aggregated?\(query)", auth: owner.bearer), .badRequest)
        }
    }

    @Test("aggregation is readable by the device, owner and admin; 404 for others")
    func access() async throws {
        try await withApp { api in
            let seeded = try await self.seed(api)
            let bob = try await api.registerUser("bob")
            let other = try await api.registerDevice(bob)
            let path = seeded.path("field=temperature&aggregation=max&window=1h")
            for credential in [seeded.device.key, seeded.owner.bearer, Credential.adminToken] {
                let json = try requireJSON(try await api.get(path, auth: credential))
                #expect(json["count"].int == 2)
            }
            expectError(try await api.get(path, auth: bob.bearer), .notFound)
            expectError(try await api.get(path, auth: other.key), .notFound)
            expectError(try await api.get(path), .unauthorized)
        }
    }
}
