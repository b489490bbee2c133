/// One event, as Redis's `sentinelEvent` emits it: logged, published on the channel named `type`
/// (unless debug), and handed to the notification script of `notificationScriptMaster`.
///
/// This file is the only place that knows the events' text: their type names, levels and messages
/// are rendered here, and `init?(type:message:)` reads them back for clients that receive them over
/// pub/sub. Everyone else reads the fields.
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

/// An instance as an event names it (Redis's `%@`), with the announced addresses it was rendered with.
public struct InstanceDescription: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        case master
        case slave
        case sentinel
    }

    /// The master a replica or sentinel belongs to.
    public struct Owner: Hashable, Sendable {
        public var name: String
        public var address: Address
        public init(name: String, address: Address) {
            self.name = name
            self.address = address
        }
    }

    public var kind: Kind
    /// The master's name, `ip:port` for a replica, the run id for a sentinel.
    public var name: String
    public var address: Address
    /// Nil for a master.
    public var master: Owner?

    public static func master(_ name: String, _ address: Address) -> InstanceDescription {
        InstanceDescription(kind: .master, name: name, address: address, master: nil)
    }

    public init(kind: Kind, name: String, address: Address, master: Owner?) {
        self.kind = kind
        self.name = name
        self.address = address
        self.master = master
    }

    /// The master the instance is, or belongs to.
    public var masterName: String { master?.name ?? name }
}

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

    private static let tiltEnteredText = "#tilt mode entered"
    private static let tiltExitedText = "#tilt mode exited"
}

extension InstanceDescription {
    /// `<kind> <name> <ip> <port>`, and for replicas and sentinels `@ <master> <master-ip> <master-port>`.
    var text: String {
        let own = "\(kind.rawValue) \(name) \(address.host) \(address.port)"
        guard let master else { return own }
        return "\(own) @ \(master.name) \(master.address.host) \(master.address.port)"
    }

    /// Reads the prefix from the words of a message; returns it and the words after it.
    static func parse(_ words: [String]) -> (InstanceDescription, rest: ArraySlice<String>)? {
        guard words.count >= 4, let kind = Kind(rawValue: words[0]), let port = Int(words[3]) else { return nil }
        let address = Address(host: words[2], port: port)
        if kind == .master { return (.master(words[1], address), words[4...]) }
        guard words.count >= 8, words[4] == "@", let masterPort = Int(words[7]) else { return nil }
        let owner = Owner(name: words[5], address: Address(host: words[6], port: masterPort))
        return (InstanceDescription(kind: kind, name: words[1], address: address, master: owner), words[8...])
    }
}

extension SentinelEvent {
    /// Reads an event back from its channel and payload, as a pub/sub client receives it. Nil when the
    /// type is unknown or the text does not have that type's shape.
    public init?(type: String, message: String) {
        let words = message.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        if let event = Self.parseWithoutInstance(type: type, message: message, words: words) {
            self = event
        } else if let (instance, rest) = InstanceDescription.parse(words),
            let event = Self.parse(type: type, about: instance, rest: Array(rest))
        {
            self = event
        } else {
            return nil
        }
    }

    private static func parseWithoutInstance(type: String, message: String, words: [String]) -> SentinelEvent? {
        switch type {
        case "+new-epoch":
            guard words.count == 1, let epoch = Int64(words[0]) else { return nil }
            return .newEpoch(master: nil, epoch: epoch)
        case "+vote-for-leader":
            guard words.count == 2, let epoch = Int64(words[1]) else { return nil }
            return .voteForLeader(master: nil, runID: words[0], epoch: epoch)
        case "+switch-master":
            guard words.count == 5, let fromPort = Int(words[2]), let toPort = Int(words[4]) else { return nil }
            return .switchMaster(master: words[0], from: Address(host: words[1], port: fromPort), to: Address(host: words[3], port: toPort))
        case "+tilt":
            return message == tiltEnteredText ? .tiltEntered : nil
        case "-tilt":
            return message == tiltExitedText ? .tiltExited : nil
        case "-script-error":
            // The path may hold spaces: the numbers are the last two words.
            guard words.count >= 3, let signal = Int32(words[words.count - 2]), let exitCode = Int32(words[words.count - 1]) else { return nil }
            return .scriptError(path: words.dropLast(2).joined(separator: " "), signal: signal, exitCode: exitCode)
        case "-script-timeout":
            guard words.count >= 2, let pid = Int32(words[words.count - 1]) else { return nil }
            return .scriptTimeout(path: words.dropLast().joined(separator: " "), pid: pid)
        default:
            return nil
        }
    }

