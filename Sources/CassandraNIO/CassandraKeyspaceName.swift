/// Writes a keyspace name as CQL: bare when it is a plain lower-case identifier, double-quoted otherwise, so that
/// `USE` switches to exactly the keyspace named and a name cannot smuggle CQL in.
enum CassandraKeyspaceName {
    static func cql(_ name: String) -> String {
        let isPlain =
            !name.isEmpty && name.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: "_")
            } && !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(name.utf8.first!)
        if isPlain {
            return name
        }
        var quoted = "\""
        for character in name {
            quoted += character == "\"" ? "\"\"" : String(character)
        }
        return quoted + "\""
    }
}
