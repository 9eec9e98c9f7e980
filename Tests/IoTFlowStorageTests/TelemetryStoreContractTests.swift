import Testing

@Suite("TelemetryStore contract")
struct TelemetryStoreContractTests {
    @Test(arguments: StoreBackend.all) func writeThenReadHistory(_ backend: StoreBackend) async throws {
        try await backend.run(TelemetryHistoryContract.writeThenReadHistory)
    }

    @Test(arguments: StoreBackend.all) func valuesRoundTrip(_ backend: StoreBackend) async throws {
        try await backend.run(TelemetryHistoryContract.valuesRoundTrip)
    }

    @Test(arguments: StoreBackend.all) func metadataOnlyWhenRequested(_ backend: StoreBackend) async throws {
        try await backend.run(TelemetryHistoryContract.metadataOnlyWhenRequested)
    }

    @Test(arguments: StoreBackend.all) func laterWriteWins(_ backend: StoreBackend) async throws {
        try await backend.run(TelemetryHistoryContract.laterWriteWins)
    }

    @Test(arguments: StoreBackend.all) func pagingWalksEveryTimestampOnce(_ backend: StoreBackend) async throws {
        try await backend.run(TelemetryPagingContract.resumeAfterWalksEveryTimestampOnce)
    }

    @Test(arguments: StoreBackend.all) func pagingStaysInsideTheRange(_ backend: StoreBackend) async throws {
        try await backend.run(TelemetryPagingContract.resumeAfterStaysInsideTheRange)
    }

    @Test(arguments: StoreBackend.all) func latestPerKey(_ backend: StoreBackend) async throws {
        try await backend.run(TelemetryLatestContract.latestPerKey)
    }

    @Test(arguments: StoreBackend.all) func latestOfManyDevices(_ backend: StoreBackend) async throws {
        try await backend.run(TelemetryLatestContract.latestOfManyDevices)
    }

    @Test(arguments: StoreBackend.all) func aggregateAllFunctions(_ backend: StoreBackend) async throws {
        try await backend.run(TelemetryAggregateContract.allFunctions)
    }

    @Test(arguments: StoreBackend.all) func aggregateOverflowingSums(_ backend: StoreBackend) async throws {
        try await backend.run(TelemetryOverflowContract.meanOfHugeValuesStaysFinite)
    }

    @Test(arguments: StoreBackend.all) func aggregateBucketAlignment(_ backend: StoreBackend) async throws {
        try await backend.run(TelemetryAggregateContract.bucketsAlignToEpochMultiples)
    }

    @Test(arguments: StoreBackend.all) func rollupsEqualRawPoints(_ backend: StoreBackend) async throws {
        try await backend.run(TelemetryRollupContract.rollupsEqualRawPoints)
    }

    @Test(arguments: StoreBackend.sql) func retentionExpiresInChunks(_ backend: StoreBackend) async throws {
        try await backend.run(TelemetryRetentionContract.expireInChunks)
    }

    @Test(arguments: StoreBackend.all) func deleteRange(_ backend: StoreBackend) async throws {
        try await backend.run(TelemetryDeleteContract.deleteRange)
    }

    @Test(arguments: StoreBackend.all) func deleteAllAndCount(_ backend: StoreBackend) async throws {
        try await backend.run(TelemetryDeleteContract.deleteAllAndCount)
    }

    @Test(arguments: StoreBackend.failureInjecting) func failedWriteStoresNothing(_ backend: StoreBackend) async throws {
        try await backend.run(TelemetryAtomicityContract.failedWriteStoresNothing)
    }
}

extension TelemetryStoreContractTests {
    @Test(arguments: StoreBackend.all) func concurrentWritesAllLand(_ backend: StoreBackend) async throws {
        try await backend.run(TelemetryConcurrencyContract.concurrentWritesAllLand)
    }

    @Test(arguments: StoreBackend.all) func countsFollowWritesOverwritesAndDeletes(_ backend: StoreBackend) async throws {
        try await backend.run(TelemetryCountsContract.countsFollowWritesOverwritesAndDeletes)
    }

    @Test(arguments: StoreBackend.all) func latestSummariesPageInTheStore(_ backend: StoreBackend) async throws {
        try await backend.run(TelemetryCountsContract.latestSummariesPageInTheStore)
    }

    @Test(arguments: StoreBackend.all) func keyNamesOfADevice(_ backend: StoreBackend) async throws {
        try await backend.run(TelemetryCountsContract.keyNamesOfADevice)
    }

    @Test(arguments: StoreBackend.sql) func countsDoNotScanTheTable(_ backend: StoreBackend) async throws {
        try await backend.run(TelemetryCountsContract.countsDoNotScanTheTable)
    }

    @Test func countsDoNotScanTheCassandraTable() async throws {
        try await StoreBackend.cassandra.run(TelemetryCountsContract.countsDoNotScanTheCassandraTable)
    }
}
