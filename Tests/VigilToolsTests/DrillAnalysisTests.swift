import SentinelCore
import VigilTools
import XCTest

final class DrillAnalysisTests: XCTestCase {
    let old = Address(host: "127.0.0.1", port: 6379)
    let new = Address(host: "127.0.0.1", port: 6380)

    func event(_ at: Int64, _ name: String, _ detail: String) -> DrillEvent {
        DrillEvent(atMilliseconds: at, sentinel: "127.0.0.1:26379", name: name, detail: detail)
    }

    func testMilestonesComeFromTheFirstEventOfTheirKindForThisMaster() {
        let events = [
            event(-50, "+sdown", "master mymaster 127.0.0.1 6379"),
            event(900, "+sdown", "slave 127.0.0.1:6381 127.0.0.1 6381 @ mymaster 127.0.0.1 6379"),
            event(1000, "+sdown", "master other 127.0.0.1 7000"),
            event(1010, "+sdown", "master mymaster 127.0.0.1 6379"),
            event(1020, "+sdown", "master mymaster 127.0.0.1 6379"),
            event(1030, "+odown", "master mymaster 127.0.0.1 6379 #quorum 2/2"),
            event(1035, "+elected-leader", "master mymaster 127.0.0.1 6379"),
            event(1040, "+promoted-slave", "slave 127.0.0.1:6380 127.0.0.1 6380 @ mymaster 127.0.0.1 6379"),
            event(1041, "+switch-master", "other 127.0.0.1 7000 127.0.0.1 7001"),
            event(1042, "+switch-master", "mymaster 127.0.0.1 6379 127.0.0.1 6380"),
        ]
        let timeline = DrillAnalysis.timeline(master: "mymaster", oldMaster: old, events: events, writes: [])
        XCTAssertEqual(timeline.at(.subjectivelyDown), 1010)
        XCTAssertEqual(timeline.at(.objectivelyDown), 1030)
        XCTAssertEqual(timeline.at(.elected), 1035)
        XCTAssertEqual(timeline.at(.promoted), 1040)
        XCTAssertEqual(timeline.at(.switched), 1042)
        XCTAssertEqual(timeline.newMaster, new)
        XCTAssertNil(timeline.at(.firstWrite))
    }

    func testRecoveryIsTheFirstWriteTheNewMasterAcknowledged() {
        let writes = [
            DrillWrite(number: 1, atMilliseconds: -5, node: old, acknowledged: true),
            DrillWrite(number: 2, atMilliseconds: 5, node: old, acknowledged: true),
            DrillWrite(number: 3, atMilliseconds: 500, node: old, acknowledged: false, error: "connection refused"),
            DrillWrite(number: 4, atMilliseconds: 1040, node: new, acknowledged: true),
            DrillWrite(number: 5, atMilliseconds: 1045, node: new, acknowledged: true),
        ]
        let events = [event(1042, "+switch-master", "mymaster 127.0.0.1 6379 127.0.0.1 6380")]
        let timeline = DrillAnalysis.timeline(master: "mymaster", oldMaster: old, events: events, writes: writes)
        // The client found the new master 2 ms before the switch was announced: that still counts.
        XCTAssertEqual(timeline.recoveryMilliseconds, 1040)
        XCTAssertEqual(timeline.longestWriteGapMilliseconds, 1035)
        XCTAssertEqual([timeline.attempted, timeline.acknowledged, timeline.failed], [5, 4, 1])
    }

    func testWithoutASwitchRecoveryIsTheFirstWriteAfterTheOutage() {
        let writes = [
            DrillWrite(number: 1, atMilliseconds: 2, node: old, acknowledged: true),
            DrillWrite(number: 2, atMilliseconds: 300, node: old, acknowledged: false, error: "no reply in time"),
            DrillWrite(number: 3, atMilliseconds: 2_100, node: old, acknowledged: true),
        ]
        let timeline = DrillAnalysis.timeline(master: "mymaster", oldMaster: old, events: [], writes: writes)
        XCTAssertEqual(timeline.newMaster, old)
        XCTAssertEqual(timeline.recoveryMilliseconds, 2_100)
    }

    func testLostWritesAreAcknowledgedNumbersTheNewMasterLacks() {
        XCTAssertEqual(DrillAnalysis.lost(acknowledged: [5, 1, 2, 3, 4], present: [1, 2, 4]), [3, 5])
        XCTAssertEqual(DrillAnalysis.lost(acknowledged: [1, 2], present: [1, 2, 3]), [])
    }

    func testRangesCompressConsecutiveNumbers() {
        XCTAssertEqual(DrillAnalysis.ranges([7, 1, 2, 3, 9, 8, 12]), [[1, 3], [7, 9], [12, 12]])
        XCTAssertEqual(DrillAnalysis.ranges([]), [])
        XCTAssertEqual(DrillAnalysis.ranges([4, 4]), [[4, 4]])
    }

    func testPercentilesAreNearestRankObservations() {
        XCTAssertEqual(DrillStatistics.median([30, 10, 20]), 20)
        XCTAssertEqual(DrillStatistics.median([10, 20, 30, 40]), 20)
        XCTAssertEqual(DrillStatistics.p90([1, 2, 3, 4, 5]), 5)
        XCTAssertEqual(DrillStatistics.p90(Array(1...20)), 18)
        XCTAssertNil(DrillStatistics.median([]))
    }
}
