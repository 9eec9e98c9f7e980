import Testing

@Suite("AccountStore contract")
struct AccountStoreContractTests {
    @Test(arguments: StoreBackend.registry) func usersCreateAndFind(_ backend: StoreBackend) async throws {
        try await backend.run(AccountUserContract.createAndFind)
    }

    @Test(arguments: StoreBackend.registry) func usersList(_ backend: StoreBackend) async throws {
        try await backend.run(AccountUserContract.listUsers)
    }

    @Test(arguments: StoreBackend.registry) func usersUniqueUsernameAndEmail(_ backend: StoreBackend) async throws {
        try await backend.run(AccountUserContract.uniqueUsernameAndEmail)
    }

    @Test(arguments: StoreBackend.registry) func usersUpdate(_ backend: StoreBackend) async throws {
        try await backend.run(AccountUserContract.updateUser)
    }

    @Test(arguments: StoreBackend.registry) func userCounts(_ backend: StoreBackend) async throws {
        try await backend.run(AccountUserContract.userCounts)
    }

    @Test(arguments: StoreBackend.registry) func tokensLookupAndExpiry(_ backend: StoreBackend) async throws {
        try await backend.run(AccountTokenContract.lookupAndExpiry)
    }

    @Test(arguments: StoreBackend.registry) func tokensDeleteOneAndAll(_ backend: StoreBackend) async throws {
        try await backend.run(AccountTokenContract.deleteOneAndAll)
    }

    @Test(arguments: StoreBackend.registry) func tokensOfInactiveUsers(_ backend: StoreBackend) async throws {
        try await backend.run(AccountTokenContract.inactiveOwner)
    }

    @Test(arguments: StoreBackend.registry) func deleteUserAfterItsGroupsAndDevices(_ backend: StoreBackend) async throws {
        try await backend.run(DeviceStateContract.deleteUserCascades)
    }
}
