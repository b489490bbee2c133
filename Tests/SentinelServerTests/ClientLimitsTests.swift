import NIOCore
import SentinelCore
@testable import SentinelServer
import XCTest

final class ClientLimitsTests: XCTestCase {
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)

    func testHardLimitClosesAtOnce() {
        var watch = OutputBufferWatch()
        let limit = OutputBufferLimit(hardBytes: 1_000, softBytes: 0, softSeconds: 0)
        XCTAssertFalse(watch.isOverLimit(pendingBytes: 999, limit: limit, now: start))
        XCTAssertTrue(watch.isOverLimit(pendingBytes: 1_000, limit: limit, now: start))
    }

    /// Redis's rule: over the soft limit for more than its seconds, counted in whole seconds from the
    /// first time seen over; dropping under it starts the count again.
    func testSoftLimitMustLastMoreThanItsSeconds() {
        var watch = OutputBufferWatch()
        let limit = OutputBufferLimit(hardBytes: 0, softBytes: 100, softSeconds: 2)
        func over(_ bytes: Int, after milliseconds: Int64) -> Bool {
            watch.isOverLimit(pendingBytes: bytes, limit: limit, now: start + .milliseconds(milliseconds))
        }
        XCTAssertFalse(over(100, after: 0))
        XCTAssertFalse(over(5_000, after: 2_999))
        XCTAssertFalse(over(99, after: 3_500), "under the soft limit: the count starts again")
        XCTAssertFalse(over(100, after: 4_000))
        XCTAssertFalse(over(100, after: 6_999))
        XCTAssertTrue(over(100, after: 7_000))
    }

    func testZeroMeansNoLimit() {
        var watch = OutputBufferWatch()
        let none = OutputBufferLimit(hardBytes: 0, softBytes: 0, softSeconds: 0)
        XCTAssertFalse(watch.isOverLimit(pendingBytes: Int.max, limit: none, now: start))
        XCTAssertFalse(watch.isOverLimit(pendingBytes: Int.max, limit: none, now: start + .hours(1)))
    }

    /// Redis's adjustOpenFilesLimit, with the system's answers made up.
    func testOpenFilesLimitPlan() {
        XCTAssertEqual(OpenFilesLimit.plan(maxClients: 10_000, currentLimit: 20_000) { _ in XCTFail("no change needed"); return 0 }, .sufficient)
        XCTAssertEqual(OpenFilesLimit.plan(maxClients: 10_000, currentLimit: 1_024) { _ in 0 }, .raised(from: 1_024, to: 10_032))
        // The system allows up to 4,000: tried from 10,032 down in steps of 16, the first allowed is 4,000.
        var tried: [Int] = []
        let reduced = OpenFilesLimit.plan(maxClients: 10_000, currentLimit: 1_024) { limit in
            tried.append(limit)
            return limit <= 4_000 ? 0 : EPERM
        }
        XCTAssertEqual(reduced, .reduced(maxClients: 3_968, limit: 4_000, error: EPERM))
        XCTAssertEqual(tried.first, 10_032)
        XCTAssertEqual(tried.last, 4_000)
        XCTAssertEqual(OpenFilesLimit.plan(maxClients: 1_000, currentLimit: 100) { _ in EPERM },
                       .reduced(maxClients: 68, limit: 100, error: EPERM))
        XCTAssertEqual(OpenFilesLimit.plan(maxClients: 10_000, currentLimit: 32) { _ in EPERM }, .insufficient)
        XCTAssertEqual(OpenFilesLimit.plan(maxClients: 10, currentLimit: 40) { _ in EPERM }, .reduced(maxClients: 8, limit: 40, error: EPERM))
    }
}
