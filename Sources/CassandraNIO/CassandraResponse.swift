/// A response message decoded from a frame body (spec section 4.2); EVENT frames never get here.
enum CassandraResponse: Sendable {
    case error(CassandraError)
    case ready
    /// The authenticator's class name.
    case authenticate(String)
    case supported([String: [String]])
    case result(CassandraResult)
    case authChallenge([UInt8]?)
    case authSuccess([UInt8]?)
}
