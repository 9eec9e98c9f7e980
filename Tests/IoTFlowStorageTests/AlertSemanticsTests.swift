import Testing

@Suite("Alert rule semantics")
struct AlertSemanticsTests {
    @Test(arguments: StoreBackend.events, AlertSemanticsContract.cases)
    func sequence(_ backend: StoreBackend, _ testCase: AlertSemanticsContract.Case) async throws {
        try await backend.run { try await AlertSemanticsContract.run(testCase, $0) }
    }

    @Test(arguments: StoreBackend.events) func durationAcrossRestart(_ backend: StoreBackend) async throws {
        try await backend.run(AlertSemanticsContract.durationAcrossRestart)
    }

    @Test(arguments: StoreBackend.events) func twoInstancesOneAlert(_ backend: StoreBackend) async throws {
        try await backend.run(AlertSemanticsContract.twoInstancesOneAlert)
    }

    @Test(arguments: StoreBackend.events) func groupMembership(_ backend: StoreBackend) async throws {
        try await backend.run(AlertSemanticsContract.groupMembership)
    }

    @Test(arguments: StoreBackend.events) func deletionsResolve(_ backend: StoreBackend) async throws {
        try await backend.run(AlertSemanticsContract.deletionsResolve)
    }
}
