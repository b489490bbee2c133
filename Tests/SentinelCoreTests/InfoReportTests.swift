import SentinelCore
import XCTest

final class InfoReportTests: XCTestCase {
    func testParsesMasterInfoCapturedFromRedis7() throws {
        let report = InfoReport(parsing: try CoreHarness.fixture("info-master-7.0.txt"))
        XCTAssertEqual(report.role, .master)
        XCTAssertEqual(report.runID?.count, 40)
        XCTAssertEqual(report.listedReplicas, [Address(host: "127.0.0.1", port: 36992)])
        XCTAssertEqual(report.onlineReplicas, [Address(host: "127.0.0.1", port: 36992)])
        XCTAssertNil(report.masterHost)
    }

    func testParsesReplicaInfoCapturedFromRedis7() throws {
        let report = InfoReport(parsing: try CoreHarness.fixture("info-replica-7.0.txt"))
        XCTAssertEqual(report.role, .slave)
        XCTAssertEqual(report.masterHost, "127.0.0.1")
        XCTAssertEqual(report.masterPort, 36991)
        XCTAssertEqual(report.masterLinkUp, true)
        XCTAssertEqual(report.replicaPriority, 100)
        XCTAssertEqual(report.replicaReplicationOffset, 50)
        XCTAssertEqual(report.replicaAnnounced, true)
        XCTAssertTrue(report.listedReplicas.isEmpty)
    }

    func testParsesOldReplicaLineFormatAndIgnoresJunk() {
        let text = "role:master\r\nslave0:10.0.0.5,6380,online\r\nslave1:ip=,port=1\r\nslavex:ip=1.2.3.4,port=5\r\n# Junk\r\nnot a line\r\n"
        let report = InfoReport(parsing: text)
        XCTAssertEqual(report.listedReplicas, [Address(host: "10.0.0.5", port: 6380)])
        XCTAssertEqual(report.onlineReplicas, [Address(host: "10.0.0.5", port: 6380)])
    }

    func testOnlyReplicasDoneWithTheirSyncAreOnline() {
        let text = "role:master\r\nslave0:ip=10.0.0.5,port=6380,state=wait_bgsave,offset=0,lag=0\r\n"
            + "slave1:ip=10.0.0.6,port=6380,state=online,offset=42,lag=0\r\nslave2:10.0.0.7,6380,send_bulk\r\n"
        let report = InfoReport(parsing: text)
        XCTAssertEqual(report.listedReplicas.count, 3)
        XCTAssertEqual(report.onlineReplicas, [Address(host: "10.0.0.6", port: 6380)])
        XCTAssertEqual(report.replicaLines.map(\.offset), [0, 42, nil])
        XCTAssertEqual(report.replicaLines.map(\.lag), [0, 0, nil])
    }

    func testLinkDownSinceAndReplicaAnnounced() {
        let text = "role:slave\nmaster_host:127.0.0.1\nmaster_port:7000\nmaster_link_status:down\nmaster_link_down_since_seconds:12\nreplica_announced:0\n"
        let report = InfoReport(parsing: text)
        XCTAssertEqual(report.masterLinkDownSinceSeconds, 12)
        XCTAssertEqual(report.masterLinkUp, false)
        XCTAssertEqual(report.replicaAnnounced, false)
    }

    func testReplicationHistories() {
        let id = "6f2cbb4d8c1a59e0f1c1d6cbb2a13b1bc3e0f4a1"
        let zeros = String(repeating: "0", count: 40)
        let report = InfoReport(parsing: "role:master\r\nmaster_replid:\(id)\r\nmaster_replid2:\(zeros)\r\n")
        XCTAssertEqual(report.replicationID, id)
        XCTAssertNil(report.previousReplicationID, "all zeros: never promoted")
        let promoted = InfoReport(parsing: "master_replid:\(zeros.dropFirst())1\r\nmaster_replid2:\(id)\r\n")
        XCTAssertEqual(promoted.previousReplicationID, id)
        let lying = InfoReport(parsing: "master_replid:xyz\r\nmaster_replid2:\(id)\r\n0\r\n")
        XCTAssertNil(lying.replicationID)
        XCTAssertEqual(lying.ignoredFields, ["master_replid:\"xyz\""])
    }
    /// The parse matches keys as bytes; these are the keys near the fields it reads, which it must
    /// tell apart as it did when it compared strings: names that share a prefix, `slave` followed by
    /// something other than a number, and a number that is not ASCII.
    func testKeysAreMatchedExactly() {
        let text = "slave_read_only:1\r\nslave_priority:7\r\nslave_repl_offset:9\r\nslave_read_repl_offset:11\r\n"
            + "master_repl_offset_x:5\r\nmaster_repl_offset:13\r\nrole_x:slave\r\nrole:master\r\nrun_id_:zz\r\n"
            + "slaves:ip=10.0.0.1,port=1\r\nslave12:ip=10.0.0.2,port=2\r\nslave\u{0663}:ip=10.0.0.3,port=3\r\n"
            + "slav\u{00E9}0:ip=10.0.0.4,port=4\r\nmaster_port:99999\r\n"
        let report = InfoReport(parsing: text)
        XCTAssertEqual(report.replicaPriority, 7)
        XCTAssertEqual(report.replicaReplicationOffset, 9)
        XCTAssertEqual(report.masterReplicationOffset, 13)
        XCTAssertEqual(report.role, .master)
        XCTAssertNil(report.runID)
        XCTAssertEqual(report.listedReplicas, [Address(host: "10.0.0.2", port: 2), Address(host: "10.0.0.3", port: 3)])
        XCTAssertNil(report.masterPort)
        XCTAssertEqual(report.ignoredFields, ["master_port:\"99999\""])
    }
}
