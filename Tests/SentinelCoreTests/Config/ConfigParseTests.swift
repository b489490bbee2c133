import SentinelCore
import XCTest

/// Parsing: every directive Vigil reads, Redis's three passes, and Redis's line splitting.
final class ConfigParseTests: XCTestCase {
    let runID = String(repeating: "a", count: 40)

    func testGenericDirectivesVigilActsOn() throws {
        let config = try ConfigFile.parse("""
            PORT 26390
            bind 127.0.0.1 ::1
            dir /var/lib/vigil
            logfile "/var/log/vigil.log"
            LogLevel Warning
            pidfile /run/vigil.pid
            requirepass "s3 cret"
            protected-mode yes
            daemonize YES
            """)
        XCTAssertEqual(config.port, 26390)
        XCTAssertEqual(config.bind, ["127.0.0.1", "::1"])
        XCTAssertEqual(config.dir, "/var/lib/vigil")
        XCTAssertEqual(config.logfile, "/var/log/vigil.log")
        XCTAssertEqual(config.loglevel, .warning)
        XCTAssertEqual(config.pidfile, "/run/vigil.pid")
        XCTAssertEqual(config.requirepass, "s3 cret")
        XCTAssertTrue(config.protectedMode)
        XCTAssertTrue(config.daemonize)
    }

    func testDefaultsWithoutDirectives() throws {
        let config = try ConfigFile.parse("# nothing but a comment\n\n   \n")
        XCTAssertEqual(config, SentinelConfig())
        XCTAssertEqual(config.port, 26379)
        XCTAssertFalse(config.protectedMode)
        XCTAssertEqual(try ConfigFile.parse(""), SentinelConfig())
    }

    func testEveryLogLevelIncludingNothing() throws {
        for level in LogLevel.allCases {
            XCTAssertEqual(try ConfigFile.parse("loglevel \(level.name)\n").loglevel, level)
        }
    }

    func testBindGivenAsOneQuotedArgumentIsSplit() throws {
        XCTAssertEqual(try ConfigFile.parse("bind \"10.0.0.1 10.0.0.2\"\n").bind, ["10.0.0.1", "10.0.0.2"])
    }

    func testOtherRedisDirectivesAreKeptInOrder() throws {
        let config = try ConfigFile.parse("""
            hz 20
            user alice on >pw ~* +@all
            tls-port 0
            latency-tracking-info-percentiles 50 99
            enable-debug-command local
            save 900 1
            supervised systemd
            """)
        // Adapted: users are kept apart (SentinelConfig.users), for the client server's ACL.
        XCTAssertEqual(config.users, [["alice", "on", ">pw", "~*", "+@all"]])
        XCTAssertEqual(config.otherDirectives, [
            GenericDirective(key: "hz", arguments: ["20"]),
            GenericDirective(key: "tls-port", arguments: ["0"]),
            GenericDirective(key: "latency-tracking-info-percentiles", arguments: ["50", "99"]),
            GenericDirective(key: "enable-debug-command", arguments: ["local"]),
            GenericDirective(key: "supervised", arguments: ["systemd"]),
        ], "save is dropped (sentinel never saves); the rest is kept")
    }

    func testLinesTheRewriteGeneratesAreNotKeptTwice() throws {
        let config = try ConfigFile.parse("""
            latency-tracking-info-percentiles 50 99 99.9
            user default on nopass ~* &* +@all
            """)
        XCTAssertEqual(config.otherDirectives, [])
    }

    func testEverySentinelDirective() throws {
        let config = try ConfigFile.parse("""
            sentinel monitor mymaster 10.0.0.1 6379 2
            sentinel down-after-milliseconds mymaster 5000
            sentinel failover-timeout mymaster 60000
            sentinel parallel-syncs mymaster 3
            sentinel notification-script mymaster /bin/notify.sh
            sentinel client-reconfig-script mymaster /bin/reconfig.sh
            sentinel auth-pass mymaster "pass word"
            sentinel auth-user mymaster sentinel-user
            sentinel master-reboot-down-after-period mymaster 1000
            sentinel config-epoch mymaster 7
            sentinel leader-epoch mymaster 6
            sentinel known-replica mymaster 10.0.0.2 6379
            sentinel known-slave mymaster 10.0.0.3 6379
            sentinel known-sentinel mymaster 10.0.0.4 26379 \(runID)
            sentinel known-sentinel mymaster 10.0.0.5 26379
            sentinel rename-command mymaster CONFIG GUARDED-CONFIG
            sentinel current-epoch 5
            sentinel myid \(runID)
            sentinel announce-ip 10.0.0.9
            sentinel announce-port 26400
            sentinel deny-scripts-reconfig no
            sentinel sentinel-user peer
            sentinel sentinel-pass peerpass
            sentinel resolve-hostnames no
            sentinel announce-hostnames yes
            sentinel
            """)
        XCTAssertEqual(config.myid, runID)
        XCTAssertEqual(config.currentEpoch, 7, "a larger config-epoch raises the current epoch")
        XCTAssertEqual(config.announceIP, "10.0.0.9")
        XCTAssertEqual(config.announcePort, 26400)
        XCTAssertFalse(config.denyScriptsReconfig)
        XCTAssertEqual(config.sentinelUser, "peer")
        XCTAssertEqual(config.sentinelPass, "peerpass")
        XCTAssertFalse(config.resolveHostnames)
        XCTAssertTrue(config.announceHostnames)
        let master = try XCTUnwrap(config.master(named: "mymaster"))
        XCTAssertEqual(master.address, Address(host: "10.0.0.1", port: 6379))
        XCTAssertEqual(master.quorum, 2)
        XCTAssertEqual(master.downAfterMilliseconds, 5000)
        XCTAssertEqual(master.failoverTimeoutMilliseconds, 60000)
        XCTAssertEqual(master.parallelSyncs, 3)
        XCTAssertEqual(master.notificationScript, "/bin/notify.sh")
        XCTAssertEqual(master.clientReconfigScript, "/bin/reconfig.sh")
        XCTAssertEqual(master.authPass, "pass word")
        XCTAssertEqual(master.authUser, "sentinel-user")
        XCTAssertEqual(master.masterRebootDownAfterPeriodMilliseconds, 1000)
        XCTAssertEqual(master.configEpoch, 7)
        XCTAssertEqual(master.leaderEpoch, 6)
        XCTAssertEqual(master.knownReplicas, [Address(host: "10.0.0.2", port: 6379), Address(host: "10.0.0.3", port: 6379)])
        XCTAssertEqual(master.knownSentinels, [KnownSentinel(address: Address(host: "10.0.0.4", port: 26379), runID: runID)],
                       "the old form without a run id is ignored")
        XCTAssertEqual(master.renamedCommands, [CommandRename(command: "CONFIG", renamed: "GUARDED-CONFIG")])
    }

