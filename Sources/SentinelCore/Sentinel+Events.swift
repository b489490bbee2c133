extension Sentinel {
    /// The `%@` prefix of an event: `master <name> <ip> <port>`, or for replicas and sentinels
    /// `<type> <name> <ip> <port> @ <master> <master-ip> <master-port>`.
    func describe(_ target: InstanceRef) -> String {
        guard let m = masterIndex(named: target.master) else { return "" }
        let master = masters[m]
        let masterAddress = announced(master.instance.address)
        let onMaster = "@ \(master.name) \(masterAddress.host) \(masterAddress.port)"
        switch target.member {
        case .master:
            return "master \(master.name) \(masterAddress.host) \(masterAddress.port)"
        case .replica(let name):
            guard let instance = instance(target) else { return "" }
            return "slave \(name) \(announcedHost(instance.address)) \(instance.address.port) \(onMaster)"
        case .sentinel(let runID):
            guard let instance = instance(target) else { return "" }
            return "sentinel \(runID) \(announcedHost(instance.address)) \(instance.address.port) \(onMaster)"
        }
    }

    /// An event about an instance; `detail` follows the `%@` prefix.
    func event(_ level: LogLevel, _ type: String, _ target: InstanceRef, _ detail: String = "") -> Effect {
        let prefix = describe(target)
        let message = detail.isEmpty ? prefix : "\(prefix) \(detail)"
        return .emit(SentinelEvent(level: level, type: type, message: message, masterName: target.master))
    }

    /// An event about one master whose text has no instance prefix (`+vote-for-leader`,
    /// `+switch-master`): Redis runs the master's notification script for these too.
    func masterEvent(_ level: LogLevel, _ type: String, master: String, _ message: String) -> Effect {
        .emit(SentinelEvent(level: level, type: type, message: message, masterName: master))
    }

    /// An event with no instance prefix (`+new-epoch`, `+tilt`, ...).
    func plainEvent(_ level: LogLevel, _ type: String, _ message: String) -> Effect {
        .emit(SentinelEvent(level: level, type: type, message: message))
    }
}
