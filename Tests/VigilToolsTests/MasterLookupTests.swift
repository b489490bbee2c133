import SentinelCore
import VigilTools
import XCTest

final class MasterLookupTests: XCTestCase {
    let old = Address(host: "10.0.0.1", port: 6379)
    let new = Address(host: "10.0.0.2", port: 6379)

    func answer(_ sentinel: String, _ outcome: MasterLookup.Outcome) -> MasterLookup.Answer {
        MasterLookup.Answer(sentinel: sentinel, outcome: outcome)
    }

    func testAllAgreeGivesTheAddress() {
        let decision = MasterLookup.decide([
            answer("a", .master(new, configEpoch: 3)), answer("b", .master(new, configEpoch: 3)), answer("c", .master(new, configEpoch: 3)),
        ])
        XCTAssertEqual(decision, .agreed(new, configEpoch: 3, votes: 3))
    }

    func testAMajorityIsEnoughWhenTheRestAreSilentOrStale() {
        XCTAssertEqual(
            MasterLookup.decide([answer("a", .master(new, configEpoch: 3)), answer("b", .master(new, configEpoch: 3)), answer("c", .failed("connection refused"))]),
            .agreed(new, configEpoch: 3, votes: 2))
        XCTAssertEqual(
            MasterLookup.decide([answer("a", .master(new, configEpoch: 3)), answer("b", .master(new, configEpoch: 3)), answer("c", .master(old, configEpoch: 2))]),
            .agreed(new, configEpoch: 3, votes: 2), "a sentinel still on an older configuration is outvoted")
    }

    func testTooFewAnswersFailWithEachReason() {
        XCTAssertEqual(
            MasterLookup.decide([answer("a", .master(new, configEpoch: 3)), answer("b", .failed("no reply within 1000 ms")), answer("c", .unknownMaster)]),
            .failed("too few sentinels answered: 1 of 3, 2 needed (b: no reply within 1000 ms; c: no such master)"))
        XCTAssertEqual(MasterLookup.decide([answer("a", .master(new, configEpoch: 1)), answer("b", .failed("refused"))]),
                       .failed("too few sentinels answered: 1 of 2, 2 needed (b: refused)"), "two sentinels need both")
    }

    func testDisagreementWithoutMajorityFails() {
        XCTAssertEqual(
            MasterLookup.decide([
                answer("a", .master(new, configEpoch: 3)), answer("b", .master(old, configEpoch: 2)),
                answer("c", .master(old, configEpoch: 1)), answer("d", .failed("refused")),
            ]),
            .failed("sentinels disagree: 10.0.0.2:6379 (config epoch 3) from a; 10.0.0.1:6379 (config epoch 2) from b; 10.0.0.1:6379 (config epoch 1) from c"))
    }

    func testANewerConfigurationOnAMinorityBlocksTheAnswer() {
        XCTAssertEqual(
            MasterLookup.decide([answer("a", .master(old, configEpoch: 2)), answer("b", .master(old, configEpoch: 2)), answer("c", .master(new, configEpoch: 3))]),
            .failed("a newer configuration is still spreading (a failover may be under way): 10.0.0.2:6379 (config epoch 3) from c, "
                + "while 10.0.0.1:6379 (config epoch 2) has the majority"))
    }
}
