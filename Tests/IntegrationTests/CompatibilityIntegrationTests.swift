import Foundation
import VigilTestSupport
import XCTest

/// The same topology watched by redis-sentinel 7.0 and by Vigil: their replies must have the same shape.
final class CompatibilityIntegrationTests: XCTestCase {
    var topology: LocalDeployment!

    override func setUpWithError() throws {
        topology = try LocalDeployment(name: name.filter { $0.isLetter })
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Binaries.redisSentinel), "redis-sentinel is not installed")
    }

    override func tearDown() {
        topology.stopAll()
    }

    func keys(_ lines: [String]) -> [String] { stride(from: 0, to: lines.count, by: 2).map { lines[$0] } }

    func testRepliesMatchRedisSentinelOnTheSameTopology() throws {
        try topology.startReplicationGroup(replicas: 1)
        let stockPort = try LoopbackPorts.next()
        let vigilPort = try LoopbackPorts.next()
        _ = try topology.startSentinel(port: stockPort, configPath: topology.writeSentinelConfig(port: stockPort, quorum: 2),
                                       binary: Binaries.redisSentinel)
        _ = try topology.startSentinel(port: vigilPort, configPath: topology.writeSentinelConfig(port: vigilPort, quorum: 2))
        for port in [stockPort, vigilPort] {
            XCTAssertTrue(waitUntil(timeout: 20) {
                let master = redisCLI(port, "SENTINEL", "MASTER", "mymaster")
                return field("num-slaves", in: master) == "1" && field("num-other-sentinels", in: master) == "1"
            }, "sentinel on \(port) did not discover the replica and the other sentinel")
        }
        func both(_ words: String...) -> ([String], [String]) {
            (redisCLI(stockPort, words[0], Array(words.dropFirst())), redisCLI(vigilPort, words[0], Array(words.dropFirst())))
        }
        var (stock, vigil) = both("SENTINEL", "MASTER", "mymaster")
        XCTAssertEqual(keys(vigil), keys(stock))
        XCTAssertEqual(field("flags", in: vigil), field("flags", in: stock))
        (stock, vigil) = both("SENTINEL", "REPLICAS", "mymaster")
        XCTAssertEqual(keys(vigil), keys(stock))
        XCTAssertEqual(field("name", in: vigil), field("name", in: stock))
        XCTAssertEqual(field("master-link-status", in: vigil), field("master-link-status", in: stock))
        for words in [["SENTINEL", "get-master-addr-by-name", "mymaster"], ["SENTINEL", "get-master-addr-by-name", "nope"],
                      ["ROLE"], ["PING"], ["FOO", "bar"], ["SENTINEL", "FOO"], ["COMMAND", "COUNT"], ["CLIENT", "GETNAME"],
                      ["SENTINEL", "MASTER", "nope"], ["SENTINEL", "CKQUORUM", "mymaster"], ["SENTINEL", "SET", "mymaster", "quorum"],
                      ["SENTINEL", "SET", "mymaster", "bogus", "1"], ["SENTINEL", "DEBUG", "info-period", "x"],
                      ["SENTINEL", "MONITOR", "x", "1.2.3.4", "5", "0"], ["SENTINEL", "SIMULATE-FAILURE", "HELP"],
                      ["SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "1", "0", "*"], ["SENTINEL", "PENDING-SCRIPTS"],
                      ["PUBLISH", "x", "y"], ["AUTH", "x"], ["HELLO", "4"]] {
            XCTAssertEqual(redisCLI(vigilPort, words[0], Array(words.dropFirst())), redisCLI(stockPort, words[0], Array(words.dropFirst())),
                           words.joined(separator: " "))
        }
        (stock, vigil) = both("INFO", "sentinel")
        XCTAssertEqual(vigil.map { $0.split(separator: ":").first.map(String.init) ?? "" },
                       stock.map { $0.split(separator: ":").first.map(String.init) ?? "" })
        XCTAssertEqual(vigil.last, stock.last)
        (stock, vigil) = both("SENTINEL", "DEBUG")
        XCTAssertEqual(vigil, stock)
        (stock, vigil) = both("SENTINEL", "HELP")
        XCTAssertEqual(vigil, stock)
    }
}

func redisCLI(_ port: Int, _ first: String, _ rest: [String]) -> [String] {
    redisCLIArguments(port, [first] + rest)
}
