import Testing

@Suite("AlertRuleStore contract")
struct AlertRuleStoreContractTests {
    @Test(arguments: StoreBackend.registry) func createReadAndList(_ backend: StoreBackend) async throws {
        try await backend.run(AlertRuleContract.createReadAndList)
    }

    @Test(arguments: StoreBackend.registry) func uniqueNamePerOwner(_ backend: StoreBackend) async throws {
        try await backend.run(AlertRuleContract.uniqueNamePerOwner)
    }

    @Test(arguments: StoreBackend.registry) func updateRule(_ backend: StoreBackend) async throws {
        try await backend.run(AlertRuleContract.updateRule)
    }

    @Test(arguments: StoreBackend.registry) func deleteRule(_ backend: StoreBackend) async throws {
        try await backend.run(AlertRuleContract.deleteRule)
    }

    @Test(arguments: StoreBackend.registry) func rulesGoWithTheirOwnerDeviceOrGroup(_ backend: StoreBackend) async throws {
        try await backend.run(AlertRuleContract.rulesGoWithTheirOwnerDeviceOrGroup)
    }

    @Test(arguments: StoreBackend.registry) func enabledRulesFollowGroupMembership(_ backend: StoreBackend) async throws {
        try await backend.run(AlertRuleContract.enabledRulesFollowGroupMembership)
    }

    @Test(arguments: StoreBackend.registry) func enabledOfflineRules(_ backend: StoreBackend) async throws {
        try await backend.run(AlertRuleContract.enabledOfflineRules)
    }

    @Test(arguments: StoreBackend.registry) func leases(_ backend: StoreBackend) async throws {
        try await backend.run(AlertRuleContract.leases)
    }

    @Test(arguments: StoreBackend.registry) func oneHolderWinsARace(_ backend: StoreBackend) async throws {
        try await backend.run(AlertRuleContract.oneHolderWinsARace)
    }
}
