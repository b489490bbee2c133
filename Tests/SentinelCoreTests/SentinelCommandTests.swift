import SentinelCore
import XCTest

final class SentinelCommandTests: XCTestCase {
    func testUnknownMasterErrorsAndNullAddress() {
        var harness = CoreHarness()
        XCTAssertEqual(harness.command("MASTER", "nope").reply, .error("ERR No such master with that name"))
        XCTAssertEqual(harness.command("REPLICAS", "nope").reply, .error("ERR No such master with that name"))
        XCTAssertEqual(harness.command("GET-MASTER-ADDR-BY-NAME", "nope").reply, .nullArray)
        XCTAssertEqual(harness.command("get-primary-addr-by-name", "mymaster").reply, .array([.bulk("127.0.0.1"), .bulk("6379")]))
    }

    func testMasterMapKeepsRedisFieldOrder() {
        var harness = CoreHarness()
        let keys = harness.command("MASTER", "mymaster").reply.mapPairs.map(\.0)
        XCTAssertEqual(keys, [
            "name", "ip", "port", "runid", "flags", "link-pending-commands", "link-refcount", "last-ping-sent",
            "last-ok-ping-reply", "last-ping-reply", "down-after-milliseconds", "info-refresh", "role-reported",
            "role-reported-time", "config-epoch", "num-slaves", "num-other-sentinels", "quorum", "failover-timeout",
            "parallel-syncs",
        ])
        XCTAssertEqual(harness.command("PRIMARIES").reply, .array([harness.command("MASTER", "mymaster").reply]))
    }

    func testMonitorChecksErrorsInRedisOrder() {
        var harness = CoreHarness()
        XCTAssertEqual(harness.command("MONITOR", "a", "x", "y", "z").reply, .error("ERR Invalid quorum"))
        XCTAssertEqual(harness.command("MONITOR", "a", "x", "y", "0").reply, .error("ERR Invalid port"))
        XCTAssertEqual(harness.command("MONITOR", "a", "x", "1", "0").reply, .error("ERR Quorum must be 1 or greater."))
        // The config file is read back with atoi: a quorum beyond a C int would be written and then refuse to load.
        XCTAssertEqual(harness.command("MONITOR", "a", "1.2.3.4", "1", "9223372036854775807").reply, .error("ERR Invalid quorum"))
        XCTAssertEqual(harness.command("MONITOR", "a", "1.2.3.4", "1", "2147483648").reply, .error("ERR Invalid quorum"))
        // Redis 7.0 parses the quorum as a long: one beyond a C int still yields to a bad port, and a
        // negative one below a C int is "must be 1 or greater", not unparsable.
        XCTAssertEqual(harness.command("MONITOR", "a", "1.2.3.4", "y", "2147483648").reply, .error("ERR Invalid port"))
        XCTAssertEqual(harness.command("MONITOR", "a", "1.2.3.4", "1", "-2147483649").reply, .error("ERR Quorum must be 1 or greater."))
        XCTAssertEqual(harness.command("MONITOR", "a", "no.such.host", "1", "1").reply, .error("ERR Invalid IP address or hostname specified"))
        XCTAssertEqual(harness.command("MONITOR", "mymaster", "1.2.3.4", "1", "1").reply, .error("ERR Duplicate master name."))
        XCTAssertEqual(harness.command("MONITOR", "a", "1.2.3.4", "70000", "1").reply, .error("ERR Invalid port number."))
        let outcome = harness.command("MONITOR", "other", "127.0.0.1", "0", "1")
        XCTAssertEqual(outcome.reply, .ok)
        XCTAssertTrue(outcome.replyRequiresPersist)
        XCTAssertEqual(outcome.effects.first, .persistConfig, "the config is flushed before +monitor is announced")
        XCTAssertEqual(harness.events("+monitor").map(\.message), ["master other 127.0.0.1 0 quorum 1"])
    }

