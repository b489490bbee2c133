import SentinelCore
import XCTest

/// The text of every event, pinned to what Vigil emitted before events were typed (Redis's text),
/// and read back from it.
final class SentinelEventTests: XCTestCase {
    static let runID = String(repeating: "b", count: 40)
    static let master = InstanceDescription.master("mymaster", Address(host: "127.0.0.1", port: 6379))
    static let owner = InstanceDescription.Owner(name: "mymaster", address: Address(host: "127.0.0.1", port: 6379))
    static let replica = InstanceDescription(kind: .slave, name: "127.0.0.1:6380", address: Address(host: "127.0.0.1", port: 6380), master: owner)
    static let peer = InstanceDescription(kind: .sentinel, name: runID, address: Address(host: "127.0.0.1", port: 26380), master: owner)
    static let m = "master mymaster 127.0.0.1 6379"
    static let r = "slave 127.0.0.1:6380 127.0.0.1 6380 @ mymaster 127.0.0.1 6379"
    static let s = "sentinel \(runID) 127.0.0.1 26380 @ mymaster 127.0.0.1 6379"

    /// One sample of every case (and of every type name a case can take): the event, its level, type and message.
    static let samples: [(event: SentinelEvent, level: LogLevel, type: String, message: String)] = [
        (.monitor(master, quorum: 2), .warning, "+monitor", "\(m) quorum 2"),
        (.monitorRemoved(master), .warning, "-monitor", m),
        (.resetMaster(master), .warning, "+reset-master", m),
        (.set(master, option: "down-after-milliseconds", value: "5000"), .warning, "+set", "\(m) down-after-milliseconds 5000"),
        (.set(master, option: "auth-pass", value: "******"), .warning, "+set", "\(m) auth-pass ******"),
        (.set(master, option: "rename-command", value: "CONFIG MYCONFIG"), .warning, "+set", "\(m) rename-command CONFIG MYCONFIG"),
        (.replicaAdded(replica), .notice, "+slave", r),
        (.sentinelAdded(peer), .notice, "+sentinel", s),
        (.sentinelAddressSwitch(master, address: Address(host: "127.0.0.1", port: 26390), runID: runID), .notice,
         "+sentinel-address-switch", "\(m) ip 127.0.0.1 port 26390 for \(runID)"),
        (.sentinelAddressUpdate(peer, count: 2), .notice, "+sentinel-address-update", "\(s) 2 additional matching instances"),
        (.sentinelInvalidAddress(peer), .notice, "+sentinel-invalid-addr", s),
        (.subjectivelyDown(master), .warning, "+sdown", m),
        (.subjectivelyDown(replica), .warning, "+sdown", r),
        (.subjectivelyDownCleared(peer), .warning, "-sdown", s),
        (.objectivelyDown(master, votes: 3, quorum: 2), .warning, "+odown", "\(m) #quorum 3/2"),
        (.objectivelyDownCleared(master), .warning, "-odown", m),
        (.reboot(master), .notice, "+reboot", m),
        (.roleChange(master, reported: .master), .verbose, "+role-change", "\(m) new reported role is master"),
        (.roleChange(master, reported: .slave), .verbose, "-role-change", "\(m) new reported role is slave"),
        (.roleChange(replica, reported: .slave), .verbose, "+role-change", "\(r) new reported role is slave"),
        (.roleChange(replica, reported: .master), .verbose, "-role-change", "\(r) new reported role is master"),
        (.linkReconnection(replica, .command, reason: "connection reset"), .debug, "-cmd-link-reconnection", "\(r) #connection reset"),
        (.linkReconnection(peer, .pubsub, reason: "timeout"), .debug, "-pubsub-link-reconnection", "\(s) #timeout"),
        (.newEpoch(master: nil, epoch: 7), .warning, "+new-epoch", "7"),
        (.voteForLeader(master: nil, runID: runID, epoch: 7), .warning, "+vote-for-leader", "\(runID) 7"),
        (.tryFailover(master), .warning, "+try-failover", m),
        (.electedLeader(master, epoch: nil), .warning, "+elected-leader", m),
        (.failoverStateSelectReplica(master), .warning, "+failover-state-select-slave", m),
        (.replicaSelected(replica), .warning, "+selected-slave", r),
        (.failoverStateSendReplicaofNoOne(replica), .notice, "+failover-state-send-slaveof-noone", r),
        (.failoverStateWaitPromotion(replica), .notice, "+failover-state-wait-promotion", r),
        (.coordinatedHandover(master, to: Address(host: "127.0.0.1", port: 6380)), .notice, "+coordinated-handover", "\(m) to 127.0.0.1 6380"),
        (.replicaPromoted(replica), .warning, "+promoted-slave", r),
        (.failoverStateReconfigureReplicas(master), .warning, "+failover-state-reconf-slaves", m),
        (.replicaReconfigurationSent(replica), .notice, "+slave-reconf-sent", r),
        (.replicaReconfigurationSentBestEffort(replica), .notice, "+slave-reconf-sent-be", r),
        (.replicaReconfigurationSentTimeout(replica), .notice, "-slave-reconf-sent-timeout", r),
        (.replicaReconfigurationInProgress(replica), .notice, "+slave-reconf-inprog", r),
        (.replicaReconfigurationDone(replica), .notice, "+slave-reconf-done", r),
        (.failoverEndForTimeout(master), .warning, "+failover-end-for-timeout", m),
        (.failoverEnd(master), .warning, "+failover-end", m),
        (.failoverAborted(master, reason: .notElected), .warning, "-failover-abort-not-elected", m),
        (.failoverAborted(master, reason: .noGoodReplica), .warning, "-failover-abort-no-good-slave", m),
        (.failoverAborted(master, reason: .replicaTimeout), .warning, "-failover-abort-slave-timeout", m),
        (.failoverAborted(master, reason: .coordinatedTimeout), .warning, "-failover-abort-coordinated-timeout", m),
        (.failoverAborted(master, reason: .coordinatedRefused), .warning, "-failover-abort-coordinated-refused", m),
        (.failoverAborted(master, reason: .superseded), .warning, "-failover-abort-superseded", m),
        (.replicasBehind(replica, behind: 4096, bound: 1024), .warning, "-failover-abort-replicas-behind", "\(r) behind 4096 bound 1024"),
        (.switchMaster(master: "mymaster", from: Address(host: "127.0.0.1", port: 6379), to: Address(host: "127.0.0.1", port: 6380)),
         .warning, "+switch-master", "mymaster 127.0.0.1 6379 127.0.0.1 6380"),
        (.configUpdateFrom(peer), .warning, "+config-update-from", s),
        (.convertToReplica(replica), .notice, "+convert-to-slave", r),
        (.fixReplicaConfig(replica), .notice, "+fix-slave-config", r),
        (.tiltEntered, .warning, "+tilt", "#tilt mode entered"),
        (.tiltExited, .warning, "-tilt", "#tilt mode exited"),
        (.scriptError(path: "/usr/local/bin/notify", signal: 0, exitCode: 2), .warning, "-script-error", "/usr/local/bin/notify 0 2"),
        (.scriptError(path: "/usr/local/bin/notify", signal: 99, exitCode: 0), .warning, "-script-error", "/usr/local/bin/notify 99 0"),
        (.scriptTimeout(path: "/bin/slow", pid: 99), .warning, "-script-timeout", "/bin/slow 99"),
    ]

