import Testing

@testable import CassandraNIO

@Suite("Keyspace names")
struct CassandraKeyspaceNameTests {
    @Test func plainNamesStayBareOthersAreQuoted() {
        #expect(CassandraKeyspaceName.cql("iot_1") == "iot_1")
        #expect(CassandraKeyspaceName.cql("IoT") == "\"IoT\"")
        #expect(CassandraKeyspaceName.cql("1iot") == "\"1iot\"")
        #expect(CassandraKeyspaceName.cql("a\"; DROP") == "\"a\"\"; DROP\"")
        #expect(CassandraKeyspaceName.cql("") == "\"\"")
    }
}
