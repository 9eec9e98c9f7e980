import IoTFlowCore
import Logging
import NIOCore
import SQLiteNIO
import Synchronization

/// One SQLite database file in WAL mode: a single writer connection used under a lock (SQLite allows
/// one writer at a time anyway) and a few reader connections that run concurrently with it, each a
/// ``SQLiteHandle`` on a thread of its own.
public final class SQLiteDatabaseFile: Sendable {
    /// How hard commits are made durable.
    public enum Durability: String, Sendable {
        /// fsync on every commit: an acknowledged write survives power loss.
        case full
        /// fsync at checkpoints only: survives process crashes, may lose the last commits on power loss.
        case normal
    }

    let writer: SQLiteHandle
    private let readers: [SQLiteHandle]
    private let nextReader = Atomic<Int>(0)
    private let writeLock = AsyncLock()
    /// Path of the file.
    public let path: String

    private init(path: String, writer: SQLiteHandle, readers: [SQLiteHandle]) {
        self.path = path
        self.writer = writer
        self.readers = readers
    }

    /// Opens (creating if needed) the file, sets WAL mode and applies migrations.
    public static func open(
        path: String, readers readerCount: Int = 2, durability: Durability = .full, logger: Logger
    ) async throws -> SQLiteDatabaseFile {
        let writer = try await SQLiteOutage.translating { try await SQLiteHandle.open(path: path) }
        var readers: [SQLiteHandle] = []
        do {
            try await SQLiteOutage.translating {
                try await writer.query("PRAGMA journal_mode=WAL")
                try await writer.query("PRAGMA synchronous=\(durability == .full ? "FULL" : "NORMAL")")
                try await writer.query("PRAGMA foreign_keys=ON")
                try await writer.query("PRAGMA temp_store=MEMORY")
                try await SQLiteMigrations.apply(on: writer, logger: logger)
                for _ in 0..<max(1, readerCount) {
                    let reader = try await SQLiteHandle.open(path: path)
                    readers.append(reader)
                    try await reader.query("PRAGMA query_only=ON")
                    try await reader.query("PRAGMA temp_store=MEMORY")
                }
            }
        } catch {
            await Self.close([writer] + readers)
            throw error
        }
        return SQLiteDatabaseFile(path: path, writer: writer, readers: readers)
    }

    /// Closes every connection.
    public func close() async {
        // Detached so the close happens even when the caller is being cancelled: a failed start-up (say,
        // the port is taken) cancels every service, and a cancelled hop would skip the close.
        await Task.detached { [writer, readers] in await Self.close([writer] + readers) }.value
    }

    private static func close(_ handles: [SQLiteHandle]) async {
        for handle in handles {
            await handle.close()
            await handle.stopThread()
        }
    }

    /// Runs a read-only statement on a reader connection.
    func read(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRecord] {
        try await SQLiteOutage.translating { try await self.nextReaderHandle().query(sql, binds) }
    }

    /// Runs `body` on a reader connection's thread: every statement it runs there costs no hop, and it reads
    /// rows in place (``SQLiteHandle/forEachRow(_:_:_:)``).
    func reading<T: Sendable>(_ body: @Sendable (isolated SQLiteHandle) async throws -> T) async throws -> T {
        try await SQLiteOutage.translating { try await self.nextReaderHandle().run(body) }
    }

    private func nextReaderHandle() -> SQLiteHandle {
        let index = self.nextReader.wrappingAdd(1, ordering: .relaxed).oldValue
        return self.readers[(index & Int.max) % self.readers.count]
    }

    /// Runs `body` in one write transaction (`BEGIN IMMEDIATE`) on the writer's thread; rolls back when it throws.
    func write<T: Sendable>(_ body: @Sendable (isolated SQLiteHandle) async throws -> T) async throws -> T {
        try await SQLiteOutage.translating {
            try await self.writeLock.withLock { try await self.writer.transaction(body) }
        }
    }

    /// Runs one statement outside an explicit transaction, under the writer lock.
    @discardableResult
    func execute(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRecord] {
        try await SQLiteOutage.translating {
            try await self.writeLock.withLock { try await self.writer.query(sql, binds) }
        }
    }

    /// Milliseconds for a trivial read.
    func ping() async throws -> Double {
        let start = ContinuousClock.now
        _ = try await self.read("SELECT 1")
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }
}

extension SQLiteData {
    static func int(_ value: Int64) -> SQLiteData { .integer(Int(value)) }
    static func optionalText(_ value: String?) -> SQLiteData { value.map { .text($0) } ?? .null }
    static func optionalInt(_ value: Int64?) -> SQLiteData { value.map { .integer(Int($0)) } ?? .null }
}

/// `?, ?, …` for `count` placeholders.
func placeholders(_ count: Int) -> String {
    Array(repeating: "?", count: count).joined(separator: ", ")
}
