import SentinelCore
import SentinelServer
import XCTest

final class VigilMetricsTests: XCTestCase {
    func testGaugesOfARemovedMasterLeaveTheExposition() {
        var config = SentinelConfig()
        var kept = MasterConfig(name: "kept", address: Address(host: "127.0.0.1", port: 6379), quorum: 1)
        kept.knownReplicas = [Address(host: "127.0.0.1", port: 6380)]
        config.masters = [kept, MasterConfig(name: "removed", address: Address(host: "127.0.0.1", port: 7379), quorum: 1)]
        config.myid = String(repeating: "b", count: 40)
        var sentinel = Sentinel(config: config, seed: 1, now: .zero)
        _ = sentinel.start(now: .zero)
        let metrics = VigilMetrics()

        let before = String(decoding: metrics.render(sentinel, now: .zero), as: UTF8.self)
        XCTAssertTrue(before.contains("vigil_masters 2.0"), before)
        XCTAssertTrue(before.contains("vigil_master_config_epoch{master=\"removed\"} 0.0"), before)
        XCTAssertTrue(before.contains("vigil_link_connected{master=\"removed\",role=\"master\",instance=\"127.0.0.1:7379\"}"), before)

        XCTAssertEqual(sentinel.execute(sentinelCommand: ["REMOVE", "removed"], now: .zero).reply, .simple("OK"))
        let after = String(decoding: metrics.render(sentinel, now: .zero), as: UTF8.self)
        XCTAssertTrue(after.contains("vigil_masters 1.0"), after)
        XCTAssertFalse(after.contains("master=\"removed\""), after)
        XCTAssertTrue(after.contains("vigil_master_config_epoch{master=\"kept\"} 0.0"), after)
        XCTAssertTrue(after.contains("vigil_link_connected{master=\"kept\",role=\"replica\",instance=\"127.0.0.1:6380\"}"), after)
        // Scraping again changes nothing: the kept gauges are reused, not registered twice.
        XCTAssertEqual(String(decoding: metrics.render(sentinel, now: .zero), as: UTF8.self), after)
    }
    func testFailoverEventsAboutTheMasterCountFailoversAndTimeTheirPhases() {
        let master = InstanceDescription.master("mymaster", Address(host: "127.0.0.1", port: 6379))
        let owner = InstanceDescription.Owner(name: "mymaster", address: master.address)
        let replica = InstanceDescription(kind: .slave, name: "127.0.0.1:6380", address: Address(host: "127.0.0.1", port: 6380), master: owner)
        let metrics = VigilMetrics()
        let timeline: [(Int64, SentinelEvent)] = [
            (0, .subjectivelyDown(master)),
            (100, .objectivelyDown(master, votes: 2, quorum: 2)),
            (110, .newEpoch(master: "mymaster", epoch: 1)),
            (120, .tryFailover(master)),
            (150, .subjectivelyDown(replica)),
            (200, .electedLeader(master, epoch: 1)),
            (210, .replicasBehind(replica, behind: 10, bound: 1)),
            (400, .replicaPromoted(replica)),
            (450, .switchMaster(master: "mymaster", from: master.address, to: replica.address)),
            (700, .failoverEnd(master)),
            (800, .failoverAborted(master, reason: .notElected)),
        ]
        for (at, event) in timeline { metrics.observe(event, now: Instant(milliseconds: at)) }
        let text = String(decoding: metrics.registry.emitToBuffer(), as: UTF8.self)
        XCTAssertTrue(text.contains("vigil_failovers_started_total{master=\"mymaster\"} 1"), text)
        XCTAssertTrue(text.contains("vigil_failovers_finished_total{master=\"mymaster\"} 1"), text)
        XCTAssertTrue(text.contains("vigil_failovers_aborted_total{master=\"mymaster\",reason=\"not-elected\"} 1"), text)
        XCTAssertFalse(text.contains("replicas-behind"), "the refusal names the replica, not the master")
        // The replica's +sdown does not restart the timeline: agreement is 100 ms, election 80 ms, ...
        for (phase, seconds) in [("agreement", "0.1"), ("election", "0.08"), ("promotion", "0.2"), ("announcement", "0.05"), ("reconfiguration", "0.25")] {
            XCTAssertTrue(text.contains("vigil_failover_phase_seconds_sum{master=\"mymaster\",phase=\"\(phase)\"} \(seconds)"), "\(phase): \(text)")
        }
    }
}
