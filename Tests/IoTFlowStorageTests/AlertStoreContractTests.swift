import Testing

@Suite("AlertStore contract")
struct AlertStoreContractTests {
    @Test(arguments: StoreBackend.events) func openOncePerRuleAndDevice(_ backend: StoreBackend) async throws {
        try await backend.run(AlertLifecycleContract.openOncePerRuleAndDevice)
    }

    @Test(arguments: StoreBackend.events) func openedAlertsStartActive(_ backend: StoreBackend) async throws {
        try await backend.run(AlertLifecycleContract.openedAlertsStartActive)
    }

    @Test(arguments: StoreBackend.events) func concurrentOpensMakeOneAlert(_ backend: StoreBackend) async throws {
        try await backend.run(AlertLifecycleContract.concurrentOpensMakeOneAlert)
    }

    @Test(arguments: StoreBackend.events) func transitionsAreCompareAndSet(_ backend: StoreBackend) async throws {
        try await backend.run(AlertLifecycleContract.transitionsAreCompareAndSet)
    }

    @Test(arguments: StoreBackend.events) func racingResolutionsChangeOnce(_ backend: StoreBackend) async throws {
        try await backend.run(AlertLifecycleContract.racingResolutionsChangeOnce)
    }

    @Test(arguments: StoreBackend.events) func recordValue(_ backend: StoreBackend) async throws {
        try await backend.run(AlertLifecycleContract.recordValue)
    }

    @Test(arguments: StoreBackend.events) func lastResolution(_ backend: StoreBackend) async throws {
        try await backend.run(AlertLifecycleContract.lastResolution)
    }

    @Test(arguments: StoreBackend.events) func resolveAllOfARuleOrDevice(_ backend: StoreBackend) async throws {
        try await backend.run(AlertLifecycleContract.resolveAllOfARuleOrDevice)
    }

    @Test(arguments: StoreBackend.events) func unresolvedAlertsOfDevices(_ backend: StoreBackend) async throws {
        try await backend.run(AlertLifecycleContract.unresolvedAlertsOfDevices)
    }

    @Test(arguments: StoreBackend.events) func listNewestFirstWithFilters(_ backend: StoreBackend) async throws {
        try await backend.run(AlertReportContract.listNewestFirstWithFilters)
    }

    @Test(arguments: StoreBackend.events) func summary(_ backend: StoreBackend) async throws {
        try await backend.run(AlertReportContract.summary)
    }

    @Test(arguments: StoreBackend.events) func statistics(_ backend: StoreBackend) async throws {
        try await backend.run(AlertReportContract.statistics)
    }
}
