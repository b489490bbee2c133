/// How each event reads: its type name (the pub/sub channel), level and message, as Redis writes
/// them. SentinelEvent+Parsing.swift reads the same text back; a change here belongs there too.
extension SentinelEvent: CustomStringConvertible {
    public var description: String { "\(type) \(message)" }
    public var isPublished: Bool { level != .debug }

    /// The instance the text starts with, if any.
    public var instance: InstanceDescription? {
        switch self {
        case .monitor(let i, _), .monitorRemoved(let i), .resetMaster(let i), .set(let i, _, _), .replicaAdded(let i),
             .sentinelAdded(let i), .sentinelAddressSwitch(let i, _, _), .sentinelAddressUpdate(let i, _),
             .sentinelInvalidAddress(let i), .subjectivelyDown(let i), .subjectivelyDownCleared(let i),
             .objectivelyDown(let i, _, _), .objectivelyDownCleared(let i), .reboot(let i), .roleChange(let i, _),
             .linkReconnection(let i, _, _), .tryFailover(let i), .electedLeader(let i, _), .failoverStateSelectReplica(let i),
             .replicaSelected(let i), .failoverStateSendReplicaofNoOne(let i), .failoverStateWaitPromotion(let i),
             .coordinatedHandover(let i, _), .replicaPromoted(let i), .failoverStateReconfigureReplicas(let i),
             .replicaReconfigurationSent(let i), .replicaReconfigurationSentBestEffort(let i),
             .replicaReconfigurationSentTimeout(let i), .replicaReconfigurationInProgress(let i),
             .replicaReconfigurationDone(let i), .failoverEndForTimeout(let i), .failoverEnd(let i),
             .failoverAborted(let i, _), .replicasBehind(let i, _, _), .configUpdateFrom(let i), .convertToReplica(let i),
             .fixReplicaConfig(let i):
            return i
        case .newEpoch, .voteForLeader, .switchMaster, .tiltEntered, .tiltExited, .scriptError, .scriptTimeout:
            return nil
        }
    }

    /// The master the event concerns (Redis's `ri` argument): the instance's, or the one named.
    public var masterName: String? {
        switch self {
        case .newEpoch(let master, _), .voteForLeader(let master, _, _): return master
        case .switchMaster(let master, _, _): return master
        default: return instance?.masterName
        }
    }

    /// Whose notification script runs: Redis runs it for every warning about an instance (§3.11).
    public var notificationScriptMaster: String? { level == .warning ? masterName : nil }

    public var level: LogLevel {
        switch self {
        case .linkReconnection: return .debug
        case .roleChange: return .verbose
        case .replicaAdded, .sentinelAdded, .sentinelAddressSwitch, .sentinelAddressUpdate, .sentinelInvalidAddress, .reboot,
             .failoverStateSendReplicaofNoOne, .failoverStateWaitPromotion, .coordinatedHandover, .replicaReconfigurationSent,
             .replicaReconfigurationSentBestEffort, .replicaReconfigurationSentTimeout, .replicaReconfigurationInProgress,
             .replicaReconfigurationDone, .convertToReplica, .fixReplicaConfig:
            return .notice
        default: return .warning
        }
    }

