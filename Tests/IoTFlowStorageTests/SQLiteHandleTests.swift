import Foundation
import IoTFlowCore
import NIOCore
import SQLiteNIO
import Testing

@testable import IoTFlowStorage

/// The SQLite connection of our own: values round-trip exactly, cached statements stay correct, errors keep their
/// codes, and outages become 503s.
@Suite("SQLite handle")
struct SQLiteHandleTests {
    private static func withHandle(_ body: (SQLiteHandle, String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sqlite-handle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("test.sqlite").path
        let handle = try await SQLiteHandle.open(path: path)
        do {
            try await body(handle, path)
        } catch {
            await handle.close()
            await handle.stopThread()
            throw error
        }
        await handle.close()
        await handle.stopThread()
    }

    @Test("every storage class round-trips; an empty string stays '' (not NULL) and text may hold NUL")
    func valuesRoundTrip() async throws {
        try await Self.withHandle { handle, _ in
            try await handle.query("CREATE TABLE t (id INTEGER PRIMARY KEY, v)")
            let values: [SQLiteData] = [
                .integer(Int.min), .integer(0), .float(-0.5), .float(1e308), .text(""), .text("a\u{0}b ünï 🚀"),
                .blob(ByteBuffer(bytes: [0, 1, 255])), .blob(ByteBuffer()), .null,
            ]
            for (index, value) in values.enumerated() {
                try await handle.query("INSERT INTO t (id, v) VALUES (?, ?)", [.integer(index), value])
            }
            let rows = try await handle.query("SELECT id, v, typeof(v) AS kind FROM t ORDER BY id")
            #expect(rows.map { $0.values[1] } == values)
            #expect(rows.map { $0.string("kind") } == ["integer", "integer", "real", "real", "text", "text", "blob", "blob", "null"])
            #expect(rows[5].string("v")?.utf8.count == "a\u{0}b ünï 🚀".utf8.count)
        }
    }

    @Test("a cached statement sees rows written after it was compiled and follows schema changes")
    func cachedStatementsStayCurrent() async throws {
        try await Self.withHandle { handle, _ in
            try await handle.query("CREATE TABLE t (a INTEGER)")
            for round in 1...3 {
                try await handle.query("INSERT INTO t (a) VALUES (?)", [.integer(round)])
                let count = try await handle.query("SELECT COUNT(*) AS n, SUM(a) AS s FROM t")
                #expect(count.first?.int("n") == round)
                #expect(count.first?.int("s") == (1...round).reduce(0, +))
            }
            try await handle.query("ALTER TABLE t ADD COLUMN b TEXT DEFAULT 'x'")
            let rows = try await handle.query("SELECT * FROM t ORDER BY a")
            #expect(rows.map { $0.string("b") } == ["x", "x", "x"])
        }
    }

    @Test("constraint failures keep SQLite's extended code; unique violations are recognised")
    func constraintCodes() async throws {
        try await Self.withHandle { handle, _ in
            try await handle.query("CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT UNIQUE, c INTEGER NOT NULL)")
            try await handle.query("INSERT INTO t VALUES (1, 'x', 0)")
            let unique = try await #require(throws: SQLiteFailure.self) { try await handle.query("INSERT INTO t VALUES (2, 'x', 0)") }
            #expect(unique.isUniqueViolation)
            #expect(unique.message.contains("t.b"))
            let primary = try await #require(throws: SQLiteFailure.self) { try await handle.query("INSERT INTO t VALUES (1, 'y', 0)") }
            #expect(primary.isUniqueViolation)
            let notNull = try await #require(throws: SQLiteFailure.self) { try await handle.query("INSERT INTO t VALUES (3, 'z', NULL)") }
            #expect(!notNull.isUniqueViolation)
            let syntax = try await #require(throws: SQLiteFailure.self) { try await handle.query("SELEKT 1") }
            #expect(!SQLiteOutage.isOutage(syntax))
            // The failed statements left the connection usable.
            #expect(try await handle.query("SELECT COUNT(*) AS n FROM t").first?.int("n") == 1)
        }
    }

    @Test("a write lock held by another connection is an outage (503), and a rolled-back transaction stores nothing")
    func busyIsAnOutage() async throws {
        try await Self.withHandle { handle, path in
            try await handle.query("PRAGMA journal_mode=WAL")
            try await handle.query("CREATE TABLE t (a INTEGER)")
            let other = try await SQLiteHandle.open(path: path)
            try await other.query("BEGIN IMMEDIATE")
            let busy = try await #require(throws: SQLiteFailure.self) { try await handle.transaction { _ in 0 } }
            #expect(SQLiteOutage.isOutage(busy))
            await #expect(throws: IoTFlowError.self) { try await SQLiteOutage.translating { try await handle.query("BEGIN IMMEDIATE") } }
            try await other.query("ROLLBACK")
            await other.close()
            await other.stopThread()
            struct Abort: Error {}
            await #expect(throws: Abort.self) {
                try await handle.transaction { handle in
                    try await handle.query("INSERT INTO t (a) VALUES (1)")
                    throw Abort()
                }
            }
            #expect(try await handle.query("SELECT COUNT(*) AS n FROM t").first?.int("n") == 0)
        }
    }

    @Test("a closed handle fails its statements instead of crashing")
    func closedHandle() async throws {
        try await Self.withHandle { handle, _ in
            await handle.close()
            await #expect(throws: SQLiteFailure.self) { try await handle.query("SELECT 1") }
        }
    }
}