    func testPerMasterDirectivesBeforeTheirMonitorLineWork() throws {
        let config = try ConfigFile.parse("""
            sentinel known-replica m 127.0.0.1 7001
            sentinel down-after-milliseconds m 1500
            sentinel resolve-hostnames yes
            sentinel monitor m db.internal 6379 1
            sentinel current-epoch 3
            sentinel config-epoch m 2
            """)
        let master = try XCTUnwrap(config.master(named: "m"))
        XCTAssertEqual(master.downAfterMilliseconds, 1500)
        XCTAssertEqual(master.knownReplicas, [Address(host: "127.0.0.1", port: 7001)])
        XCTAssertEqual(master.address.host, "db.internal", "resolve-hostnames is read before every monitor line")
        XCTAssertEqual(config.currentEpoch, 3, "a smaller config-epoch leaves the current epoch alone")
    }

    func testNumbersAreReadAsRedisReadsThem() throws {
        let config = try ConfigFile.parse("""
            sentinel monitor m 127.0.0.1 6379x 2abc
            sentinel parallel-syncs m junk
            sentinel config-epoch m 12junk
            sentinel leader-epoch m junk
            sentinel current-epoch 3junk
            """)
        let master = try XCTUnwrap(config.master(named: "m"))
        XCTAssertEqual(master.address.port, 6379, "atoi stops at the first non-digit")
        XCTAssertEqual(master.quorum, 2)
        XCTAssertEqual(master.parallelSyncs, 0)
        XCTAssertEqual(master.configEpoch, 12, "strtoull stops at the first non-digit")
        XCTAssertEqual(master.leaderEpoch, 0)
        XCTAssertEqual(config.currentEpoch, 12)
    }

    /// Adapted: strtoull wraps -1 to 2^64-1, which Redis keeps; epochs beyond CoreLimits.maxEpoch are
    /// refused at their line here (a forged epoch must not leave `currentEpoch + 1` no room).
    func testNegativeEpochIsRefusedAsOutOfRange() {
        let text = "sentinel monitor m 127.0.0.1 6379 2\nsentinel leader-epoch m -1\n"
        XCTAssertThrowsError(try ConfigFile.parse(text)) { error in
            XCTAssertEqual((error as? ConfigError)?.line, 2)
            XCTAssertTrue((error as? ConfigError)?.reason.hasPrefix("Epoch out of range") ?? false, "\(error)")
        }
    }

    /// Adapted: a master name with a space is refused (ValueRules.isMasterName: it would split the
    /// event messages), so the quoted name holds none.
    func testQuotingRules() throws {
        let config = try ConfigFile.parse(#"""
            sentinel monitor "my-master" 127.0.0.1 6379 1
            sentinel auth-pass 'my-master' "a\"b\\c\x41\n\t"
            sentinel auth-user "my-master" 'it\'s "plain" \n'
            sentinel sentinel-pass ""
            """#)
        let master = try XCTUnwrap(config.master(named: "my-master"))
        XCTAssertEqual(master.authPass, "a\"b\\cA\n\t")
        XCTAssertEqual(master.authUser, "it's \"plain\" \\n")
        XCTAssertNil(config.sentinelPass, "an empty sentinel-pass is ignored")
    }

    func testCarriageReturnsAndIndentationAreTrimmed() throws {
        let config = try ConfigFile.parse("  port 26400 \r\n\tbind 127.0.0.1\r\n")
        XCTAssertEqual(config.port, 26400)
        XCTAssertEqual(config.bind, ["127.0.0.1"])
    }
}
