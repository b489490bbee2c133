@testable import SentinelCore
import XCTest

/// Hellos to a replica that replicates from its master (`Sentinel.replicaHearsMastersHellos`):
/// Redis propagates the master's PUBLISH to it, so our hello reaches its subscribers without a
/// second PUBLISH; whenever that propagation is in doubt, the replica is sent the hello itself,
/// within a publish period (and the wait for a ping to go with, `Sentinel.rideAlong`).
final class ReplicaHelloTests: XCTestCase {
    private let masterPort = MasterAndReplicaNodes.masterPort
    private let replicaPort = MasterAndReplicaNodes.replicaPort
    private typealias Nodes = MasterAndReplicaNodes

    /// Serves the nodes for `milliseconds`, ticking every 10 ms.
    private func run(_ harness: inout CoreHarness, _ nodes: inout Nodes, for milliseconds: Int64) {
        for _ in 0..<(milliseconds / 10) {
            nodes.serve(&harness, harness.tick())
            harness.advance(10)
        }
    }

    /// A master with one replica, both answering, served for 12 s: every node's INFO has come back.
    private func settled(downAfter: Int64, nodes: inout Nodes) -> CoreHarness {
        var harness = CoreHarness(downAfter: downAfter, replicas: [Address(host: "127.0.0.1", port: replicaPort)])
        run(&harness, &nodes, for: 12_000)
        return harness
    }

    /// The longest a hello to a master or a replica may wait after the last: its period, the wait
    /// for a ping to go with, and a beat.
    private func longestHelloGap(_ harness: CoreHarness, downAfter: Int64, isMaster: Bool) -> Int64 {
        let timing = harness.sentinel.timing
        let interval = Sentinel.pingInterval(downAfter: downAfter, isMaster: isMaster, timing: timing)
        return timing.publishPeriod + Sentinel.rideAlong(period: timing.publishPeriod, pingInterval: interval).late + 200
    }

    /// The first of `times` comes at most `first` after `start`, and each gap after it, up to `end`,
    /// is at most `bound`.
    private func assertEvery(_ times: [Instant], from start: Instant, firstWithin first: Int64? = nil, until end: Instant,
                             within bound: Int64, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        var last = start
        for (index, time) in (times + [end]).enumerated() {
            let allowed = index == 0 ? (first ?? bound) : bound
            XCTAssertLessThanOrEqual(time - last, allowed, "\(what): a gap of \(time - last) ms", file: file, line: line)
            last = time
        }
    }

    func testAReplicaThatReplicatesFromItsMasterHearsTheMastersHelloOnly() {
        for downAfter: Int64 in [100, 5_000, 30_000] {
            var nodes = Nodes(relaysHellos: true)
            var harness = settled(downAfter: downAfter, nodes: &nodes)
            let start = harness.now
            run(&harness, &nodes, for: 20_000)
            XCTAssertEqual(nodes.hellos(to: replicaPort, after: start), [], "down-after \(downAfter)")
            let toMaster = nodes.hellos(to: masterPort, after: start)
            assertEvery(toMaster, from: start, until: harness.now, within: longestHelloGap(harness, downAfter: downAfter, isMaster: true),
                        "hellos to the master at down-after \(downAfter)")
            // The replica's channel still carries our hello, and its pub/sub link stays up.
            XCTAssertEqual(harness.events("-sdown").count + harness.events("+sdown").count, 0)
            let replica = harness.sentinel.instance(Sentinel.InstanceRef(master: "mymaster", member: .replica("127.0.0.1:6380")))
            XCTAssertEqual(replica?.link.pubsubConnected, true)
            XCTAssertLessThanOrEqual(harness.now - (replica?.link.lastPubsubActivity ?? .init(milliseconds: 0)), 2_500)
        }
    }

