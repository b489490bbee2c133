import Foundation
@testable import VigilTestSupport
import XCTest

final class LoopbackPortsTests: XCTestCase {
    func testPortsAreDistinctFreeAndOutsideTheEphemeralRange() throws {
        let ephemeral = LoopbackPorts.ephemeralRange()
        let ports = try (0..<200).map { _ in try LoopbackPorts.next() }
        XCTAssertEqual(Set(ports).count, ports.count, "a port was handed out twice")
        for port in ports {
            XCTAssertFalse(ephemeral.contains(port), "\(port) is in the ephemeral range \(ephemeral)")
            XCTAssertGreaterThanOrEqual(port, 10000)
            XCTAssertLessThanOrEqual(port, 65535)
        }
        XCTAssertTrue(LoopbackPorts.isFree(ports[0]))
    }

    func testAPortInUseIsNotFree() throws {
        let port = try LoopbackPorts.next()
        let descriptor = try XCTUnwrap(LoopbackPorts.occupy(port))
        defer { close(descriptor) }
        XCTAssertNil(LoopbackPorts.occupy(port))
        XCTAssertFalse(LoopbackPorts.isFree(port))
    }

    func testCandidatesLieOnBothSidesOfTheEphemeralRange() {
        XCTAssertEqual(LoopbackPorts.candidateRanges(ephemeral: 32768...60999), [10000...32767, 61000...65535])
        XCTAssertEqual(LoopbackPorts.candidateRanges(ephemeral: 1024...65535), [])
        XCTAssertEqual(LoopbackPorts.candidateRanges(ephemeral: 5000...40000), [40001...65535])
    }
}
