import IoTFlowCore

extension KeyedDecodingContainer {
    /// A field of an update: not sent, sent as `null`, or sent with a value of type `T` (400 otherwise).
    func decodeChange<T: Decodable & Sendable>(_ type: T.Type, forKey key: Key) throws -> FieldChange<T> {
        guard self.contains(key) else { return .unchanged }
        if try self.decodeNil(forKey: key) { return .cleared }
        return .set(try self.decode(T.self, forKey: key))
    }
}