    /// Every type name Vigil emits: Redis's (§4), and Vigil's own about coordinated switchovers and lagging replicas.
    static let everyType: Set<String> = [
        "+monitor", "-monitor", "+reset-master", "+set", "+slave", "+sentinel", "+sentinel-address-switch",
        "+sentinel-address-update", "+sentinel-invalid-addr", "+sdown", "-sdown", "+odown", "-odown", "+reboot",
        "+role-change", "-role-change", "-cmd-link-reconnection", "-pubsub-link-reconnection", "+new-epoch",
        "+vote-for-leader", "+try-failover", "+elected-leader", "+failover-state-select-slave", "+selected-slave",
        "+failover-state-send-slaveof-noone", "+failover-state-wait-promotion", "+coordinated-handover", "+promoted-slave",
        "+failover-state-reconf-slaves", "+slave-reconf-sent", "+slave-reconf-sent-be", "-slave-reconf-sent-timeout",
        "+slave-reconf-inprog", "+slave-reconf-done", "+failover-end-for-timeout", "+failover-end",
        "-failover-abort-not-elected", "-failover-abort-no-good-slave", "-failover-abort-slave-timeout",
        "-failover-abort-coordinated-timeout", "-failover-abort-coordinated-refused", "-failover-abort-superseded",
        "-failover-abort-replicas-behind",
        "+switch-master", "+config-update-from", "+convert-to-slave", "+fix-slave-config", "+tilt", "-tilt",
        "-script-error", "-script-timeout",
    ]

