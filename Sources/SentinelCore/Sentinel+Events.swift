extension Sentinel {
    /// How an event names an instance (the `%@` prefix), with announced addresses; nil when it is gone.
    func describe(_ target: InstanceRef) -> InstanceDescription? {
        guard let m = masterIndex(of: target) else { return nil }
        let master = masters[m]
        let masterAddress = announced(master.instance.address)
        let owner = InstanceDescription.Owner(name: master.name, address: masterAddress)
        switch target.member {
        case .master:
            return .master(master.name, masterAddress)
        case .replica(let name):
            guard let instance = instance(target) else { return nil }
            return InstanceDescription(kind: .slave, name: name, address: announced(instance.address), master: owner)
        case .sentinel(let runID):
            guard let instance = instance(target) else { return nil }
            return InstanceDescription(kind: .sentinel, name: runID, address: announced(instance.address), master: owner)
        }
    }

    /// An event about an instance, described as it is now. An instance that is gone has no
    /// description, so no event names it.
    func event(about target: InstanceRef, _ make: (InstanceDescription) -> SentinelEvent) -> [Effect] {
        guard let instance = describe(target) else { return [] }
        return [.emit(make(instance))]
    }
}
