import Foundation
import VigilTestSupport
import XCTest

/// `vigil lookup` against live Vigils and a stock redis-sentinel, and the lookups Vigil answers at once.
final class LookupIntegrationTests: XCTestCase {
    var topology: LocalDeployment!

    override func setUpWithError() throws {
        topology = try LocalDeployment(name: name.filter { $0.isLetter })
    }

    override func tearDown() {
        topology.stopAll()
    }

    /// Runs `vigil lookup` and returns its exit status, standard output and standard error.
    func lookup(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        try runVigil(["lookup"] + arguments)
    }

    func testMajorityAnswersAndTooFewFailClearly() throws {
        try topology.startReplicationGroup(replicas: 1)
        let vigils = [try LoopbackPorts.next(), try LoopbackPorts.next()]
        let stock = try LoopbackPorts.next()
        for port in vigils { _ = try topology.startSentinel(port: port, configPath: topology.writeSentinelConfig(port: port)) }
        _ = try topology.startSentinel(port: stock, configPath: topology.writeSentinelConfig(port: stock), binary: Binaries.redisSentinel)
        let all = (vigils + [stock]).map { "127.0.0.1:\($0)" }.joined(separator: ",")

        let agreed = try lookup(["mymaster", "--sentinels", all])
        XCTAssertEqual(agreed.status, 0, agreed.errors)
        XCTAssertEqual(agreed.output, "127.0.0.1 \(topology.masterPort)\n")

        // One of three down: two still make a majority, and the missing one is mentioned.
        let closed = try LoopbackPorts.next()
        let majority = try lookup(["mymaster", "--sentinels", "127.0.0.1:\(vigils[0]),127.0.0.1:\(stock),127.0.0.1:\(closed)"])
        XCTAssertEqual(majority.status, 0, majority.errors)
        XCTAssertEqual(majority.output, "127.0.0.1 \(topology.masterPort)\n")
        XCTAssertTrue(majority.errors.contains("2 of 3 sentinels agree"), majority.errors)

        // Two of three down: no answer, and why.
        let tooFew = try lookup(["mymaster", "--sentinels", "127.0.0.1:\(vigils[0]),127.0.0.1:\(closed),127.0.0.1:\(try LoopbackPorts.next())", "--timeout", "500"])
        XCTAssertEqual(tooFew.status, 1)
        XCTAssertEqual(tooFew.output, "")
        XCTAssertTrue(tooFew.errors.hasPrefix("vigil lookup: mymaster: too few sentinels answered: 1 of 3, 2 needed ("), tooFew.errors)
        XCTAssertTrue(tooFew.errors.contains("127.0.0.1:\(closed): "), tooFew.errors)

        let unknown = try lookup(["nosuch", "--sentinels", all])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.errors.contains("127.0.0.1:\(stock): no such master"), unknown.errors)

        let usage = try lookup(["mymaster", "--sentinels", "nohostport"])
        XCTAssertEqual(usage.status, 64)
        XCTAssertTrue(usage.errors.contains("'nohostport' is not host:port"), usage.errors)
        XCTAssertTrue(usage.errors.contains("Usage: vigil lookup"), usage.errors)
    }

    func testStalledSentinelTimesOutAndPasswordIsUsed() throws {
        try topology.startReplicationGroup(replicas: 0)
        let guarded = try LoopbackPorts.next()
        let stalled = try LoopbackPorts.next()
        _ = try topology.startSentinel(port: guarded, configPath: topology.writeSentinelConfig(port: guarded, extra: "requirepass s3cret\n"))
        let stalledProcess = try topology.startSentinel(port: stalled, configPath: topology.writeSentinelConfig(port: stalled))
        stalledProcess.pause()
        defer { stalledProcess.resume() }
        let refused = try lookup(["mymaster", "--sentinels", "127.0.0.1:\(guarded)", "--password", "wrong"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.errors.contains("AUTH refused: WRONGPASS invalid username-password pair or user is disabled."), refused.errors)
        let timedOut = try lookup(["mymaster", "--sentinels", "127.0.0.1:\(guarded),127.0.0.1:\(stalled)", "--password", "s3cret", "--timeout", "300"])
        XCTAssertEqual(timedOut.status, 1, "two sentinels need both to answer")
        XCTAssertTrue(timedOut.errors.contains("127.0.0.1:\(stalled): no reply within 300 ms"), timedOut.errors)
        let alone = try lookup(["mymaster", "--sentinels", "127.0.0.1:\(guarded)", "--password", "s3cret"])
        XCTAssertEqual(alone.status, 0, alone.errors)
        XCTAssertEqual(alone.output, "127.0.0.1 \(topology.masterPort)\n")
    }

    /// Vigil keeps the last lookup's answer while its state is unchanged: every change a command
    /// makes (the master removed, monitored at another address, a second master) shows in the very
    /// next lookup, sent as client libraries send it (multibulk, answered at once).
    func testLookupsFollowEveryChangeOfTheMonitoredMasters() throws {
        try topology.startReplicationGroup(replicas: 1)
        let port = try LoopbackPorts.next()
        _ = try topology.startSentinel(port: port, configPath: topology.writeSentinelConfig(port: port))
        let master = ["127.0.0.1", String(topology.masterPort)]
        let replica = ["127.0.0.1", String(topology.replicaPorts[0])]
        func lookUp(_ name: String = "mymaster") -> [String] {
            redisCLI(port, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", name).filter { !$0.isEmpty }
        }
        for _ in 0..<3 { XCTAssertEqual(lookUp(), master) }
        XCTAssertEqual(redisCLI(port, "SENTINEL", "REMOVE", "mymaster"), ["OK"])
        XCTAssertEqual(lookUp(), [])
        XCTAssertEqual(redisCLI(port, "SENTINEL", "MONITOR", "mymaster", "127.0.0.1", replica[1], "1"), ["OK"])
        XCTAssertEqual(lookUp(), replica)
        XCTAssertEqual(redisCLI(port, "SENTINEL", "MONITOR", "other", "127.0.0.1", master[1], "1"), ["OK"])
        for _ in 0..<2 {
            XCTAssertEqual(lookUp("other"), master)
            XCTAssertEqual(lookUp(), replica)
        }
        XCTAssertEqual(redisCLI(port, "SENTINEL", "REMOVE", "other"), ["OK"])
        XCTAssertEqual(lookUp("other"), [])
        XCTAssertEqual(lookUp(), replica)
        // A name longer than any kept is answered all the same, and the next lookup too.
        XCTAssertEqual(lookUp(String(repeating: "m", count: 5_000)), [])
        XCTAssertEqual(lookUp(), replica)
    }
}
