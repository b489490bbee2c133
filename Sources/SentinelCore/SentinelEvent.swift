/// One event, as Redis's `sentinelEvent` emits it: logged, published on the channel named `type`
/// (unless debug), and handed to the notification script of `notificationScriptMaster`.
///
/// Only the event files know the events' text: SentinelEvent+Rendering.swift gives each case its
/// type name, level and message; SentinelEvent+Parsing.swift reads them back (`init?(type:message:)`)
/// for clients that receive them over pub/sub; InstanceDescription.swift renders and reads the
/// instance prefix they share. Everyone else reads the fields.
public enum SentinelEvent: Hashable, Sendable {
    // Configuration (commands and startup).
    case monitor(InstanceDescription, quorum: Int)
    case monitorRemoved(InstanceDescription)
    case resetMaster(InstanceDescription)
    /// `value` as shown: a password is `******`; `rename-command` shows `<old> <new>`.
    case set(InstanceDescription, option: String, value: String)

    // Discovery.
    case replicaAdded(InstanceDescription)
    case sentinelAdded(InstanceDescription)
    /// About the master: the peer `runID` is now at `address`.
    case sentinelAddressSwitch(InstanceDescription, address: Address, runID: String)
    case sentinelAddressUpdate(InstanceDescription, count: Int)
    case sentinelInvalidAddress(InstanceDescription)

    // Failure detection.
    case subjectivelyDown(InstanceDescription)
    case subjectivelyDownCleared(InstanceDescription)
    case objectivelyDown(InstanceDescription, votes: Int, quorum: Int)
    case objectivelyDownCleared(InstanceDescription)
    case reboot(InstanceDescription)
    /// `+role-change` when the instance reports the role it is known by, `-role-change` otherwise.
    case roleChange(InstanceDescription, reported: InfoReport.Role)
    /// `-cmd-link-reconnection` or `-pubsub-link-reconnection`.
    case linkReconnection(InstanceDescription, LinkKind, reason: String)

    // Election. The master of `newEpoch` and `voteForLeader`, and the epoch of `electedLeader`, are
    // not in the text: the core always gives them, an event parsed from its text has nil.
    case newEpoch(master: String?, epoch: Int64)
    case voteForLeader(master: String?, runID: String, epoch: Int64)
    case tryFailover(InstanceDescription)
    case electedLeader(InstanceDescription, epoch: Int64?)

    // The leader's failover.
    case failoverStateSelectReplica(InstanceDescription)
    case replicaSelected(InstanceDescription)
    case failoverStateSendReplicaofNoOne(InstanceDescription)
    case failoverStateWaitPromotion(InstanceDescription)
    /// Coordinated switchover: `FAILOVER TO` sent to the master for the replica at `to`.
    case coordinatedHandover(InstanceDescription, to: Address)
    case replicaPromoted(InstanceDescription)
    case failoverStateReconfigureReplicas(InstanceDescription)
    case replicaReconfigurationSent(InstanceDescription)
    case replicaReconfigurationSentBestEffort(InstanceDescription)
    case replicaReconfigurationSentTimeout(InstanceDescription)
    case replicaReconfigurationInProgress(InstanceDescription)
    case replicaReconfigurationDone(InstanceDescription)
    case failoverEndForTimeout(InstanceDescription)
    case failoverEnd(InstanceDescription)
    /// `-failover-abort-<reason>`, about the master.
    case failoverAborted(InstanceDescription, reason: FailoverAbortReason)
    /// The best replica is further behind than `vigil-promotion-max-lag-bytes`: about that replica.
    case replicasBehind(InstanceDescription, behind: Int64, bound: Int64)
    /// Addresses as announced; what clients follow.
    case switchMaster(master: String, from: Address, to: Address)
    /// About the sentinel whose hello carried the newer configuration.
    case configUpdateFrom(InstanceDescription)

    // Enforcement.
    case convertToReplica(InstanceDescription)
    case fixReplicaConfig(InstanceDescription)

    // The process.
    case tiltEntered
    case tiltExited
    case scriptError(path: String, signal: Int32, exitCode: Int32)
    case scriptTimeout(path: String, pid: Int32)
}

/// Why a failover was given up, as the end of its `-failover-abort-...` type.
public enum FailoverAbortReason: String, Hashable, Sendable, CaseIterable {
    case notElected = "not-elected"
    case noGoodReplica = "no-good-slave"
    case replicaTimeout = "slave-timeout"
    case coordinatedTimeout = "coordinated-timeout"
    case coordinatedRefused = "coordinated-refused"
    /// A peer announced a configuration of this master whose epoch has reached the failover's.
    case superseded = "superseded"
}
