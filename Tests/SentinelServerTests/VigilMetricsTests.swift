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
}
