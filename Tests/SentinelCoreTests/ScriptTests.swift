import SentinelCore
import XCTest

final class ScriptTests: XCTestCase {
    private func harnessWithNotificationScript() -> CoreHarness {
        var harness = CoreHarness()
        _ = harness.command("CONFIG", "SET", "loglevel", "notice")
        harness.sentinel.environment = SentinelEnvironment(isExecutable: { $0 == "/usr/local/bin/notify" })
        return harness
    }

    func testScriptsCannotBeSetWhileDeniedAndMustBeExecutable() {
        var harness = harnessWithNotificationScript()
        XCTAssertEqual(harness.command("SET", "mymaster", "notification-script", "/usr/local/bin/notify").reply,
                       .error("ERR Reconfiguration of scripts path is denied for security reasons. Check the deny-scripts-reconfig configuration directive in your Sentinel configuration"))
        var config = SentinelConfig()
        config.denyScriptsReconfig = false
        config.masters = [MasterConfig(name: "mymaster", address: Address(host: "127.0.0.1", port: 6379), quorum: 1)]
        harness.sentinel = Sentinel(config: config, seed: 1, now: harness.now)
        harness.sentinel.environment = SentinelEnvironment(isExecutable: { $0 == "/usr/local/bin/notify" })
        XCTAssertEqual(harness.command("SET", "mymaster", "client-reconfig-script", "/nope").reply,
                       .error("ERR Client reconfiguration script seems non existing or non executable"))
        XCTAssertEqual(harness.command("SET", "mymaster", "notification-script", "/usr/local/bin/notify").reply, .ok)
    }

    func testWarningEventsRunTheNotificationScriptAndFailuresAreRetried() {
        var config = SentinelConfig()
        var master = MasterConfig(name: "mymaster", address: Address(host: "127.0.0.1", port: 6379), quorum: 1)
        master.notificationScript = "/usr/local/bin/notify"
        config.masters = [master]
        var sentinel = Sentinel(config: config, seed: 1, now: .zero)
        let effects = sentinel.start(now: .zero)
        let runs = effects.compactMap { effect -> (Int, [String])? in
            if case .runScript(let id, let arguments) = effect { return (id, arguments) }
            return nil
        }
        XCTAssertEqual(runs.map(\.1), [["/usr/local/bin/notify", "+monitor", "master mymaster 127.0.0.1 6379 quorum 1"]])
        let id = runs[0].0
        _ = sentinel.handle(.scriptStarted(id: id, pid: 4242), now: .zero)
        XCTAssertEqual(sentinel.infoSentinelLines(now: .zero)[3], "sentinel_running_scripts:1")
        XCTAssertEqual(sentinel.handle(.scriptFinished(id: id, exitCode: 1, signal: 0), now: Instant(milliseconds: 10)), [])
        guard case .array(let pending) = sentinel.execute(sentinelCommand: ["PENDING-SCRIPTS"], now: Instant(milliseconds: 10)).reply
        else { return XCTFail("not an array") }
        XCTAssertEqual(pending.count, 1)
        XCTAssertEqual(pending[0].field("flags"), "scheduled")
        XCTAssertEqual(pending[0].field("run-delay"), "30000", "the first retry waits the retry delay")
        let retried = sentinel.tick(now: Instant(milliseconds: 30_010))
        XCTAssertTrue(retried.contains(.runScript(id: id, arguments: runs[0].1)))
        _ = sentinel.handle(.scriptStarted(id: id, pid: 4243), now: Instant(milliseconds: 30_010))
        let failed = sentinel.handle(.scriptFinished(id: id, exitCode: 2, signal: 0), now: Instant(milliseconds: 30_020))
        XCTAssertTrue(failed.contains(.emit(.scriptError(path: "/usr/local/bin/notify", signal: 0, exitCode: 2))))
    }

