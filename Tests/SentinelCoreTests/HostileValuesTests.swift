import Foundation
import SentinelCore
import XCTest

/// Values from outside (hellos anyone can publish, vote requests, INFO, commands, the config file)
/// are checked where they enter: out of range they are refused, and nothing traps or reaches the
/// config file.
final class HostileValuesTests: XCTestCase {
    let peerA = String(repeating: "b", count: 40)
    let huge = "9223372036854775807"

    func hello(runID: String, epoch: String = "0", configEpoch: String = "0", host: String = "127.0.0.1", port: String = "26380",
               masterHost: String = "127.0.0.1", masterPort: String = "6379") -> String {
        "\(host),\(port),\(runID),\(epoch),mymaster,\(masterHost),\(masterPort),\(configEpoch)"
    }

    /// A harness whose master and replica 6380 have answered PING and INFO, so a forced failover can start.
    func harnessReadyForFailover() -> (CoreHarness, LinkID, LinkID) {
        var harness = CoreHarness(replicas: [Address(host: "127.0.0.1", port: 6380)])
        let links = harness.connectRequestedLinks(harness.tick())
        let master = harness.commandLink(to: 6379, in: links)!
        let replica = harness.commandLink(to: 6380, in: links)!
        harness.handle(.replyReceived(master, .ping, .status("PONG")))
        harness.handle(.replyReceived(master, .info, .string("role:master\r\n")))
        harness.handle(.replyReceived(replica, .ping, .status("PONG")))
        harness.handle(.replyReceived(replica, .info, .string(
            "role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:6379\r\nmaster_link_status:up\r\nslave_repl_offset:10\r\nslave_priority:100\r\n")))
        return (harness, master, replica)
    }

    // MARK: Epochs

    func testHelloWithEpochThatLeavesNoRoomIsIgnoredAndAFailoverStillStarts() {
        var (harness, _, _) = harnessReadyForFailover()
        XCTAssertEqual(harness.sentinel.receiveHello(hello(runID: peerA, epoch: huge), now: harness.now), [])
        XCTAssertEqual(harness.sentinel.receiveHello(hello(runID: peerA, configEpoch: huge), now: harness.now), [])
        XCTAssertEqual(harness.sentinel.currentEpoch, 0)
        XCTAssertEqual(harness.sentinel.currentConfig().currentEpoch, 0)
        XCTAssertEqual(harness.command("FAILOVER", "mymaster").reply, .ok)
        XCTAssertEqual(harness.sentinel.currentEpoch, 1)
    }

    func testHelloEpochAtTheBoundIsAcceptedAndOneAboveIsNot() {
        var harness = CoreHarness()
        _ = harness.sentinel.receiveHello(hello(runID: peerA, epoch: String(CoreLimits.maxEpoch + 1)), now: harness.now)
        XCTAssertEqual(harness.sentinel.currentEpoch, 0)
        _ = harness.sentinel.receiveHello(hello(runID: peerA, epoch: String(CoreLimits.maxEpoch)), now: harness.now)
        XCTAssertEqual(harness.sentinel.currentEpoch, CoreLimits.maxEpoch)
    }

