/// Something a stream's access depends on. When one changes (a device deleted or its key rotated, a token revoked,
/// a user deactivated, a group deleted or its members changed), the streams that depend on it check their access
/// again at once, on every instance.
enum LiveSubject: Hashable, Sendable {
    /// A device: deleted, key rotated, changed.
    case device(Int64)
    /// Everything a user owns, devices and groups (the owner was changed or deleted).
    case owner(Int64)
    /// A user's sessions (the user was changed, deactivated or deleted).
    case user(Int64)
    /// One bearer token, by its SHA-256 hex (logout).
    case token(String)
    /// A group: deleted, or its members changed.
    case group(Int64)
    /// A device's config (streams do not depend on it; devices connected over MQTT are sent the new one).
    case config(Int64)

    /// The subject as text on the relay channel.
    var text: String {
        switch self {
        case .device(let id): "d:\(id)"
        case .owner(let id): "o:\(id)"
        case .user(let id): "u:\(id)"
        case .token(let hash): "t:\(hash)"
        case .group(let id): "g:\(id)"
        case .config(let id): "f:\(id)"
        }
    }

    /// Reads ``text``; nil for anything else.
    init?(text: Substring) {
        guard text.count > 2, text.dropFirst().first == ":" else { return nil }
        let value = text.dropFirst(2)
        switch text.first {
        case "d": guard let id = Int64(value) else { return nil }; self = .device(id)
        case "o": guard let id = Int64(value) else { return nil }; self = .owner(id)
        case "u": guard let id = Int64(value) else { return nil }; self = .user(id)
        case "t": self = .token(String(value))
        case "g": guard let id = Int64(value) else { return nil }; self = .group(id)
        case "f": guard let id = Int64(value) else { return nil }; self = .config(id)
        default: return nil
        }
    }
}