    func testOverdueScriptIsKilled() {
        var config = SentinelConfig()
        var master = MasterConfig(name: "m", address: Address(host: "127.0.0.1", port: 1), quorum: 1)
        master.notificationScript = "/bin/slow"
        config.masters = [master]
        var sentinel = Sentinel(config: config, seed: 1, now: .zero)
        guard case .runScript(let id, _)? = sentinel.start(now: .zero).first(where: { if case .runScript = $0 { return true } else { return false } })
        else { return XCTFail("no script run") }
        _ = sentinel.handle(.scriptStarted(id: id, pid: 99), now: .zero)
        let effects = sentinel.tick(now: Instant(milliseconds: 60_001))
        XCTAssertTrue(effects.contains(.killScript(pid: 99)))
        XCTAssertTrue(effects.contains(.emit(.scriptTimeout(path: "/bin/slow", pid: 99))))
    }
    private static let notify = "/usr/local/bin/notify"

    /// A started sentinel whose master (with a replica not heard from yet) has a notification script.
    private func sentinelWithNotificationScript() -> Sentinel {
        var config = SentinelConfig()
        var master = MasterConfig(name: "mymaster", address: Address(host: "127.0.0.1", port: 6379), quorum: 1)
        master.notificationScript = Self.notify
        master.knownReplicas = [Address(host: "127.0.0.1", port: 6380)]
        config.masters = [master]
        config.myid = String(repeating: "a", count: 40)
        var sentinel = Sentinel(config: config, seed: 1, now: .zero)
        _ = sentinel.start(now: .zero)
        return sentinel
    }

    private func scriptRuns(_ effects: [Effect]) -> [[String]] {
        effects.compactMap { effect in
            if case .runScript(_, let arguments) = effect { return arguments }
            return nil
        }
    }

    func testVotingRunsTheMastersScriptForTheNewEpochAndTheVote() {
        var sentinel = sentinelWithNotificationScript()
        let peer = String(repeating: "b", count: 40)
        let outcome = sentinel.execute(sentinelCommand: ["IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "6379", "3", peer], now: .zero)
        XCTAssertEqual(scriptRuns(outcome.effects), [[Self.notify, "+new-epoch", "3"], [Self.notify, "+vote-for-leader", "\(peer) 3"]])
    }

    func testStartingAFailoverRunsTheScriptForTheNewEpoch() {
        var sentinel = sentinelWithNotificationScript()
        let outcome = sentinel.execute(sentinelCommand: ["FAILOVER", "mymaster"], now: .zero)
        XCTAssertEqual(outcome.reply, .ok)
        XCTAssertEqual(scriptRuns(outcome.effects), [[Self.notify, "+new-epoch", "1"], [Self.notify, "+try-failover", "master mymaster 127.0.0.1 6379"]])
    }

    func testAHelloWithANewerEpochRunsTheScriptOfItsMaster() {
        var sentinel = sentinelWithNotificationScript()
        let peer = String(repeating: "b", count: 40)
        let effects = sentinel.receiveHello("127.0.0.1,26380,\(peer),5,mymaster,127.0.0.1,6379,0", now: .zero)
        XCTAssertTrue(scriptRuns(effects).contains([Self.notify, "+new-epoch", "5"]), "\(scriptRuns(effects))")
    }

    func testRemovingAMasterRunsItsScriptForMinusMonitor() {
        var sentinel = sentinelWithNotificationScript()
        let outcome = sentinel.execute(sentinelCommand: ["REMOVE", "mymaster"], now: .zero)
        XCTAssertEqual(scriptRuns(outcome.effects), [[Self.notify, "-monitor", "master mymaster 127.0.0.1 6379"]])
    }

    func testTiltAndNoticesRunNoScript() {
        var sentinel = sentinelWithNotificationScript()
        _ = sentinel.tick(now: Instant(milliseconds: 100))
        let jumped = sentinel.tick(now: Instant(milliseconds: 10_100))
        XCTAssertTrue(jumped.contains(.emit(.tiltEntered)))
        XCTAssertFalse(scriptRuns(jumped).contains { $0[1] == "+tilt" })
        let peer = String(repeating: "b", count: 40)
        let found = sentinel.receiveHello("127.0.0.1,26380,\(peer),0,mymaster,127.0.0.1,6379,0", now: Instant(milliseconds: 10_100))
        XCTAssertTrue(found.contains { if case .emit(.sentinelAdded) = $0 { true } else { false } })
        XCTAssertEqual(scriptRuns(found), [], "+sentinel is a notice")
    }
}
