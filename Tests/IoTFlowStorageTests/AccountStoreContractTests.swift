import Testing

@Suite("AccountStore contract")
struct AccountStoreContractTests {
    @Test(arguments: StoreBackend.all) func usersCreateAndFind(_ backend: StoreBackend) async throws {
        try await backend.run(AccountUserContract.createAndFind)
    }

    @Test(arguments: StoreBackend.all) func usersList(_ backend: StoreBackend) async throws {
        try await backend.run(AccountUserContract.listUsers)
    }

    @Test(arguments: StoreBackend.all) func usersUniqueUsernameAndEmail(_ backend: StoreBackend) async throws {
        try await backend.run(AccountUserContract.uniqueUsernameAndEmail)
    }

    @Test(arguments: StoreBackend.all) func usersUpdate(_ backend: StoreBackend) async throws {
        try await backend.run(AccountUserContract.updateUser)
    }

    @Test(arguments: StoreBackend.all) func userCounts(_ backend: StoreBackend) async throws {
        try await backend.run(AccountUserContract.userCounts)
    }

    @Test(arguments: StoreBackend.all) func tokensLookupAndExpiry(_ backend: StoreBackend) async throws {
        try await backend.run(AccountTokenContract.lookupAndExpiry)
    }

    @Test(arguments: StoreBackend.all) func tokensDeleteOneAndAll(_ backend: StoreBackend) async throws {
        try await backend.run(AccountTokenContract.deleteOneAndAll)
    }

    @Test(arguments: StoreBackend.all) func tokensOfInactiveUsers(_ backend: StoreBackend) async throws {
        try await backend.run(AccountTokenContract.inactiveOwner)
    }

    @Test(arguments: StoreBackend.all) func deleteUserAfterItsGroupsAndDevices(_ backend: StoreBackend) async throws {
        try await backend.run(DeviceStateContract.deleteUserCascades)
    }
}
