import SentinelCore
import XCTest

/// `vigil-promotion-max-lag-bytes` and `vigil-promotion-catch-up-ms`: a failover does not promote a
/// replica further behind the master's last reported offset, and waits a bounded time for one.
extension FailoverTests {
    func boundedSetup(bytes: Int64, catchUp: Int64, masterOffset: Int64, replicaOffsets: [Int: Int64], priorities: [Int: Int] = [:]) -> Setup {
        var setup = makeSetup(replicaOffsets: replicaOffsets, priorities: priorities)
        XCTAssertEqual(setup.harness.command("SET", "mymaster", "vigil-promotion-max-lag-bytes", String(bytes),
                                             "vigil-promotion-catch-up-ms", String(catchUp)).reply, .ok)
        setup.harness.handle(.replyReceived(setup.master, .info, .string("role:master\r\nmaster_repl_offset:\(masterOffset)\r\n")))
        return setup
    }

    var votesForAnyone: ([String]) -> RedisValue {
        { words in .array([.integer(1), .string(words[5]), .integer(Int64(words[4])!)]) }
    }

    func testPromotionBoundRefusesReplicasTooFarBehindAndSaysHowFar() {
        var setup = boundedSetup(bytes: 500, catchUp: 0, masterOffset: 1_000, replicaOffsets: [6380: 100, 6381: 50])
        let info = [6380: replicaInfo(offset: 100), 6381: replicaInfo(offset: 50)]
        run(&setup, steps: 80, replicaInfo: info, peerReply: votesForAnyone)
        XCTAssertEqual(setup.harness.events("-failover-abort-replicas-behind").first?.message,
                       "slave 127.0.0.1:6380 127.0.0.1 6380 @ mymaster 127.0.0.1 6379 behind 900 bound 500")
        XCTAssertTrue(setup.harness.events("+selected-slave").isEmpty)
        XCTAssertTrue(setup.harness.effects.contains { effect in
            if case .log(.warning, let text) = effect { return text.contains("Refusing to promote a replica of 'mymaster'") }
            return false
        })
    }

    func testPromotionBoundWaitsForAReplicaToCatchUp() {
        var setup = boundedSetup(bytes: 500, catchUp: 3_000, masterOffset: 1_000, replicaOffsets: [6380: 100, 6381: 50])
        var info = [6380: replicaInfo(offset: 100), 6381: replicaInfo(offset: 50)]
        for _ in 0..<200 where setup.harness.events("+selected-slave").isEmpty {
            if !setup.harness.events("+failover-state-select-slave").isEmpty { info[6381] = replicaInfo(offset: 990) }
            run(&setup, steps: 1, replicaInfo: info, peerReply: votesForAnyone)
        }
        XCTAssertTrue(setup.harness.events("-failover-abort-replicas-behind").isEmpty)
        XCTAssertEqual(setup.harness.events("+selected-slave").first?.message, "slave 127.0.0.1:6381 127.0.0.1 6381 @ mymaster 127.0.0.1 6379")
    }

    func testPromotionBoundPrefersAReplicaWithinItOverABetterPriority() {
        var setup = boundedSetup(bytes: 500, catchUp: 0, masterOffset: 1_000, replicaOffsets: [6380: 100, 6381: 900], priorities: [6380: 10])
        let info = [6380: replicaInfo(offset: 100, priority: 10), 6381: replicaInfo(offset: 900)]
        for _ in 0..<200 where setup.harness.events("+selected-slave").isEmpty {
            run(&setup, steps: 1, replicaInfo: info, peerReply: votesForAnyone)
        }
        XCTAssertEqual(setup.harness.events("+selected-slave").first?.message, "slave 127.0.0.1:6381 127.0.0.1 6381 @ mymaster 127.0.0.1 6379")
    }

