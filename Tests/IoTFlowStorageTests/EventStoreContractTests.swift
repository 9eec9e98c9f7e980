import Testing

@Suite("EventStore contract")
struct EventStoreContractTests {
    @Test(arguments: StoreBackend.registry) func newestFirst(_ backend: StoreBackend) async throws {
        try await backend.run(EventContract.newestFirst)
    }

    @Test(arguments: StoreBackend.registry) func filtersAndPaging(_ backend: StoreBackend) async throws {
        try await backend.run(EventContract.filtersAndPaging)
    }

    @Test(arguments: StoreBackend.registry) func countsPerBucketAndType(_ backend: StoreBackend) async throws {
        try await backend.run(EventContract.countsPerBucketAndType)
    }
}