    /// The type name, which is also the pub/sub channel.
    public var type: String {
        switch self {
        case .monitor: return "+monitor"
        case .monitorRemoved: return "-monitor"
        case .resetMaster: return "+reset-master"
        case .set: return "+set"
        case .replicaAdded: return "+slave"
        case .sentinelAdded: return "+sentinel"
        case .sentinelAddressSwitch: return "+sentinel-address-switch"
        case .sentinelAddressUpdate: return "+sentinel-address-update"
        case .sentinelInvalidAddress: return "+sentinel-invalid-addr"
        case .subjectivelyDown: return "+sdown"
        case .subjectivelyDownCleared: return "-sdown"
        case .objectivelyDown: return "+odown"
        case .objectivelyDownCleared: return "-odown"
        case .reboot: return "+reboot"
        case .roleChange(let i, let role): return (role == (i.kind == .master ? .master : .slave) ? "+" : "-") + "role-change"
        case .linkReconnection(_, let kind, _): return kind == .command ? "-cmd-link-reconnection" : "-pubsub-link-reconnection"
        case .newEpoch: return "+new-epoch"
        case .voteForLeader: return "+vote-for-leader"
        case .tryFailover: return "+try-failover"
        case .electedLeader: return "+elected-leader"
        case .failoverStateSelectReplica: return "+failover-state-select-slave"
        case .replicaSelected: return "+selected-slave"
        case .failoverStateSendReplicaofNoOne: return "+failover-state-send-slaveof-noone"
        case .failoverStateWaitPromotion: return "+failover-state-wait-promotion"
        case .coordinatedHandover: return "+coordinated-handover"
        case .replicaPromoted: return "+promoted-slave"
        case .failoverStateReconfigureReplicas: return "+failover-state-reconf-slaves"
        case .replicaReconfigurationSent: return "+slave-reconf-sent"
        case .replicaReconfigurationSentBestEffort: return "+slave-reconf-sent-be"
        case .replicaReconfigurationSentTimeout: return "-slave-reconf-sent-timeout"
        case .replicaReconfigurationInProgress: return "+slave-reconf-inprog"
        case .replicaReconfigurationDone: return "+slave-reconf-done"
        case .failoverEndForTimeout: return "+failover-end-for-timeout"
        case .failoverEnd: return "+failover-end"
        case .failoverAborted(_, let reason): return "-failover-abort-" + reason.rawValue
        case .replicasBehind: return "-failover-abort-replicas-behind"
        case .switchMaster: return "+switch-master"
        case .configUpdateFrom: return "+config-update-from"
        case .convertToReplica: return "+convert-to-slave"
        case .fixReplicaConfig: return "+fix-slave-config"
        case .tiltEntered: return "+tilt"
        case .tiltExited: return "-tilt"
        case .scriptError: return "-script-error"
        case .scriptTimeout: return "-script-timeout"
        }
    }

    /// The payload: the instance prefix, then what follows it; or the whole text for events without one.
    public var message: String {
        switch self {
        case .newEpoch(_, let epoch): return String(epoch)
        case .voteForLeader(_, let runID, let epoch): return "\(runID) \(epoch)"
        case .switchMaster(let master, let from, let to): return "\(master) \(from.host) \(from.port) \(to.host) \(to.port)"
        case .tiltEntered: return Self.tiltEnteredText
        case .tiltExited: return Self.tiltExitedText
        case .scriptError(let path, let signal, let exitCode): return "\(path) \(signal) \(exitCode)"
        case .scriptTimeout(let path, let pid): return "\(path) \(pid)"
        default:
            guard let instance else { fatalError("an event without an instance has its own text: \(type)") }
            let detail = self.detail
            return detail.isEmpty ? instance.text : "\(instance.text) \(detail)"
        }
    }

    /// What follows the instance prefix.
    private var detail: String {
        switch self {
        case .monitor(_, let quorum): return "quorum \(quorum)"
        case .set(_, let option, let value): return "\(option) \(value)"
        case .sentinelAddressSwitch(_, let address, let runID): return "ip \(address.host) port \(address.port) for \(runID)"
        case .sentinelAddressUpdate(_, let count): return "\(count) additional matching instances"
        case .objectivelyDown(_, let votes, let quorum): return "#quorum \(votes)/\(quorum)"
        case .roleChange(_, let role): return "new reported role is \(role.rawValue)"
        case .linkReconnection(_, _, let reason): return "#\(reason)"
        case .coordinatedHandover(_, let to): return "to \(to.host) \(to.port)"
        case .replicasBehind(_, let behind, let bound): return "behind \(behind) bound \(bound)"
        default: return ""
        }
    }

    // Parsing compares the whole text of the TILT events (SentinelEvent+Parsing.swift).
    static let tiltEnteredText = "#tilt mode entered"
    static let tiltExitedText = "#tilt mode exited"
}
