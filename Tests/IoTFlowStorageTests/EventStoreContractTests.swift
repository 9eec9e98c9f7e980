import Testing

@Suite("EventStore contract")
struct EventStoreContractTests {
    @Test(arguments: StoreBackend.all) func newestFirst(_ backend: StoreBackend) async throws {
        try await backend.run(EventContract.newestFirst)
    }

    @Test(arguments: StoreBackend.all) func filtersAndPaging(_ backend: StoreBackend) async throws {
        try await backend.run(EventContract.filtersAndPaging)
    }
}
