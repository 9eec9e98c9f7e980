import Testing

@Suite("EventStore contract")
struct EventStoreContractTests {
    @Test(arguments: StoreBackend.events) func newestFirst(_ backend: StoreBackend) async throws {
        try await backend.run(EventContract.newestFirst)
    }

    @Test(arguments: StoreBackend.events) func filtersAndPaging(_ backend: StoreBackend) async throws {
        try await backend.run(EventContract.filtersAndPaging)
    }

    @Test(arguments: StoreBackend.events) func countsPerBucketAndType(_ backend: StoreBackend) async throws {
        try await backend.run(EventContract.countsPerBucketAndType)
    }
}