    func testSetAppliesLeftToRightWithoutRollback() {
        var harness = CoreHarness()
        let outcome = harness.command("SET", "mymaster", "quorum", "3", "down-after-milliseconds", "abc", "parallel-syncs", "5")
        XCTAssertEqual(outcome.reply, .error("ERR Invalid argument 'abc' for SENTINEL SET 'down-after-milliseconds'"))
        XCTAssertTrue(outcome.effects.contains(.persistConfig), "the options before the bad one stay and are flushed")
        let map = harness.command("MASTER", "mymaster").reply
        XCTAssertEqual(map.field("quorum"), "3")
        XCTAssertEqual(map.field("parallel-syncs"), "1")
        XCTAssertEqual(harness.command("SET", "mymaster", "bogus", "1").reply,
                       .error("ERR Unknown option or number of arguments for SENTINEL SET 'bogus'"))
        XCTAssertEqual(harness.command("SET", "mymaster", "notification-script", "/bin/true").reply,
                       .error("ERR Reconfiguration of scripts path is denied for security reasons. Check the deny-scripts-reconfig configuration directive in your Sentinel configuration"))
        XCTAssertEqual(harness.command("SET", "mymaster", "rename-command", "CONFIG", "").reply,
                       .error("ERR Invalid argument '' for SENTINEL SET 'rename-command'"))
    }

    func testSetDownAfterReachesEveryInstanceOfTheMaster() {
        var harness = CoreHarness(replicas: [Address(host: "127.0.0.1", port: 7001)])
        XCTAssertEqual(harness.command("SET", "mymaster", "down-after-milliseconds", "2000").reply, .ok)
        XCTAssertEqual(harness.sentinel.masters[0].replicas[0].instance.downAfterMilliseconds, 2000)
        XCTAssertEqual(harness.sentinel.currentConfig().masters[0].downAfterMilliseconds, 2000)
    }

    func testConfigSetIsAtomicAndGetMatchesGlobs() {
        var harness = CoreHarness()
        XCTAssertEqual(harness.command("CONFIG", "SET", "announce-ip", "10.1.1.1", "announce-port", "99999").reply,
                       .error("ERR Invalid value '99999' to SENTINEL CONFIG SET 'announce-port'"))
        XCTAssertEqual(harness.command("CONFIG", "GET", "announce-ip").reply, .fields([("announce-ip", .bulk(""))]))
        XCTAssertEqual(harness.command("CONFIG", "SET", "announce-ip", "10.1.1.1", "announce-ip", "x").reply,
                       .error("ERR Duplicate argument 'announce-ip' to SENTINEL CONFIG SET"))
        XCTAssertEqual(harness.command("CONFIG", "SET", "announce-ip").reply, .error("ERR Missing argument 'announce-ip' value"))
        XCTAssertEqual(harness.command("CONFIG", "SET", "foo", "bar").reply, .error("ERR Invalid argument 'foo' to SENTINEL CONFIG SET"))
        XCTAssertEqual(harness.command("CONFIG", "SET", "announce-ip", "10.1.1.1", "resolve-hostnames", "yes").reply, .ok)
        XCTAssertEqual(harness.command("CONFIG", "GET", "announce-*", "RESOLVE*").reply, .fields([
            ("resolve-hostnames", .bulk("yes")), ("announce-hostnames", .bulk("no")),
            ("announce-ip", .bulk("10.1.1.1")), ("announce-port", .bulk("0")),
        ]))
        XCTAssertEqual(harness.sentinel.currentConfig().announceIP, "10.1.1.1")
    }

    func testDebugShowsAndChangesTimingLive() {
        var harness = CoreHarness()
        let pairs = harness.command("DEBUG").reply.mapPairs
        XCTAssertEqual(pairs.first?.0, "INFO-PERIOD")
        XCTAssertEqual(pairs.count, 13)
        XCTAssertEqual(harness.command("DEBUG", "info-period", "100", "PING-PERIOD", "50").reply, .ok)
        XCTAssertEqual(harness.sentinel.timing.infoPeriod, 100)
        XCTAssertEqual(harness.sentinel.timing.pingPeriod, 50)
        XCTAssertEqual(harness.command("DEBUG", "info-period", "0").reply, .error("ERR Invalid argument '0' for SENTINEL DEBUG 'info-period'"))
        XCTAssertEqual(harness.command("DEBUG", "info-period").reply,
                       .error("ERR Unknown option or number of arguments for SENTINEL DEBUG 'info-period'"))
    }

