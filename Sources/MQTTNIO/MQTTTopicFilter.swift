/// Topic filter syntax (section 4.7): what SUBSCRIBE may name and which server features a filter needs.
enum MQTTTopicFilter {
    enum Kind: Equatable {
        case plain
        case wildcard
        case shared
        case invalid
    }

    static func classify(_ filter: String) -> Kind {
        guard !filter.isEmpty else {
            return .invalid
        }
        if filter.hasPrefix("$share/") {
            return .shared
        }
        var hasWildcard = false
        let levels = filter.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        for (index, level) in levels.enumerated() {
            if level.contains(UInt8(ascii: "#")) {
                guard level.count == 1, index == levels.count - 1 else {
                    return .invalid
                }
                hasWildcard = true
            } else if level.contains(UInt8(ascii: "+")) {
                guard level.count == 1 else {
                    return .invalid
                }
                hasWildcard = true
            }
        }
        return hasWildcard ? .wildcard : .plain
    }
}
