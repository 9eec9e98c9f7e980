import Testing

@Suite("DeviceStore contract")
struct DeviceStoreContractTests {
    @Test(arguments: StoreBackend.all) func devicesCreateAndFind(_ backend: StoreBackend) async throws {
        try await backend.run(DeviceStoreContract.createAndFind)
    }

    @Test(arguments: StoreBackend.all) func devicesUniqueNamePerOwner(_ backend: StoreBackend) async throws {
        try await backend.run(DeviceStoreContract.uniqueNamePerOwner)
    }

    @Test(arguments: StoreBackend.all) func devicesListWithFiltersAndPaging(_ backend: StoreBackend) async throws {
        try await backend.run(DeviceStoreContract.listWithFiltersAndPaging)
    }

    @Test(arguments: StoreBackend.all) func devicesByIDs(_ backend: StoreBackend) async throws {
        try await backend.run(DeviceStoreContract.devicesByIDs)
    }

    @Test(arguments: StoreBackend.all) func devicesUpdate(_ backend: StoreBackend) async throws {
        try await backend.run(DeviceStoreContract.updateDevice)
    }

    @Test(arguments: StoreBackend.all) func devicesSetKeyAndDelete(_ backend: StoreBackend) async throws {
        try await backend.run(DeviceStoreContract.setKeyAndDelete)
    }

    @Test(arguments: StoreBackend.all) func devicesDeleteAllOfOwner(_ backend: StoreBackend) async throws {
        try await backend.run(DeviceStoreContract.deleteAllOfOwner)
    }

    @Test(arguments: StoreBackend.all) func markSeenNeverLowers(_ backend: StoreBackend) async throws {
        try await backend.run(DeviceStateContract.markSeenNeverLowers)
    }

    @Test(arguments: StoreBackend.all) func deviceConfig(_ backend: StoreBackend) async throws {
        try await backend.run(DeviceStateContract.deviceConfig)
    }

    @Test(arguments: StoreBackend.all) func deviceCounts(_ backend: StoreBackend) async throws {
        try await backend.run(DeviceStateContract.deviceCounts)
    }
}
