extension BSONValue {
    /// The value as an `Int` when it is a whole number of any BSON numeric type, as servers vary in which one they send.
    static func integer(_ value: BSONValue) -> Int? {
        switch value {
        case .int32(let number):
            return Int(number)
        case .int64(let number):
            return Int(number)
        case .double(let number):
            guard number.rounded() == number, let exact = Int(exactly: number) else {
                return nil
            }
            return exact
        default:
            return nil
        }
    }
}
