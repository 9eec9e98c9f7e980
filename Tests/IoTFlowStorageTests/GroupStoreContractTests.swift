import Testing

@Suite("GroupStore contract")
struct GroupStoreContractTests {
    @Test(arguments: StoreBackend.registry) func createFindAndList(_ backend: StoreBackend) async throws {
        try await backend.run(GroupStoreContract.createFindAndList)
    }

    @Test(arguments: StoreBackend.registry) func uniqueNamePerOwner(_ backend: StoreBackend) async throws {
        try await backend.run(GroupStoreContract.uniqueNamePerOwner)
    }

    @Test(arguments: StoreBackend.registry) func updateAndDelete(_ backend: StoreBackend) async throws {
        try await backend.run(GroupStoreContract.updateAndDelete)
    }

    @Test(arguments: StoreBackend.registry) func memberships(_ backend: StoreBackend) async throws {
        try await backend.run(GroupStoreContract.memberships)
    }

    @Test(arguments: StoreBackend.registry) func deleteAllOfOwner(_ backend: StoreBackend) async throws {
        try await backend.run(GroupStoreContract.deleteAllOfOwner)
    }
}
