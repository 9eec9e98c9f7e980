import CassandraNIO
import Testing

@testable import IoTFlowStorage

@Suite("Cassandra batches stay under the batch size guard")
struct CassandraBatchSplitterTests {
    @Test("long values split a batch by bytes, short ones by count; order is kept and nothing is lost")
    func splitsBySizeAndCount() {
        let long = String(repeating: "x", count: 1000)
        let statements = (0..<100).map { CassandraStatement("INSERT", [.bigint(Int64($0)), .text(long), .text(long)]) }
        let batches = CassandraBatchSplitter.batches(statements, maxStatements: 100)
        #expect(batches.count > 1)
        for batch in batches {
            let bytes = batch.reduce(0) { $0 + $1.values.reduce(0) { $0 + CassandraBatchSplitter.size(of: $1) } }
            #expect(bytes <= CassandraBatchSplitter.maxBytes)
        }
        #expect(batches.flatMap { $0 }.map { $0.values[0] } == statements.map { $0.values[0] })
        let short = (0..<250).map { CassandraStatement("INSERT", [.bigint(Int64($0))]) }
        #expect(CassandraBatchSplitter.batches(short, maxStatements: 100).map(\.count) == [100, 100, 50])
        // One statement above the limit still goes, alone.
        let huge = CassandraStatement("INSERT", [.text(String(repeating: "y", count: 40_000))])
        #expect(CassandraBatchSplitter.batches([huge, huge], maxStatements: 100).map(\.count) == [1, 1])
    }
}