    func testAReplicaWhoseReplicationIsInDoubtIsSentTheHelloItself() {
        enum Doubt: CaseIterable { case linkDown, followsAnotherNode, masterHangs, masterLinkClosed, failover }
        for doubt in Doubt.allCases {
            for downAfter: Int64 in [1_000, 30_000] {
                var nodes = Nodes(relaysHellos: true)
                var harness = settled(downAfter: downAfter, nodes: &nodes)
                switch doubt {
                case .linkDown: nodes.replicaLinkUp = false
                case .followsAnotherNode: nodes.replicaFollowsPort = 6390
                case .masterHangs: nodes.silent.insert(masterPort)
                case .masterLinkClosed:
                    nodes.silent.insert(masterPort)
                    for (id, port) in nodes.portOfLink where port == masterPort {
                        nodes.serve(&harness, harness.handle(.linkClosed(id, reason: "connection reset")))
                    }
                case .failover:
                    XCTAssertEqual(harness.command("FAILOVER", "mymaster").reply, .ok)
                }
                let start = harness.now
                // A replication change is seen at the replica's next INFO (every 10 s at rest, every
                // second once its master is down or in failover); the others at once.
                let seenWithin: Int64 = doubt == .linkDown || doubt == .followsAnotherNode ? harness.sentinel.timing.infoPeriod : 0
                run(&harness, &nodes, for: 12_000 + seenWithin)
                let toReplica = nodes.hellos(to: replicaPort, after: start + seenWithin)
                let what = "\(doubt) at down-after \(downAfter)"
                XCTAssertFalse(toReplica.isEmpty, what)
                if doubt != .failover {
                    // A failover changes the replica's role; until then its hellos go out too.
                    // The hello that falls due first may still be counted as the master's (its
                    // last reply is under a publish period old); the next one goes to the replica.
                    let gap = longestHelloGap(harness, downAfter: downAfter, isMaster: false)
                    assertEvery(toReplica, from: start + seenWithin, firstWithin: 2 * gap, until: harness.now, within: gap, what)
                }
            }
        }
    }

    /// A replica that reports replicating from its master but relays nothing (it lies in INFO, or
    /// its replication stream carries nothing): its channel goes quiet, so it is sent our hellos
    /// itself, within two publish periods of the last thing heard there and then every period, and
    /// its pub/sub link is never closed as idle.
    func testAReplicaThatReportsReplicatingButRelaysNothingIsSentTheHelloItself() {
        for downAfter: Int64 in [100, 5_000, 30_000] {
            var nodes = Nodes(relaysHellos: true)
            nodes.replicaRelaysTheMaster = false
            var harness = settled(downAfter: downAfter, nodes: &nodes)
            let start = harness.now
            var pubsubReconnects = 0
            for _ in 0..<3_000 {
                let produced = harness.tick()
                for case .connect(_, let address, .pubsub) in produced where address.port == replicaPort { pubsubReconnects += 1 }
                nodes.serve(&harness, produced)
                harness.advance(10)
            }
            let what = "down-after \(downAfter)"
            let gap = longestHelloGap(harness, downAfter: downAfter, isMaster: false)
            assertEvery(nodes.hellos(to: replicaPort, after: start), from: start, until: harness.now, within: gap, what)
            assertEvery(nodes.hellos(to: masterPort, after: start), from: start, until: harness.now,
                        within: longestHelloGap(harness, downAfter: downAfter, isMaster: true), what)
            XCTAssertEqual(pubsubReconnects, 0, what)
            XCTAssertEqual(harness.events("+sdown").count, 0, what)
        }
    }

    /// A replica that stops relaying is sent our hellos itself; once it relays again, the master's
    /// hellos heard there beyond the echoes of our own prove it, and it is sent none within a few
    /// periods, at short and long down-after alike.
    func testAReplicaThatRelaysAgainIsTrustedAgain() {
        for downAfter: Int64 in [100, 5_000, 30_000] {
            var nodes = Nodes(relaysHellos: true)
            var harness = settled(downAfter: downAfter, nodes: &nodes)
            let what = "down-after \(downAfter)"
            nodes.replicaRelaysTheMaster = false
            let stopped = harness.now
            run(&harness, &nodes, for: 10_000)
            XCTAssertGreaterThanOrEqual(nodes.hellos(to: replicaPort, after: stopped).count, 2, what)
            nodes.replicaRelaysTheMaster = true
            let resumed = harness.now
            run(&harness, &nodes, for: 20_000)
            let settledAgain = resumed + 2 * longestHelloGap(harness, downAfter: downAfter, isMaster: false)
            XCTAssertEqual(nodes.hellos(to: replicaPort, after: settledAgain), [], what)
        }
    }
}