    func testVoteRequestWithEpochThatLeavesNoRoomIsRefused() {
        var (harness, _, _) = harnessReadyForFailover()
        let outcome = harness.command("IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "6379", huge, peerA)
        XCTAssertEqual(outcome.reply, .error("ERR value is not an integer or out of range"))
        XCTAssertEqual(outcome.effects, [])
        XCTAssertEqual(harness.command("IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "6379", "-1", peerA).reply,
                       .error("ERR value is not an integer or out of range"))
        XCTAssertEqual(harness.command("IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "70000", "1", peerA).reply,
                       .error("ERR value is not an integer or out of range"))
        XCTAssertEqual(harness.sentinel.currentEpoch, 0)
        XCTAssertEqual(harness.command("FAILOVER", "mymaster").reply, .ok)
        XCTAssertEqual(harness.sentinel.currentEpoch, 1)
    }

    func testVoteRequestForACandidateThatIsNoRunIDIsRefused() {
        var harness = CoreHarness()
        let forged = "x\nuser default on nopass +@all"
        XCTAssertEqual(harness.command("IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "6379", "1", forged).reply,
                       .error("ERR Invalid run id: expected 40 hex digits or '*'"))
        XCTAssertEqual(harness.command("IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "6379", "1", peerA).reply,
                       .array([.integer(0), .bulk(peerA), .integer(1)]))
    }

    func testConfigFileEpochsBeyondTheBoundAreRefusedAtTheirLine() {
        let text = "sentinel monitor mymaster 127.0.0.1 6379 2\nsentinel current-epoch \(huge)\n"
        XCTAssertThrowsError(try ConfigFile.parse(text)) { error in
            let error = error as! ConfigError
            XCTAssertEqual(error.line, 2)
            XCTAssertEqual(error.reason,
                           "Epoch out of range: it must be between 0 and 9007199254740991; set it to the highest epoch the other sentinels report.")
        }
        for directive in ["config-epoch mymaster \(huge)", "leader-epoch mymaster 99999999999999999999", "config-epoch mymaster -1"] {
            XCTAssertThrowsError(try ConfigFile.parse("sentinel monitor mymaster 127.0.0.1 6379 2\nsentinel \(directive)\n"), directive) { error in
                XCTAssertEqual((error as! ConfigError).line, 2)
            }
        }
        // Redis reads epochs with strtoull: text without digits reads as 0.
        XCTAssertEqual(try ConfigFile.parse("sentinel monitor m 127.0.0.1 6379 2\nsentinel config-epoch m abc\n").masters[0].configEpoch, 0)
    }

    // MARK: Time parameters

    func testHugeTimeParametersAreRefusedBySetAndDebugAndTheSentinelKeepsTicking() {
        var (harness, _, _) = harnessReadyForFailover()
        for option in ["down-after-milliseconds", "failover-timeout", "master-reboot-down-after-period"] {
            XCTAssertEqual(harness.command("SET", "mymaster", option, huge).reply,
                           .error("ERR Invalid argument '\(huge)' for SENTINEL SET '\(option)'"))
        }
        XCTAssertEqual(harness.command("SET", "mymaster", "quorum", "4294967296").reply,
                       .error("ERR Invalid argument '4294967296' for SENTINEL SET 'quorum'"))
        XCTAssertEqual(harness.command("SET", "mymaster", "down-after-milliseconds", String(CoreLimits.maxTimeMilliseconds)).reply, .ok)
        for parameter in Timing.parameterNames {
            XCTAssertEqual(harness.command("DEBUG", parameter, huge).reply,
                           .error("ERR Invalid argument '\(huge)' for SENTINEL DEBUG '\(parameter)'"))
            XCTAssertEqual(harness.command("DEBUG", parameter, String(CoreLimits.maxTimeMilliseconds)).reply, .ok)
        }
        for _ in 0..<5 {
            harness.advance(1_000)
            harness.tick()
        }
        XCTAssertEqual(harness.command("FAILOVER", "mymaster").reply, .ok)
        harness.advance(1_000)
        harness.tick()
    }

    func testConfigFileTimeParametersBeyondACenturyAreRefusedAtTheirLine() {
        for directive in ["down-after-milliseconds mymaster \(huge)", "failover-timeout mymaster 99999999999999999999",
                          "master-reboot-down-after-period mymaster \(huge)"] {
            XCTAssertThrowsError(try ConfigFile.parse("sentinel monitor mymaster 127.0.0.1 6379 2\nsentinel \(directive)\n"), directive) { error in
                let error = error as! ConfigError
                XCTAssertEqual(error.line, 2)
                XCTAssertEqual(error.reason, "time parameter too large: at most 3153600000000 milliseconds (a century).")
            }
        }
    }

    func testInstantArithmeticSaturatesInsteadOfTrapping() {
        XCTAssertEqual((Instant(milliseconds: 10) + Int64.max).milliseconds, Int64.max)
        XCTAssertEqual((Instant(milliseconds: -10) + Int64.min).milliseconds, Int64.min)
        XCTAssertEqual(Instant(milliseconds: Int64.max) - Instant(milliseconds: -1), Int64.max)
        XCTAssertEqual(Instant(milliseconds: 5) - Instant(milliseconds: 3), 2)
    }

    // MARK: INFO

    func testInfoNumbersOutOfRangeAreIgnoredAndLogged() {
        var (harness, _, replica) = harnessReadyForFailover()
        let produced = harness.handle(.replyReceived(replica, .info, .string(
            "role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:6379\r\nmaster_link_status:down\r\n"
                + "master_link_down_since_seconds:10000000000000000\r\nslave_priority:99999999999\r\nslave_repl_offset:-5\r\n")))
        XCTAssertTrue(produced.contains { effect in
            if case .log(_, let line) = effect { return line.contains("master_link_down_since_seconds:\"10000000000000000\"") }
            return false
        }, "\(produced)")
        let report = InfoReport.parse("master_link_down_since_seconds:10000000000000000\r\nmaster_port:70000\r\nrun_id:\(String(repeating: "z", count: 40))\r\n")
        XCTAssertNil(report.masterLinkDownSinceSeconds)
        XCTAssertNil(report.masterPort)
        XCTAssertNil(report.runID)
        XCTAssertEqual(report.ignoredFields.count, 3)
        XCTAssertEqual(InfoReport.parse("master_link_down_since_seconds:-1\r\n").masterLinkDownSinceSeconds, -1)
        harness.advance(1_000)
        harness.tick()
        XCTAssertEqual(harness.command("FAILOVER", "mymaster").reply, .ok)
    }

    func testReplicaLinesWithBadAddressesAreIgnored() {
        let report = InfoReport.parse(
            "role:master\r\nslave0:ip=127.0.0.1,port=70000,state=online,offset=0,lag=0\r\n"
                + "slave1:ip=127.0.0.1,port=0,state=online\r\nslave2:ip=a\nb,port=6380,state=online\r\n"
                + "slave3:ip=bad host,port=6380,state=online\r\nslave4:ip=::1,port=6381,state=online\r\n")
        XCTAssertEqual(report.listedReplicas, [Address(host: "::1", port: 6381)])
        // The newline ends slave2's line early: its "ip=a" is a line of its own, and ignored.
        XCTAssertEqual(report.ignoredFields.count, 4, "\(report.ignoredFields)")
    }

    func testReplicaEntriesWithABadPortOrTheMastersOwnAddressAreNotLearnt() throws {
        var (harness, master, _) = harnessReadyForFailover()
        let produced = harness.handle(.replyReceived(master, .info, .string(
            "role:master\r\nslave0:ip=127.0.0.1,port=70000,state=online,offset=0,lag=0\r\n"
                + "slave1:ip=127.0.0.1,port=6379,state=online,offset=0,lag=0\r\n")))
        XCTAssertEqual(harness.sentinel.masters[0].replicas.map(\.instance.address.port), [6380])
        XCTAssertFalse(produced.contains(.persistConfig))
        XCTAssertEqual(produced.filter { if case .log = $0 { return true } else { return false } }.count, 2, "\(produced)")
        let config = harness.sentinel.currentConfig()
        XCTAssertEqual(try ConfigFile.parse(ConfigFile.rewrite(existing: "", with: config)), config)
    }

    func testAMasterListingMoreReplicasThanTheBoundAndAFloodOfPeersStayBounded() {
        var (harness, master, _) = harnessReadyForFailover()
        let listed = (0..<(CoreLimits.maxReplicasPerMaster + 100)).map {
            "slave\($0):ip=10.77.\($0 / 250).\($0 % 250),port=6379,state=online,offset=0,lag=0"
        }
        harness.handle(.replyReceived(master, .info, .string("role:master\r\n" + listed.joined(separator: "\r\n") + "\r\n")))
        XCTAssertEqual(harness.sentinel.masters[0].replicas.count, CoreLimits.maxReplicasPerMaster)
        for index in 0..<(CoreLimits.maxSentinelsPerMaster + 100) {
            let runID = String(format: "%040x", index + 1)
            _ = harness.sentinel.receiveHello(hello(runID: runID, host: "10.88.\(index / 250).\(index % 250)"), now: harness.now)
        }
        XCTAssertEqual(harness.sentinel.masters[0].sentinels.count, CoreLimits.maxSentinelsPerMaster)
    }

    // MARK: Hellos

    func testHelloFieldsAreCheckedWhole() {
        var harness = CoreHarness()
        let injected = "01234567890123456\nuser default on nopass"
        XCTAssertEqual(injected.utf8.count, 40)
        let bad = [
            hello(runID: injected),
            hello(runID: String(repeating: "g", count: 40)),
            hello(runID: String(repeating: "b", count: 39)),
            hello(runID: peerA, host: "a b"),
            hello(runID: peerA, host: "localhost"),
            hello(runID: peerA, port: "0"),
            hello(runID: peerA, port: "65536"),
            hello(runID: peerA, masterHost: "1.2.3.4\n"),
            hello(runID: peerA, masterPort: "70000"),
            hello(runID: peerA, epoch: "-1"),
            hello(runID: peerA, configEpoch: "1e3"),
        ]
        for payload in bad {
            XCTAssertNil(Hello.parse(payload), payload)
            XCTAssertEqual(harness.sentinel.receiveHello(payload, now: harness.now), [], payload)
        }
        XCTAssertTrue(harness.sentinel.masters[0].sentinels.isEmpty)
        XCTAssertNotNil(Hello.parse(hello(runID: peerA, host: "sentinel-1.example"), hostnamesAllowed: true))
        XCTAssertNotNil(Hello.parse(hello(runID: peerA)))
        let text = ConfigFile.rewrite(existing: "", with: harness.sentinel.currentConfig())
        XCTAssertFalse(text.contains("nopass\n") && text.contains("0123456789"), text)
    }

    // MARK: Commands

    func testSetRefusesLineBreaksInStringsAndQuotesTheRest() throws {
        var harness = CoreHarness()
        for (option, values) in [("auth-pass", ["a\nb"]), ("auth-user", ["a\rb"]), ("rename-command", ["CONFIG", "x\ny"]),
                                 ("auth-pass", ["nul\u{0}"])] {
            let reply = harness.sentinel.execute(sentinelCommand: ["SET", "mymaster", option] + values, now: harness.now).reply
            guard case .error(let text) = reply else { return XCTFail("\(option) accepted \(values)") }
            XCTAssertTrue(text.hasPrefix("ERR Invalid argument '"), text)
            XCTAssertFalse(text.contains("\n") || text.contains("\r"), "an error reply is one line: \(text)")
        }
        XCTAssertEqual(harness.command("SET", "mymaster", "notification-script", "/bin/true\n").reply, .error(
            "ERR Reconfiguration of scripts path is denied for security reasons. Check the deny-scripts-reconfig configuration directive in your Sentinel configuration"))
        var allowed = SentinelConfig()
        allowed.denyScriptsReconfig = false
        allowed.masters = [MasterConfig(name: "mymaster", address: Address(host: "127.0.0.1", port: 6379), quorum: 1)]
        harness.sentinel = Sentinel(config: allowed, seed: 1, now: harness.now)
        harness.sentinel.environment = SentinelEnvironment(isExecutable: { _ in true })
        XCTAssertEqual(harness.command("SET", "mymaster", "client-reconfig-script", "/bin/true\nx").reply,
                       .error("ERR Invalid argument '/bin/true x' for SENTINEL SET 'client-reconfig-script'"))
        XCTAssertEqual(harness.command("SET", "mymaster", "client-reconfig-script", "/path with space").reply, .ok)
        XCTAssertEqual(harness.command("SET", "mymaster", "auth-pass", "with space \"and\" quotes").reply, .ok)
        let config = harness.sentinel.currentConfig()
        let text = ConfigFile.rewrite(existing: "", with: config)
        XCTAssertTrue(text.contains("sentinel auth-pass mymaster \"with space \\\"and\\\" quotes\"\n"), text)
        XCTAssertEqual(try ConfigFile.parse(text), config)
    }

    func testMonitorRefusesNamesThatBreakHellosEventsOrLines() {
        var harness = CoreHarness()
        for name in ["a b", "a,b", "a\nb", "tab\there", ""] {
            XCTAssertEqual(harness.command("MONITOR", name, "127.0.0.1", "6390", "1").reply,
                           .error("ERR Invalid master name: spaces, commas and control characters are not allowed"), name)
        }
        XCTAssertEqual(harness.command("MONITOR", "127.0.0.1\n", "127.0.0.1\n", "6390", "1").reply,
                       .error("ERR Invalid IP address or hostname specified"))
        XCTAssertEqual(harness.command("MONITOR", "ünïcode-name", "127.0.0.1", "6390", "1").reply, .ok)
        XCTAssertThrowsError(try ConfigFile.parse("sentinel monitor \"a b\" 127.0.0.1 6379 2\n"))
    }

    func testConfigSetRefusesAddressesAndCredentialsThatBreakLines() {
        var harness = CoreHarness()
        XCTAssertEqual(harness.command("CONFIG", "SET", "announce-ip", "1.2.3.4,evil").reply,
                       .error("ERR Invalid value '1.2.3.4,evil' to SENTINEL CONFIG SET 'announce-ip'"))
        XCTAssertEqual(harness.command("CONFIG", "SET", "sentinel-pass", "a\r\nb").reply,
                       .error("ERR Invalid value 'a  b' to SENTINEL CONFIG SET 'sentinel-pass'"))
        XCTAssertEqual(harness.command("CONFIG", "SET", "announce-ip", "sentinel-1.example").reply, .ok)
        XCTAssertEqual(harness.command("CONFIG", "SET", "sentinel-pass", "p w").reply, .ok)
    }

    func testConfigFileRefusesMalformedIdsAndAddresses() {
        let monitor = "sentinel monitor m 127.0.0.1 6379 2\n"
        let cases: [(String, String)] = [
            ("sentinel myid \(String(repeating: "z", count: 40))\n", "Malformed Sentinel id in myid option."),
            (monitor + "sentinel known-sentinel m 127.0.0.1 26379 \(String(repeating: "z", count: 40))\n",
             "Malformed run id in known-sentinel option: it must be 40 hex digits."),
            (monitor + "sentinel known-replica m \"a\\nb\" 6380\n", "Wrong hostname or port for replica."),
            ("sentinel announce-port 70000\n", "Invalid port number."),
        ]
        for (text, reason) in cases {
            XCTAssertThrowsError(try ConfigFile.parse(text), text) { error in
                XCTAssertEqual((error as! ConfigError).reason, reason, text)
            }
        }
    }
}
