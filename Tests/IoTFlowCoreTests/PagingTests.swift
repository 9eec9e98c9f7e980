import IoTFlowCore
import Testing

@Suite("Paging.parse")
struct PagingTests {
    @Test("defaults, explicit values and clamping")
    func accepted() throws {
        #expect(try Paging.parse(limit: nil, offset: nil) == Paging(limit: 100, offset: 0))
        #expect(try Paging.parse(limit: "50", offset: "10") == Paging(limit: 50, offset: 10))
        #expect(try Paging.parse(limit: "1", offset: "0") == Paging(limit: 1, offset: 0))
        #expect(try Paging.parse(limit: "1000", offset: nil) == Paging(limit: 1000, offset: 0))
        #expect(try Paging.parse(limit: "1001", offset: nil) == Paging(limit: 1000, offset: 0))
        #expect(try Paging.parse(limit: "5000", offset: "7") == Paging(limit: 1000, offset: 7))
        #expect(try Paging.parse(limit: " 20 ", offset: nil) == Paging(limit: 20, offset: 0))
        #expect(try Paging.parse(limit: nil, offset: nil, defaultLimit: 1000, maximum: 10_000) == Paging(limit: 1000, offset: 0))
        #expect(try Paging.parse(limit: "20000", offset: nil, defaultLimit: 1000, maximum: 10_000) == Paging(limit: 10_000, offset: 0))
    }

    @Test("bad limits are 400", arguments: ["0", "-1", "abc", "1.5", "", "1e3", "10x", "99999999999999999999"])
    func badLimit(limit: String) {
        let error = #expect(throws: IoTFlowError.self) { try Paging.parse(limit: limit, offset: nil) }
        #expect(error?.kind == .badRequest)
    }

    @Test("bad offsets are 400", arguments: ["-1", "x", "1.5", ""])
    func badOffset(offset: String) {
        let error = #expect(throws: IoTFlowError.self) { try Paging.parse(limit: nil, offset: offset) }
        #expect(error?.kind == .badRequest)
    }

    @Test("meta object")
    func meta() {
        let meta = Paging(limit: 10, offset: 20).meta(total: 35, returned: 10)
        #expect(meta == ["total": 35, "limit": 10, "offset": 20, "returned": 10])
    }
}
