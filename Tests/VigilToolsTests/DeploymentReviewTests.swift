import SentinelCore
import VigilTools
import XCTest

final class DeploymentReviewTests: XCTestCase {
    func facts(sentinels: Int, quorum: Int, hosts: [String]? = nil, lag: Int64? = nil, vigil: Bool = true) -> DeploymentReview.Facts {
        var master = DeploymentReview.NodeFacts(address: Address(host: "10.0.0.1", port: 6379))
        master.minReplicasToWrite = 1
        master.minReplicasMaxLag = 5
        master.appendOnly = true
        master.appendFsync = "always"
        master.replBacklogSize = 64 * 1_048_576
        var replica = DeploymentReview.NodeFacts(address: Address(host: "10.0.0.2", port: 6379))
        replica.lagSeconds = lag
        let sentinelFacts = (0..<sentinels).map { index in
            DeploymentReview.SentinelFacts(
                address: Address(host: hosts?[index] ?? "10.0.1.\(index + 1)", port: 26379), quorum: quorum,
                downAfterMilliseconds: 5_000, failoverTimeoutMilliseconds: 30_000, isVigil: vigil)
        }
        return DeploymentReview.Facts(masterName: "m", master: master, replicas: [replica], sentinels: sentinelFacts, knownSentinels: sentinels)
    }

    func settings(_ report: DeploymentReview.Report) -> [String] { report.findings.map(\.setting) }

    func testWellSpreadDeploymentHasBoundedRPOAndRTO() {
        let report = DeploymentReview.review(facts(sentinels: 3, quorum: 2))
        XCTAssertEqual(report.rpoSeconds, 5)
        XCTAssertEqual(report.rtoSeconds, 5.2)
        XCTAssertFalse(report.cannotFailOver)
        XCTAssertEqual(settings(report), ["min-replicas-max-lag", "down-after-milliseconds"])
    }

    func testRedisSentinelTakesLongerThanVigil() {
        XCTAssertEqual(DeploymentReview.review(facts(sentinels: 3, quorum: 2, vigil: false)).rtoSeconds, 7.5)
    }

    func testReplicaOnlineButNotYetStreamingIsReported() {
        var silent = facts(sentinels: 3, quorum: 2)
        silent.replicas[0].streaming = false
        let report = DeploymentReview.review(silent)
        XCTAssertEqual(settings(report), ["min-replicas-max-lag", "replication", "down-after-milliseconds"])
        XCTAssertEqual(report.findings[1].description, "replica 10.0.0.2:6379 is online but has acknowledged nothing yet (it has just finished a full sync, and the master streams to it only after its first acknowledgement): a master crash at this moment loses every write since the sync that no other replica has. Wait a second and run the doctor again; this passes on its own. If it stays, check the replica's log.")
        silent.replicas[0].linkUp = false
        XCTAssertFalse(settings(DeploymentReview.review(silent)).contains("replication"), "a replica whose link is down is reported as such, not as silent")
    }

    func testLaggingReplicaWidensTheRPO() {
        let report = DeploymentReview.review(facts(sentinels: 3, quorum: 2, lag: 9))
        XCTAssertEqual(report.rpoSeconds, 9)
        XCTAssertTrue(report.findings.contains { $0.message.hasPrefix("a replica is 9 s behind the master now") })
    }

    func testQuorumBelowMajorityEvenCountAndSharedHostsAreReported() {
        let report = DeploymentReview.review(facts(sentinels: 4, quorum: 1, hosts: ["a", "a", "b", "c"]))
        XCTAssertTrue(report.findings.contains { $0.message == "4 sentinels: an even number tolerates no more failures than 3." })
        XCTAssertTrue(report.findings.contains { $0.message.hasPrefix("quorum 1 is below the majority (3 of 4)") })
        XCTAssertTrue(report.findings.contains { $0.message == "2 sentinels share the host a: one machine failure takes 2 of 4 down." })
    }
}

extension DeploymentReviewTests {
    func testDoctorReportsThePromotionBoundAndSentinelsThatDisagree() {
        var same = facts(sentinels: 3, quorum: 2)
        for index in same.sentinels.indices {
            same.sentinels[index].promotionMaxLagBytes = 4_096
            same.sentinels[index].promotionCatchUpMilliseconds = 2_000
        }
        let findings = DeploymentReview.review(same).findings.filter { $0.setting == "vigil-promotion-max-lag-bytes" }
        XCTAssertEqual(findings.count, 1)
        XCTAssertTrue(findings[0].message.hasPrefix("vigil-promotion-max-lag-bytes 4096:"), findings[0].message)
        var differing = same
        differing.sentinels[2].promotionMaxLagBytes = 0
        let messages = DeploymentReview.review(differing).findings.filter { $0.setting == "vigil-promotion-max-lag-bytes" }.map(\.message)
        XCTAssertEqual(messages.count, 2)
        XCTAssertTrue(messages[1].contains("disagree"), messages[1])
    }
}
