import Testing

@Suite("RegistryStore contract")
struct RegistryStoreContractTests {
    @Test(arguments: StoreBackend.all) func usersCreateAndFind(_ backend: StoreBackend) async throws {
        try await backend.run(RegistryUserContract.createAndFind)
    }

    @Test(arguments: StoreBackend.all) func usersList(_ backend: StoreBackend) async throws {
        try await backend.run(RegistryUserContract.listUsers)
    }

    @Test(arguments: StoreBackend.all) func usersUniqueUsernameAndEmail(_ backend: StoreBackend) async throws {
        try await backend.run(RegistryUserContract.uniqueUsernameAndEmail)
    }

    @Test(arguments: StoreBackend.all) func usersUpdate(_ backend: StoreBackend) async throws {
        try await backend.run(RegistryUserContract.updateUser)
    }

    @Test(arguments: StoreBackend.all) func tokensLookupAndExpiry(_ backend: StoreBackend) async throws {
        try await backend.run(RegistryTokenContract.lookupAndExpiry)
    }

    @Test(arguments: StoreBackend.all) func tokensDeleteOneAndAll(_ backend: StoreBackend) async throws {
        try await backend.run(RegistryTokenContract.deleteOneAndAll)
    }

    @Test(arguments: StoreBackend.all) func tokensOfInactiveUsers(_ backend: StoreBackend) async throws {
        try await backend.run(RegistryTokenContract.inactiveOwner)
    }

    @Test(arguments: StoreBackend.all) func devicesCreateAndFind(_ backend: StoreBackend) async throws {
        try await backend.run(RegistryDeviceContract.createAndFind)
    }

    @Test(arguments: StoreBackend.all) func devicesUniqueNamePerOwner(_ backend: StoreBackend) async throws {
        try await backend.run(RegistryDeviceContract.uniqueNamePerOwner)
    }

    @Test(arguments: StoreBackend.all) func devicesListWithFiltersAndPaging(_ backend: StoreBackend) async throws {
        try await backend.run(RegistryDeviceContract.listWithFiltersAndPaging)
    }

    @Test(arguments: StoreBackend.all) func devicesUpdate(_ backend: StoreBackend) async throws {
        try await backend.run(RegistryDeviceContract.updateDevice)
    }

    @Test(arguments: StoreBackend.all) func devicesSetKeyAndDelete(_ backend: StoreBackend) async throws {
        try await backend.run(RegistryDeviceContract.setKeyAndDelete)
    }

    @Test(arguments: StoreBackend.all) func markSeenNeverLowers(_ backend: StoreBackend) async throws {
        try await backend.run(RegistryStateContract.markSeenNeverLowers)
    }

    @Test(arguments: StoreBackend.all) func deviceConfig(_ backend: StoreBackend) async throws {
        try await backend.run(RegistryStateContract.deviceConfig)
    }

    @Test(arguments: StoreBackend.all) func deviceCounts(_ backend: StoreBackend) async throws {
        try await backend.run(RegistryStateContract.deviceCounts)
    }

    @Test(arguments: StoreBackend.all) func deleteUserCascades(_ backend: StoreBackend) async throws {
        try await backend.run(RegistryStateContract.deleteUserCascades)
    }
}