    /// Events whose text is the instance prefix alone.
    private static let prefixOnly: [String: @Sendable (InstanceDescription) -> SentinelEvent] = [
        "-monitor": { .monitorRemoved($0) }, "+reset-master": { .resetMaster($0) }, "+slave": { .replicaAdded($0) },
        "+sentinel": { .sentinelAdded($0) }, "+sentinel-invalid-addr": { .sentinelInvalidAddress($0) },
        "+sdown": { .subjectivelyDown($0) }, "-sdown": { .subjectivelyDownCleared($0) }, "-odown": { .objectivelyDownCleared($0) },
        "+reboot": { .reboot($0) }, "+try-failover": { .tryFailover($0) }, "+elected-leader": { .electedLeader($0, epoch: nil) },
        "+failover-state-select-slave": { .failoverStateSelectReplica($0) }, "+selected-slave": { .replicaSelected($0) },
        "+failover-state-send-slaveof-noone": { .failoverStateSendReplicaofNoOne($0) },
        "+failover-state-wait-promotion": { .failoverStateWaitPromotion($0) }, "+promoted-slave": { .replicaPromoted($0) },
        "+failover-state-reconf-slaves": { .failoverStateReconfigureReplicas($0) },
        "+slave-reconf-sent": { .replicaReconfigurationSent($0) }, "+slave-reconf-sent-be": { .replicaReconfigurationSentBestEffort($0) },
        "-slave-reconf-sent-timeout": { .replicaReconfigurationSentTimeout($0) },
        "+slave-reconf-inprog": { .replicaReconfigurationInProgress($0) }, "+slave-reconf-done": { .replicaReconfigurationDone($0) },
        "+failover-end-for-timeout": { .failoverEndForTimeout($0) }, "+failover-end": { .failoverEnd($0) },
        "+config-update-from": { .configUpdateFrom($0) }, "+convert-to-slave": { .convertToReplica($0) },
        "+fix-slave-config": { .fixReplicaConfig($0) },
    ]

    private static func parse(type: String, about instance: InstanceDescription, rest: [String]) -> SentinelEvent? {
        if let make = prefixOnly[type] { return rest.isEmpty ? make(instance) : nil }
        if type.hasPrefix("-failover-abort-"), let reason = FailoverAbortReason(rawValue: String(type.dropFirst("-failover-abort-".count))) {
            return rest.isEmpty ? .failoverAborted(instance, reason: reason) : nil
        }
        switch (type, rest.count) {
        case ("+monitor", 2) where rest[0] == "quorum":
            return Int(rest[1]).map { .monitor(instance, quorum: $0) }
        case ("+set", 2...):
            return .set(instance, option: rest[0], value: rest.dropFirst().joined(separator: " "))
        case ("+sentinel-address-switch", 6) where rest[0] == "ip" && rest[2] == "port" && rest[4] == "for":
            return Int(rest[3]).map { .sentinelAddressSwitch(instance, address: Address(host: rest[1], port: $0), runID: rest[5]) }
        case ("+sentinel-address-update", 4) where rest[1...] == ["additional", "matching", "instances"]:
            return Int(rest[0]).map { .sentinelAddressUpdate(instance, count: $0) }
        case ("+odown", 2) where rest[0] == "#quorum":
            let numbers = rest[1].split(separator: "/", omittingEmptySubsequences: false)
            guard numbers.count == 2, let votes = Int(numbers[0]), let quorum = Int(numbers[1]) else { return nil }
            return .objectivelyDown(instance, votes: votes, quorum: quorum)
        case ("+role-change", 5), ("-role-change", 5):
            guard rest[..<4] == ["new", "reported", "role", "is"], let role = InfoReport.Role(rawValue: rest[4]) else { return nil }
            let event = SentinelEvent.roleChange(instance, reported: role)
            return event.type == type ? event : nil
        case ("-cmd-link-reconnection", 1...), ("-pubsub-link-reconnection", 1...):
            let text = rest.joined(separator: " ")
            guard text.hasPrefix("#") else { return nil }
            return .linkReconnection(instance, type == "-cmd-link-reconnection" ? .command : .pubsub, reason: String(text.dropFirst()))
        case ("+coordinated-handover", 3) where rest[0] == "to":
            return Int(rest[2]).map { .coordinatedHandover(instance, to: Address(host: rest[1], port: $0)) }
        case ("-failover-abort-replicas-behind", 4) where rest[0] == "behind" && rest[2] == "bound":
            guard let behind = Int64(rest[1]), let bound = Int64(rest[3]) else { return nil }
            return .replicasBehind(instance, behind: behind, bound: bound)
        default:
            return nil
        }
    }
}
