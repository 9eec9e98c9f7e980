import Testing

@Suite("DeviceStore contract")
struct DeviceStoreContractTests {
    @Test(arguments: StoreBackend.registry) func devicesCreateAndFind(_ backend: StoreBackend) async throws {
        try await backend.run(DeviceStoreContract.createAndFind)
    }

    @Test(arguments: StoreBackend.registry) func devicesUniqueNamePerOwner(_ backend: StoreBackend) async throws {
        try await backend.run(DeviceStoreContract.uniqueNamePerOwner)
    }

    @Test(arguments: StoreBackend.registry) func devicesListWithFiltersAndPaging(_ backend: StoreBackend) async throws {
        try await backend.run(DeviceStoreContract.listWithFiltersAndPaging)
    }

    @Test(arguments: StoreBackend.registry) func devicesByIDs(_ backend: StoreBackend) async throws {
        try await backend.run(DeviceStoreContract.devicesByIDs)
    }

    @Test(arguments: StoreBackend.registry) func devicesUpdate(_ backend: StoreBackend) async throws {
        try await backend.run(DeviceStoreContract.updateDevice)
    }

    @Test(arguments: StoreBackend.registry) func devicesSetKeyAndDelete(_ backend: StoreBackend) async throws {
        try await backend.run(DeviceStoreContract.setKeyAndDelete)
    }

    @Test(arguments: StoreBackend.registry) func devicesDeleteAllOfOwner(_ backend: StoreBackend) async throws {
        try await backend.run(DeviceStoreContract.deleteAllOfOwner)
    }

    @Test(arguments: StoreBackend.registry) func markSeenNeverLowers(_ backend: StoreBackend) async throws {
        try await backend.run(DeviceStateContract.markSeenNeverLowers)
    }

    @Test(arguments: StoreBackend.registry) func deviceConfig(_ backend: StoreBackend) async throws {
        try await backend.run(DeviceStateContract.deviceConfig)
    }

    @Test(arguments: StoreBackend.registry) func deviceCounts(_ backend: StoreBackend) async throws {
        try await backend.run(DeviceStateContract.deviceCounts)
    }
}
