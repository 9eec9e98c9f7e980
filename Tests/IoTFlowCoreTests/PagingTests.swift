import IoTFlowCore
import Testing

@Suite("PageRequest.paging")
struct PagingTests {
    @Test("defaults, explicit values and clamping")
    func accepted() {
        #expect(PageRequest().paging() == Paging(limit: 100, offset: 0))
        #expect(PageRequest(limit: 50, offset: 10).paging() == Paging(limit: 50, offset: 10))
        #expect(PageRequest(limit: 1).paging() == Paging(limit: 1, offset: 0))
        #expect(PageRequest(limit: 1000).paging() == Paging(limit: 1000, offset: 0))
        #expect(PageRequest(limit: 1001).paging() == Paging(limit: 1000, offset: 0))
        #expect(PageRequest(limit: 5000, offset: 7).paging() == Paging(limit: 1000, offset: 7))
        #expect(PageRequest().paging(defaultLimit: 1000, maximum: 10_000) == Paging(limit: 1000, offset: 0))
        #expect(PageRequest(limit: 20_000).paging(defaultLimit: 1000, maximum: 10_000) == Paging(limit: 10_000, offset: 0))
    }
}
