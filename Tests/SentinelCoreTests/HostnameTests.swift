import SentinelCore
import XCTest

/// `resolve-hostnames` and `announce-hostnames` (§6): hostnames are accepted only when resolvable
/// names are allowed, and shown instead of IPs only when announced.
final class HostnameTests: XCTestCase {
    /// The shell's resolver as the tests see it: `localhost` is 127.0.0.1, other names do not resolve.
    static let environment = SentinelEnvironment(resolveHost: { host in
        IPLiteral.isValid(host) ? host : (host.lowercased() == "localhost" ? "127.0.0.1" : nil)
    })

    /// What counts as a numeric IPv4 address (hellos, replica lines and config addresses are checked
    /// with it): four parts of one to three ASCII digits, each at most 255.
    func testIPv4LiteralsAreFourPartsOfAtMostThreeDigitsUpTo255() {
        for valid in ["127.0.0.1", "0.0.0.0", "255.255.255.255", "010.1.1.1", "10.20.30.40"] {
            XCTAssertTrue(IPLiteral.isIPv4(valid), valid)
        }
        for invalid in ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.256", "1..2.3", ".1.2.3", "1.2.3.", "1.2.3.4a",
                        "\u{0661}.2.3.4", "1234.1.1.1", "0001.1.1.1", " 1.2.3.4", "+1.2.3.4", "1.2.3.-4", "...", "localhost"] {
            XCTAssertFalse(IPLiteral.isIPv4(invalid), invalid)
        }
        XCTAssertTrue(IPLiteral.isValid("::ffff:10.0.0.1"))
        XCTAssertFalse(IPLiteral.isValid("::ffff:10.0.0.300"))
    }

    /// A sentinel loaded from `sentinel` lines about `mymaster` at localhost:6379, started.
    func harness(announce: Bool, extra: String = "") throws -> CoreHarness {
        let text = """
            sentinel myid \(String(repeating: "a", count: 40))
            sentinel monitor mymaster localhost 6379 1
            sentinel down-after-milliseconds mymaster 1000
            sentinel resolve-hostnames yes
            sentinel announce-hostnames \(announce ? "yes" : "no")

            """ + extra
        var harness = CoreHarness()
        harness.sentinel = Sentinel(config: try ConfigFile.parse(text), seed: 7, now: harness.now)
        harness.sentinel.environment = Self.environment
        harness.effects = harness.sentinel.start(now: harness.now)
        return harness
    }

    func testHostnameInConfigNeedsResolveHostnamesWhereverItIsWritten() throws {
        XCTAssertThrowsError(try ConfigFile.parse("sentinel monitor m localhost 6379 1\n"))
        // Global sentinel lines are applied before monitors, whatever their place in the file.
        let config = try ConfigFile.parse("sentinel monitor m localhost 6379 1\nsentinel resolve-hostnames yes\n")
        XCTAssertEqual(config.masters.first?.address, Address(host: "localhost", port: 6379))
    }

    func testMonitorAcceptsOnlyResolvableHostnamesWithResolveHostnames() {
        var harness = CoreHarness()
        harness.sentinel.environment = Self.environment
        let invalid = Reply.error("ERR Invalid IP address or hostname specified")
        XCTAssertEqual(harness.command("MONITOR", "other", "localhost", "6390", "1").reply, invalid)
        XCTAssertEqual(harness.command("CONFIG", "SET", "resolve-hostnames", "yes").reply, .ok)
        XCTAssertEqual(harness.command("MONITOR", "other", "no.such.host", "6390", "1").reply, invalid)
        XCTAssertEqual(harness.command("MONITOR", "other", "localhost", "6390", "1").reply, .ok)
        XCTAssertEqual(harness.events("+monitor").last?.message, "master other 127.0.0.1 6390 quorum 1",
                       "without announce-hostnames the resolved IP is shown")
        XCTAssertEqual(harness.command("CONFIG", "SET", "announce-hostnames", "yes").reply, .ok)
        XCTAssertEqual(harness.command("GET-MASTER-ADDR-BY-NAME", "other").reply, .array([.bulk("localhost"), .bulk("6390")]))
    }

    func testRepliesEventsAndConfigShowTheIPWithoutAnnounceHostnames() throws {
        var harness = try harness(announce: false)
        XCTAssertEqual(harness.events("+monitor").map(\.message), ["master mymaster 127.0.0.1 6379 quorum 1"])
        XCTAssertEqual(harness.command("GET-MASTER-ADDR-BY-NAME", "mymaster").reply, .array([.bulk("127.0.0.1"), .bulk("6379")]))
        XCTAssertEqual(harness.command("MASTER", "mymaster").reply.field("ip"), "127.0.0.1")
        XCTAssertEqual(harness.sentinel.currentConfig().masters[0].address, Address(host: "127.0.0.1", port: 6379))
        // The link still asks for the name: the shell resolves it when it connects.
        let links = harness.connectRequestedLinks(harness.tick())
        XCTAssertEqual(Set(links.map(\.1)), [Address(host: "localhost", port: 6379)])
    }

    func testUnresolvedHostnameShowsAnEmptyIPButStaysInTheConfig() throws {
        var harness = CoreHarness()
        let text = "sentinel resolve-hostnames yes\nsentinel monitor mymaster db.unresolved 6379 1\n"
        harness.sentinel = Sentinel(config: try ConfigFile.parse(text), seed: 7, now: harness.now)
        harness.sentinel.environment = Self.environment
        harness.effects = harness.sentinel.start(now: harness.now)
        XCTAssertEqual(harness.command("MASTER", "mymaster").reply.field("ip"), "", "Redis keeps an empty IP until it resolves")
        XCTAssertEqual(harness.sentinel.currentConfig().masters[0].address, Address(host: "db.unresolved", port: 6379))
    }

    func testRepliesEventsConfigAndHelloCarryTheHostnameWithAnnounceHostnames() throws {
        var harness = try harness(announce: true)
        XCTAssertEqual(harness.events("+monitor").map(\.message), ["master mymaster localhost 6379 quorum 1"])
        XCTAssertEqual(harness.command("GET-MASTER-ADDR-BY-NAME", "mymaster").reply, .array([.bulk("localhost"), .bulk("6379")]))
        guard case .array(let masters) = harness.command("MASTERS").reply else { return XCTFail("not an array") }
        XCTAssertEqual(masters.first?.field("ip"), "localhost")
        XCTAssertEqual(harness.sentinel.currentConfig().masters[0].address, Address(host: "localhost", port: 6379))
        let links = harness.connectRequestedLinks(harness.tick())
        for _ in 0..<5 {
            harness.advance(100)
            harness.connectRequestedLinks(harness.tick())
        }
        let hellos = harness.effects.compactMap { effect -> String? in
            if case .send(let id, let words, .publishHello) = effect, id == harness.commandLink(to: 6379, in: links) { return words.last }
            return nil
        }
        XCTAssertEqual(hellos.first, "127.0.0.1,26379,\(String(repeating: "a", count: 40)),0,mymaster,localhost,6379,0",
                       "the sentinel's own address stays the socket's IP; the master is announced by name")
    }

    func testReplicasFromInfoKeepTheIPTheyReport() throws {
        var harness = try harness(announce: true)
        let links = harness.connectRequestedLinks(harness.tick())
        let master = try XCTUnwrap(harness.commandLink(to: 6379, in: links))
        let info = "role:master\r\nslave0:ip=127.0.0.1,port=6380,state=online,offset=1,lag=0\r\n"
            + "slave1:ip=localhost,port=6381,state=online,offset=1,lag=0\r\n"
        harness.handle(.replyReceived(master, .info, .string(info)))
        guard case .array(let replicas) = harness.command("REPLICAS", "mymaster").reply else { return XCTFail("not an array") }
        XCTAssertEqual(replicas.map { $0.field("name") }, ["127.0.0.1:6380", "localhost:6381"])
        XCTAssertEqual(replicas.map { $0.field("ip") }, ["127.0.0.1", "localhost"])
        XCTAssertEqual(harness.events("+slave").map(\.message), [
            "slave 127.0.0.1:6380 127.0.0.1 6380 @ mymaster localhost 6379",
            "slave localhost:6381 localhost 6381 @ mymaster localhost 6379",
        ])
    }

    func testReplicaAnnouncingAHostnameIsIgnoredWithoutResolveHostnames() throws {
        var harness = CoreHarness()
        harness.sentinel.environment = Self.environment
        let links = harness.connectRequestedLinks(harness.tick())
        let master = try XCTUnwrap(harness.commandLink(to: 6379, in: links))
        let info = "role:master\r\nslave0:ip=localhost,port=6381,state=online,offset=1,lag=0\r\n"
        harness.handle(.replyReceived(master, .info, .string(info)))
        XCTAssertEqual(harness.command("MASTER", "mymaster").reply.field("num-slaves"), "0")
    }

    func testHelloNamingTheMasterByHostnameIsTheSameAddress() {
        var harness = CoreHarness()
        harness.sentinel.environment = Self.environment
        XCTAssertEqual(harness.command("CONFIG", "SET", "resolve-hostnames", "yes").reply, .ok)
        let peer = String(repeating: "b", count: 40)
        harness.effects = harness.sentinel.receiveHello("127.0.0.1,26380,\(peer),1,mymaster,localhost,6379,1", now: harness.now)
        XCTAssertTrue(harness.events("+switch-master").isEmpty, "localhost is 127.0.0.1: the master did not move")
        XCTAssertEqual(harness.sentinel.currentConfig().masters[0].configEpoch, 1)
    }

    /// Fails the master over to whichever replica has the larger offset; replicas answer PING and
    /// INFO, the master stays silent (quorum 1 and no peers, so this sentinel leads alone).
    func failover(_ harness: inout CoreHarness, offsets: [Int: Int64]) throws -> [Int: [[String]]] {
        let links = harness.connectRequestedLinks(harness.tick())
        var replicaLinks: [LinkID: Int] = [:]
        for port in offsets.keys { replicaLinks[try XCTUnwrap(harness.commandLink(to: port, in: links))] = port }
        var sent: [Int: [[String]]] = [:]
        var masterOf: [Int: (host: String, port: String)] = [:]
        func info(_ port: Int) -> String {
            guard let (host, masterPort) = masterOf[port] else { return "role:master\r\n" }
            return "role:slave\r\nmaster_host:\(host)\r\nmaster_port:\(masterPort)\r\nmaster_link_status:up\r\n"
                + "slave_repl_offset:\(offsets[port]!)\r\nslave_priority:100\r\n"
        }
        for port in offsets.keys { masterOf[port] = ("localhost", "6379") }
        func answer(_ produced: [Effect]) {
            for case .send(let id, let words, let purpose) in produced {
                guard let port = replicaLinks[id] else { continue }
                sent[port, default: []].append(words)
                if words.first == "SLAVEOF" { masterOf[port] = words[1] == "NO" ? nil : (words[1], words[2]) }
                let reply: RedisValue = purpose == .info ? .string(info(port)) : purpose == .ping ? .status("PONG") : .status("OK")
                answer(harness.handle(.replyReceived(id, purpose, reply)))
            }
        }
        for _ in 0..<400 where harness.events("+failover-end").isEmpty {
            harness.advance(50)
            answer(harness.tick())
        }
        XCTAssertEqual(harness.events("+failover-end").count, 1)
        return sent
    }

    /// Known replicas 6380 and 6381 under the hosts given, failed over to the one with the larger offset.
    func failedOver(announce: Bool, hosts: [Int: String], offsets: [Int: Int64]) throws -> (CoreHarness, [Int: [[String]]]) {
        let known = hosts.keys.sorted().map { "sentinel known-replica mymaster \(hosts[$0]!) \($0)\n" }.joined()
        var harness = try harness(announce: announce, extra: known)
        let sent = try failover(&harness, offsets: offsets)
        return (harness, sent)
    }

    func testFailoverAnnouncesAndRepointsByHostname() throws {
        let (harness, sent) = try failedOver(announce: true, hosts: [6380: "127.0.0.1", 6381: "localhost"], offsets: [6380: 10, 6381: 20])
        XCTAssertEqual(harness.events("+switch-master").map(\.message), ["mymaster localhost 6379 localhost 6381"])
        XCTAssertTrue(sent[6380, default: []].contains(["SLAVEOF", "localhost", "6381"]), "\(sent)")
        var queried = harness
        XCTAssertEqual(queried.command("GET-MASTER-ADDR-BY-NAME", "mymaster").reply, .array([.bulk("localhost"), .bulk("6381")]))
        XCTAssertEqual(Set(harness.sentinel.masters[0].replicas.map(\.name)), ["127.0.0.1:6380", "localhost:6379"],
                       "the old master is kept as a replica under the name it was known by")
    }

    func testFailoverToAReplicaKnownByItsIPAnnouncesTheIP() throws {
        let (harness, sent) = try failedOver(announce: true, hosts: [6380: "127.0.0.1", 6381: "localhost"], offsets: [6380: 20, 6381: 10])
        XCTAssertEqual(harness.events("+switch-master").map(\.message), ["mymaster localhost 6379 127.0.0.1 6380"])
        XCTAssertTrue(sent[6381, default: []].contains(["SLAVEOF", "127.0.0.1", "6380"]), "\(sent)")
    }

    func testFailoverWithoutAnnounceHostnamesUsesIPsEverywhere() throws {
        let (harness, sent) = try failedOver(announce: false, hosts: [6380: "127.0.0.1", 6381: "127.0.0.1"], offsets: [6380: 10, 6381: 20])
        XCTAssertEqual(harness.events("+switch-master").map(\.message), ["mymaster 127.0.0.1 6379 127.0.0.1 6381"])
        XCTAssertTrue(sent[6380, default: []].contains(["SLAVEOF", "127.0.0.1", "6381"]), "\(sent)")
        XCTAssertEqual(Set(harness.sentinel.masters[0].replicas.map(\.name)), ["127.0.0.1:6380", "127.0.0.1:6379"],
                       "the old master is named by its IP")
    }
}
