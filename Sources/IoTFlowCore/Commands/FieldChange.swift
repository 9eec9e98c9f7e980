/// What an update request says about one field: nothing, clear it (JSON `null`), or set it.
///
/// Updates must tell "not sent" from "sent as null", which an optional cannot.
public enum FieldChange<Value: Sendable>: Sendable {
    /// The field was not sent: keep the stored value.
    case unchanged
    /// The field was sent as `null`.
    case cleared
    /// The field was sent with a value.
    case set(Value)

    /// The value when one was sent.
    public var value: Value? {
        if case .set(let value) = self { return value }
        return nil
    }

    /// Whether the field was sent at all (null included).
    public var isSent: Bool {
        if case .unchanged = self { return false }
        return true
    }
}

extension FieldChange: Equatable where Value: Equatable {}
