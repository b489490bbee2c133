@testable import SentinelCore
import XCTest

/// A master's or replica's INFO and hello go with a ping that goes within half a ping interval of
/// their falling due (`Sentinel.rideAlong`): at rest every one leaves in the same batch as a ping,
/// each within its window around its period, and no more often than a period less a quarter of a
/// ping interval.
final class RideAlongTests: XCTestCase {
    func testInfoAndHellosLeaveWithAPingAndKeepTheirPeriods() {
        for downAfter: Int64 in [100, 1_000, 5_000, 30_000] {
            // The replica follows another node, so that it is sent hellos of its own too.
            var nodes = MasterAndReplicaNodes(relaysHellos: true, replicaFollowsPort: 6390)
            var harness = CoreHarness(downAfter: downAfter, replicas: [Address(host: "127.0.0.1", port: MasterAndReplicaNodes.replicaPort)])
            for _ in 0..<6_000 {
                nodes.serve(&harness, harness.tick())
                harness.advance(10)
            }
            let timing = harness.sentinel.timing
            let start = Instant(milliseconds: harness.now.milliseconds - 48_000)
            for port in [MasterAndReplicaNodes.masterPort, MasterAndReplicaNodes.replicaPort] {
                let requests = nodes.requests.filter { $0.port == port && $0.at > start }
                let pings = Set(requests.filter { $0.purpose == .ping }.map(\.at))
                for (name, purpose, period) in [("hello", RequestPurpose.publishHello(master: "mymaster"), timing.publishPeriod),
                                                ("INFO", .info, timing.infoPeriod)] {
                    let times = requests.filter { $0.purpose == purpose }.map(\.at)
                    let what = "\(name) to \(port) at down-after \(downAfter)"
                    XCTAssertGreaterThanOrEqual(times.count, Int(48_000 / (period + period / 2)), what)
                    let interval = Sentinel.pingInterval(downAfter: downAfter, isMaster: port == MasterAndReplicaNodes.masterPort, timing: timing)
                    let window = Sentinel.rideAlong(period: period, pingInterval: interval)
                    for (earlier, later) in zip(times, times.dropFirst()) {
                        // Within the window (the beat that finds it due may add a tick or two).
                        XCTAssertLessThanOrEqual(later - earlier, period + window.late + 20, what)
                        XCTAssertGreaterThan(later - earlier, period - window.early, what)
                    }
                    XCTAssertEqual(times.filter { !pings.contains($0) }, [], "\(what): every one leaves with a ping")
                }
            }
        }
    }
}
