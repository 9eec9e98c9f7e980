/// A message on the invalidation channel: what every instance must drop from its first-level cache.
enum RedisInvalidation: Equatable, Sendable {
    case device(Int64)
    case owner(Int64)
    case user(Int64)
    case token(String)
    /// A device's latest values changed, by a write on the instance `origin` (whose heartbeat text it is) or by a
    /// delete (no origin).
    case latest(Int64, origin: String?)
    /// Alert rules or group memberships changed: rule caches start again.
    case alertRules
    /// The cache generation moved on: every first-level entry is suspect.
    case generation(Int64)

    var message: String {
        switch self {
        case .device(let id): "d:\(id)"
        case .owner(let id): "o:\(id)"
        case .user(let id): "u:\(id)"
        case .token(let hash): "t:\(hash)"
        case .latest(let id, let origin): origin.map { "l:\(id)@\($0)" } ?? "l:\(id)"
        case .alertRules: "r:*"
        case .generation(let generation): "g:\(generation)"
        }
    }

    init?(message: String) {
        guard message.count > 2, message.dropFirst().first == ":" else { return nil }
        let value = String(message.dropFirst(2))
        switch message.first {
        case "d": guard let id = Int64(value) else { return nil }; self = .device(id)
        case "o": guard let id = Int64(value) else { return nil }; self = .owner(id)
        case "u": guard let id = Int64(value) else { return nil }; self = .user(id)
        case "t": self = .token(value)
        case "l":
            let parts = value.split(separator: "@", maxSplits: 1)
            guard let first = parts.first, let id = Int64(first) else { return nil }
            self = .latest(id, origin: parts.count == 2 ? String(parts[1]) : nil)
        case "r": self = .alertRules
        case "g": guard let generation = Int64(value) else { return nil }; self = .generation(generation)
        default: return nil
        }
    }
}
