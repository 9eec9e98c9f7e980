/// A consistency level, with the values the protocol's `[consistency]` short carries.
public enum CassandraConsistency: UInt16, Sendable {
    /// A write succeeds once any node, hinted handoff included, has it.
    case any = 0
    /// One replica.
    case one
    /// Two replicas.
    case two
    /// Three replicas.
    case three
    /// A quorum of all replicas.
    case quorum
    /// Every replica.
    case all
    /// A quorum of the replicas in the coordinator's data center.
    case localQuorum
    /// A quorum in every data center.
    case eachQuorum
    /// Paxos across all data centers, for conditional updates.
    case serial
    /// Paxos within the local data center, for conditional updates.
    case localSerial
    /// One replica in the local data center.
    case localOne
}
