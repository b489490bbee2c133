import SentinelCore
import XCTest

/// The shortcut for commands that only read: the same replies as `execute`, nothing changed.
final class ReadOnlyAnswerTests: XCTestCase {
    static let readOnly: [[String]] = [
        ["masters"], ["PRIMARIES"], ["master", "mymaster"], ["primary", "nope"], ["replicas", "mymaster"], ["SLAVES", "nope"],
        ["sentinels", "mymaster"], ["sentinels", "nope"], ["get-master-addr-by-name", "mymaster"], ["GET-MASTER-ADDR-BY-NAME", "nope"],
        ["get-primary-addr-by-name", "mymaster"], ["myid"], ["ckquorum", "mymaster"], ["ckquorum", "nope"],
        ["info-cache", "mymaster", "nope", "mymaster"], ["pending-scripts"], ["help"],
    ]

    /// `answer(readOnly:)` is not mutating: that it changes nothing is the compiler's to check.
    func testReadOnlyAnswersAreExecutesReplies() {
        let harness = CoreHarness(replicas: [Address(host: "127.0.0.1", port: 6380)])
        for words in Self.readOnly {
            guard let answer = harness.sentinel.answer(readOnly: words, now: harness.now) else {
                XCTFail("\(words) only reads")
                continue
            }
            var executed = harness.sentinel
            let outcome = executed.execute(sentinelCommand: words, now: harness.now)
            XCTAssertEqual(answer, outcome.reply, "\(words)")
            XCTAssertEqual(outcome.effects, [], "\(words)")
        }
    }

    func testCommandsThatChangeOrPersistAreNotAnsweredAsReads() {
        let harness = CoreHarness()
        for words in [["flushconfig"], ["set", "mymaster", "quorum", "1"], ["failover", "mymaster"], ["reset", "*"],
                      ["remove", "mymaster"], ["monitor", "a", "127.0.0.1", "1", "1"], ["config", "get", "*"],
                      ["is-master-down-by-addr", "127.0.0.1", "6379", "0", "*"], ["debug"], ["simulate-failure", "help"], ["nope"]] {
            XCTAssertNil(harness.sentinel.answer(readOnly: words, now: harness.now), "\(words)")
        }
    }

    /// Names compared as bytes find what the String comparison finds, canonical equivalence included.
    func testLookUpByBytesFindsWhatTheStringLookUpFinds() {
        var config = SentinelConfig()
        config.myid = String(repeating: "a", count: 40)
        let names = ["mymaster", "\u{212A}ey", "caf\u{E9}", "a;b", "x\u{FFFD}y", "Key"]
        config.masters = names.enumerated().map { index, name in
            MasterConfig(name: name, address: Address(host: "10.0.0.\(index + 1)", port: 6379 + index), quorum: 1)
        }
        var renamed = config.masters[0]
        renamed.renamedCommands = [CommandRename(command: "CONFIG", renamed: "GUESSME")]
        config.masters[0] = renamed
        let sentinel = Sentinel(config: config, seed: 1, now: .zero)
        let queries: [[UInt8]] = [
            Array("mymaster".utf8), Array("MYMASTER".utf8), Array("Key".utf8), Array("\u{212A}ey".utf8), Array("cafe\u{301}".utf8),
            Array("caf\u{E9}".utf8), Array("a\u{37E}b".utf8), Array("a;b".utf8), [UInt8(ascii: "x"), 0xFF, UInt8(ascii: "y")],
            Array("nope".utf8), [],
        ]
        for query in queries {
            let expected = sentinel.lookUpMasterAddress(named: String(decoding: query, as: UTF8.self))
            XCTAssertEqual(query.withUnsafeBytes { sentinel.lookUpMasterAddress(utf8: $0) }, expected, "\(query)")
        }
        XCTAssertEqual(Array("Key".utf8).withUnsafeBytes { sentinel.lookUpMasterAddress(utf8: $0) }?.host, "10.0.0.2",
                       "an ASCII K is the Kelvin sign to a Swift String: the first such master wins, as before")
        XCTAssertEqual(Array("mymaster".utf8).withUnsafeBytes { sentinel.lookUpMasterAddress(utf8: $0) },
                       Address(host: "10.0.0.1", port: 6379), "a master's rename-command does not touch lookups")
    }
}