    func testPromotionBoundRefusesAReplicaNotHeardFromSinceItReconnected() {
        var setup = boundedSetup(bytes: 1_000_000, catchUp: 0, masterOffset: 1_000, replicaOffsets: [6380: 1_000, 6381: 1_000])
        // Both replicas restarted: their links drop and come back, and they do not answer INFO on the new ones.
        for id in setup.replicas.values { setup.harness.handle(.linkClosed(id, reason: "connection reset")) }
        for _ in 0..<120 where setup.harness.events("-failover-abort-replicas-behind").isEmpty {
            setup.harness.advance(50)
            let produced = setup.harness.tick()
            answer(&setup, produced, replicaInfo: nil, peerReply: votesForAnyone)
            _ = setup.harness.connectRequestedLinks(produced)
        }
        XCTAssertEqual(setup.harness.events("-failover-abort-replicas-behind").count, 1)
        XCTAssertTrue(setup.harness.events("+selected-slave").isEmpty)
        XCTAssertTrue(setup.harness.effects.contains { effect in
            if case .log(.warning, let text) = effect { return text.contains("has not reported its offset since it reconnected") }
            return false
        })
    }

    func testPromotionBoundReadsTheMastersInfoEverySecond() {
        var setup = boundedSetup(bytes: 4_096, catchUp: 0, masterOffset: 1_000, replicaOffsets: [6380: 1_000])
        var asked = 0
        for _ in 0..<50 {
            setup.harness.advance(100)
            for case .send(let id, _, .info) in setup.harness.tick() where id == setup.master {
                asked += 1
                setup.harness.handle(.replyReceived(id, .info, .string("role:master\r\nmaster_repl_offset:1000\r\n")))
            }
        }
        XCTAssertGreaterThanOrEqual(asked, 4, "INFO to the master about every second over five seconds")
    }

    func testPromotionBoundOffChangesNothing() {
        var setup = makeSetup(replicaOffsets: [6380: 100, 6381: 50])
        setup.harness.handle(.replyReceived(setup.master, .info, .string("role:master\r\nmaster_repl_offset:1000000\r\n")))
        let info = [6380: replicaInfo(offset: 100), 6381: replicaInfo(offset: 50)]
        for _ in 0..<200 where setup.harness.events("+selected-slave").isEmpty {
            run(&setup, steps: 1, replicaInfo: info, peerReply: votesForAnyone)
        }
        XCTAssertEqual(setup.harness.events("+selected-slave").count, 1)
    }

    func testPromotionBoundIsSetShownRewrittenAndValidated() throws {
        var setup = makeSetup()
        XCTAssertEqual(setup.harness.command("SET", "mymaster", "vigil-promotion-max-lag-bytes", "-1").reply,
                       .error("ERR Invalid argument '-1' for SENTINEL SET 'vigil-promotion-max-lag-bytes'"))
        XCTAssertEqual(setup.harness.command("SET", "mymaster", "vigil-promotion-max-lag-bytes", "4096", "vigil-promotion-catch-up-ms", "2000").reply, .ok)
        let config = setup.harness.sentinel.currentConfig()
        XCTAssertEqual(config.masters[0].promotionMaxLagBytes, 4_096)
        XCTAssertEqual(config.masters[0].promotionCatchUpMilliseconds, 2_000)
        let rewritten = ConfigFile.rewrite(existing: "port 26379\n", with: config)
        XCTAssertTrue(rewritten.contains("sentinel vigil-promotion-max-lag-bytes mymaster 4096\n"), rewritten)
        XCTAssertTrue(rewritten.contains("sentinel vigil-promotion-catch-up-ms mymaster 2000\n"), rewritten)
        XCTAssertEqual(try ConfigFile.parse(rewritten).masters[0].promotionMaxLagBytes, 4_096)
        XCTAssertFalse(ConfigFile.rewrite(existing: "port 26379\n", with: makeSetup().harness.sentinel.currentConfig()).contains("vigil-promotion"))
        XCTAssertThrowsError(try ConfigFile.parse("sentinel monitor mymaster 127.0.0.1 6379 2\nsentinel vigil-promotion-max-lag-bytes mymaster x\n"))
    }
}
