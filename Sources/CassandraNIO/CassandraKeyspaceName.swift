/// Writes a keyspace name as CQL: bare when it is a plain lower-case identifier, double-quoted otherwise, so that
/// `USE` switches to exactly the keyspace named and a name cannot smuggle CQL in.
enum CassandraKeyspaceName {
    static func cql(_ name: String) -> String {
        let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
        let isPlain =
            name.utf8.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || digits.contains($0) || $0 == UInt8(ascii: "_") }
            && name.utf8.first.map { !digits.contains($0) } == true
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
