import Testing

@Suite("GroupStore contract")
struct GroupStoreContractTests {
    @Test(arguments: StoreBackend.all) func createFindAndList(_ backend: StoreBackend) async throws {
        try await backend.run(GroupStoreContract.createFindAndList)
    }

    @Test(arguments: StoreBackend.all) func uniqueNamePerOwner(_ backend: StoreBackend) async throws {
        try await backend.run(GroupStoreContract.uniqueNamePerOwner)
    }

    @Test(arguments: StoreBackend.all) func updateAndDelete(_ backend: StoreBackend) async throws {
        try await backend.run(GroupStoreContract.updateAndDelete)
    }

    @Test(arguments: StoreBackend.all) func memberships(_ backend: StoreBackend) async throws {
        try await backend.run(GroupStoreContract.memberships)
    }

    @Test(arguments: StoreBackend.all) func deleteAllOfOwner(_ backend: StoreBackend) async throws {
        try await backend.run(GroupStoreContract.deleteAllOfOwner)
    }
}