    func testEveryEventRendersTheTextVigilAlwaysEmitted() {
        XCTAssertEqual(Set(Self.samples.map(\.type)), Self.everyType, "a sample of every type")
        for sample in Self.samples {
            XCTAssertEqual(sample.event.type, sample.type)
            XCTAssertEqual(sample.event.message, sample.message, sample.type)
            XCTAssertEqual(sample.event.level, sample.level, sample.type)
            XCTAssertEqual(sample.event.description, "\(sample.type) \(sample.message)")
            XCTAssertEqual(sample.event.isPublished, sample.level != .debug, sample.type)
        }
    }

    func testParsingTheRenderedTextGivesTheEventBack() {
        for sample in Self.samples {
            XCTAssertEqual(SentinelEvent(type: sample.event.type, message: sample.event.message), sample.event, sample.type)
        }
        // Text that needs care: an address not resolved yet renders empty; a script path with a space.
        let unresolved = SentinelEvent.subjectivelyDown(.master("mymaster", Address(host: "", port: 6379)))
        XCTAssertEqual(unresolved.message, "master mymaster  6379")
        let spaced = SentinelEvent.scriptError(path: "/opt/my scripts/notify", signal: 9, exitCode: 0)
        let emptySet = SentinelEvent.set(Self.master, option: "notification-script", value: "")
        for event in [unresolved, spaced, emptySet] {
            XCTAssertEqual(SentinelEvent(type: event.type, message: event.message), event, event.description)
        }
    }

    func testWhatTheTextDoesNotCarryIsNilWhenParsed() {
        let context: [(SentinelEvent, SentinelEvent)] = [
            (.newEpoch(master: "mymaster", epoch: 7), .newEpoch(master: nil, epoch: 7)),
            (.voteForLeader(master: "mymaster", runID: Self.runID, epoch: 7), .voteForLeader(master: nil, runID: Self.runID, epoch: 7)),
            (.electedLeader(Self.master, epoch: 7), .electedLeader(Self.master, epoch: nil)),
        ]
        for (event, parsed) in context {
            XCTAssertEqual(SentinelEvent(type: event.type, message: event.message), parsed)
        }
    }

    func testTextOfAnotherShapeIsNotAnEvent() {
        let wrong: [(String, String)] = [
            ("+no-such-event", Self.m), ("+sdown", "master mymaster 127.0.0.1"), ("+sdown", "\(Self.m) extra"),
            ("+sdown", "slave 127.0.0.1:6380 127.0.0.1 6380"), ("+new-epoch", "seven"), ("+new-epoch", "7 8"),
            ("+vote-for-leader", Self.runID), ("+switch-master", "mymaster 127.0.0.1 6379 127.0.0.1"), ("+tilt", "#tilt"),
            ("+odown", "\(Self.m) #quorum 2"), ("+role-change", "\(Self.m) new reported role is slave"),
            ("-failover-abort-bored", Self.m), ("-script-timeout", "/bin/slow"), ("+monitor", "\(Self.m) quorum x"),
        ]
        for (type, message) in wrong {
            XCTAssertNil(SentinelEvent(type: type, message: message), "\(type) \(message)")
        }
    }

    /// Redis runs the notification script for every warning that has an instance (§3.11): the text of
    /// +new-epoch, +vote-for-leader and +switch-master names none, but the master is passed with them.
    func testWarningsAboutAnInstanceOrAMasterRunItsScript() {
        for sample in Self.samples {
            // The samples of +new-epoch and +vote-for-leader are as parsed, without their master.
            let namesMaster = sample.event.instance != nil || sample.type == "+switch-master"
            let expected = sample.level == .warning && namesMaster ? "mymaster" : nil
            XCTAssertEqual(sample.event.notificationScriptMaster, expected, sample.type)
        }
        XCTAssertEqual(SentinelEvent.newEpoch(master: "mymaster", epoch: 7).notificationScriptMaster, "mymaster")
        XCTAssertEqual(SentinelEvent.voteForLeader(master: "mymaster", runID: Self.runID, epoch: 7).notificationScriptMaster, "mymaster")
        XCTAssertEqual(SentinelEvent.switchMaster(master: "other", from: Address(host: "a", port: 1), to: Address(host: "b", port: 2))
            .notificationScriptMaster, "other")
        for event in [SentinelEvent.tiltEntered, .tiltExited, .scriptError(path: "/x", signal: 0, exitCode: 2), .scriptTimeout(path: "/x", pid: 1)] {
            XCTAssertNil(event.notificationScriptMaster, event.type)
        }
    }
}
