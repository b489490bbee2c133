/// The events' text read back, the inverse of SentinelEvent+Rendering.swift: each type name here is
/// the one `type` gives there, with the message `message` renders.
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