    func testCheckQuorumWithNoPeers() {
        var harness = CoreHarness()
        XCTAssertEqual(harness.command("CKQUORUM", "mymaster").reply,
                       .error("NOQUORUM 1 usable Sentinels. Not enough available Sentinels to reach the specified quorum for this master"))
        _ = harness.command("SET", "mymaster", "quorum", "1")
        XCTAssertEqual(harness.command("CKQUORUM", "mymaster").reply,
                       .simple("OK 1 usable Sentinels. Quorum and failover authorization can be reached"))
    }

    func testResetForgetsReplicasAndRemoveForgetsMaster() {
        var harness = CoreHarness(replicas: [Address(host: "127.0.0.1", port: 7001)])
        XCTAssertEqual(harness.command("RESET", "my*").reply, .integer(1))
        XCTAssertEqual(harness.command("REPLICAS", "mymaster").reply, .array([]))
        XCTAssertEqual(harness.events("+reset-master").count, 1)
        XCTAssertEqual(harness.command("RESET", "nomatch").reply, .integer(0))
        XCTAssertEqual(harness.command("REMOVE", "mymaster").reply, .ok)
        XCTAssertEqual(harness.command("MASTERS").reply, .array([]))
        XCTAssertEqual(harness.events("-monitor").map(\.message), ["master mymaster 127.0.0.1 6379"])
    }

    func testInfoCacheListsMasterThenReplicas() {
        var harness = CoreHarness(replicas: [Address(host: "127.0.0.1", port: 7001)])
        let links = harness.connectRequestedLinks(harness.tick())
        harness.handle(.replyReceived(harness.commandLink(to: 6379, in: links)!, .info, .string("role:master\r\n")))
        harness.advance(250)
        XCTAssertEqual(harness.command("INFO-CACHE", "mymaster", "unknown").reply, .array([
            .bulk("mymaster"), .array([.array([.integer(250), .bulk("role:master\r\n")]), .array([.integer(0), .nullBulk])]),
        ]))
    }

    func testHelpAndUnknownSubcommand() {
        var harness = CoreHarness()
        guard case .array(let lines) = harness.command("HELP").reply else { return XCTFail("not an array") }
        XCTAssertEqual(lines.first, .simple("SENTINEL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"))
        XCTAssertEqual(lines.last, .simple("    Prints this help."))
        XCTAssertEqual(harness.command("FOO").reply, .error("ERR unknown subcommand 'FOO'. Try SENTINEL HELP."))
    }

    func testInfoSentinelSection() {
        let harness = CoreHarness()
        XCTAssertEqual(harness.sentinel.infoSentinelLines(now: harness.now).last,
                       "master0:name=mymaster,status=ok,address=127.0.0.1:6379,slaves=0,sentinels=1")
    }

    func testStartPersistsGeneratedMyIDAndAnnouncesMasters() {
        var config = SentinelConfig()
        config.masters = [MasterConfig(name: "m", address: Address(host: "127.0.0.1", port: 1), quorum: 1)]
        var sentinel = Sentinel(config: config, seed: 3, now: .zero)
        let effects = sentinel.start(now: .zero)
        XCTAssertEqual(sentinel.myID.count, 40)
        XCTAssertEqual(effects.first, .persistConfig)
        XCTAssertTrue(effects.contains(.emit(.monitor(.master("m", Address(host: "127.0.0.1", port: 1)), quorum: 1))))
        XCTAssertEqual(sentinel.currentConfig().myid, sentinel.myID)
    }
}
