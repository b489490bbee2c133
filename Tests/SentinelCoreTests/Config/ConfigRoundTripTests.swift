import SentinelCore
import XCTest

/// Property: whatever strings a config holds, the rewrite reads back as the same config, and no
/// value can add a line of its own. Seeded, so a failure replays.
final class ConfigRoundTripTests: XCTestCase {
    /// A string of random Unicode scalars: mostly U+0000-U+00FF (every control byte, quotes,
    /// backslashes, spaces, CR, LF, NUL), sometimes any scalar, so every byte valid UTF-8 can hold
    /// appears in the encoded text.
    func randomString(_ random: inout SplitMix64, length: Int, allowed: (Unicode.Scalar) -> Bool = { _ in true }) -> String {
        var scalars = String.UnicodeScalarView()
        while scalars.count < length {
            let value: UInt32
            switch random.below(8) {
            case 0: value = UInt32(random.below(0x11_0000))
            case 1: value = UInt32(0x80 + random.below(0x800 - 0x80))
            default: value = UInt32(random.below(256))
            }
            guard let scalar = Unicode.Scalar(value), allowed(scalar) else { continue }
            scalars.append(scalar)
        }
        return String(scalars)
    }

    func randomIP(_ random: inout SplitMix64) -> String {
        (0..<4).map { _ in String(random.below(256)) }.joined(separator: ".")
    }

    func randomConfig(_ random: inout SplitMix64, bytesSeen: inout Set<UInt8>) -> SentinelConfig {
        func text(_ random: inout SplitMix64, _ allowed: @escaping (Unicode.Scalar) -> Bool = { _ in true }) -> String {
            let value = randomString(&random, length: 1 + Int(random.below(24)), allowed: allowed)
            bytesSeen.formUnion(value.utf8)
            return value
        }
        // Master names refuse spaces, commas and control characters (ValueRules.isMasterName).
        let nameScalar: (Unicode.Scalar) -> Bool = { $0.value > 32 && $0.value != 127 && $0 != "," }
        var config = SentinelConfig()
        config.myid = random.hexIdentifier()
        config.requirepass = text(&random)
        config.announceIP = text(&random)
        config.sentinelUser = text(&random)
        config.sentinelPass = text(&random)
        for index in 0..<(1 + Int(random.below(3))) {
            var master = MasterConfig(name: text(&random, nameScalar) + "\(index)",
                                      address: Address(host: randomIP(&random), port: 1 + Int(random.below(65535))),
                                      quorum: 1 + Int(random.below(5)))
            master.authPass = text(&random)
            master.authUser = text(&random)
            master.notificationScript = text(&random)
            master.clientReconfigScript = text(&random)
            master.configEpoch = random.below(CoreLimits.maxEpoch)
            master.leaderEpoch = random.below(CoreLimits.maxEpoch)
            master.knownReplicas = [Address(host: randomIP(&random), port: 1 + Int(random.below(65535)))]
            master.knownSentinels = [KnownSentinel(address: Address(host: randomIP(&random), port: 26379), runID: random.hexIdentifier())]
            master.renamedCommands = [CommandRename(command: "c\(index)" + text(&random), renamed: text(&random))]
            config.masters.append(master)
            config.currentEpoch = max(config.currentEpoch, master.configEpoch)
        }
        return config
    }

    func testRewriteOfRandomStringsParsesBackToTheSameConfig() throws {
        var random = SplitMix64(seed: 20_261_203)
        var bytesSeen: Set<UInt8> = []
        for round in 0..<300 {
            let config = randomConfig(&random, bytesSeen: &bytesSeen)
            let text = ConfigFile.rewrite(existing: "", with: config)
            let parsed: SentinelConfig
            do {
                parsed = try ConfigFile.parse(text)
            } catch {
                return XCTFail("round \(round): the rewrite does not parse: \(error)\n\(text)")
            }
            XCTAssertEqual(parsed, config, "round \(round)\n\(text)")
            // One line per value: nothing a value holds starts a line of its own.
            let lines = text.split(separator: "\n").filter { !$0.isEmpty && !$0.hasPrefix("#") }
            XCTAssertTrue(lines.allSatisfy { $0.hasPrefix("sentinel ") || ["port", "protected-mode", "requirepass", "latency-tracking-info-percentiles", "user"].contains($0.split(separator: " ").first.map(String.init) ?? "") },
                          "round \(round): an unexpected line\n\(text)")
        }
        // Every byte valid UTF-8 holds (all but C0, C1 and F5-FF) went through the rewrite.
        let possible = Set((0...255).map(UInt8.init)).subtracting([0xC0, 0xC1]).subtracting((0xF5...0xFF).map(UInt8.init))
        XCTAssertEqual(possible.subtracting(bytesSeen), [])
    }

    /// Found by the config fuzzer: the percentiles are one value (the last line's), written back where
    /// the first line was; the parse kept it at the last non-default line, so the second parse put
    /// it before a `hz` line it had followed.
    func testPercentilesKeepTheirFirstLinesPlaceWhenThatLineHadTheDefault() throws {
        let text = """
            hz 10
            latency-tracking-info-percentiles 50 99 99.9
            hz 11
            latency-tracking-info-percentiles 00 99 99.9
            hz 12

            """
        let first = try ConfigFile.parse(text)
        XCTAssertEqual(first.otherDirectives.map(\.key), ["hz", "latency-tracking-info-percentiles", "hz", "hz"])
        XCTAssertEqual(first.otherDirectives[1].arguments, ["00", "99", "99.9"])
        let rewritten = ConfigFile.rewrite(existing: text, with: first)
        XCTAssertEqual(try ConfigFile.parse(rewritten), first)
        XCTAssertEqual(try ConfigFile.parse("latency-tracking-info-percentiles 1 2\nlatency-tracking-info-percentiles 50 99 99.9\n").otherDirectives, [],
                       "a last line with the default leaves nothing to keep")
    }

    func testRewriteOfARewriteIsUnchanged() throws {
        var random = SplitMix64(seed: 7)
        var bytesSeen: Set<UInt8> = []
        for _ in 0..<50 {
            let config = randomConfig(&random, bytesSeen: &bytesSeen)
            let first = ConfigFile.rewrite(existing: "", with: config)
            XCTAssertEqual(ConfigFile.rewrite(existing: first, with: try ConfigFile.parse(first)), first)
        }
    }

    func testPasswordWithANewlineStaysOnItsLine() throws {
        var config = SentinelConfig()
        config.myid = String(repeating: "a", count: 40)
        var master = MasterConfig(name: "mymaster", address: Address(host: "127.0.0.1", port: 6379), quorum: 2)
        master.authPass = "x\nuser evil on nopass +@all"
        master.authUser = "u v"
        master.renamedCommands = [CommandRename(command: "CONFIG", renamed: "a\r\nsentinel myid 0")]
        config.masters = [master]
        let text = ConfigFile.rewrite(existing: "", with: config)
        XCTAssertTrue(text.contains("sentinel auth-pass mymaster \"x\\nuser evil on nopass +@all\"\n"), text)
        XCTAssertTrue(text.contains("sentinel auth-user mymaster \"u v\"\n"), text)
        XCTAssertFalse(text.split(separator: "\n").contains { $0.hasPrefix("user evil") || $0.hasPrefix("sentinel myid 0") }, text)
        XCTAssertEqual(try ConfigFile.parse(text), config)
    }

    /// Found by the config fuzzer: a file listing the master's own address as a known replica
    /// loaded with it, while the rewrite (rightly) dropped it, so the file changed meaning on rewrite.
    func testKnownReplicaAtTheMastersOwnAddressIsDroppedOnLoad() throws {
        let text = """
            port 26379
            sentinel monitor m 127.0.0.1 6380 1
            sentinel known-slave m 127.0.0.1 6380
            sentinel known-replica m 127.0.0.1 6381

            """
        let parsed = try ConfigFile.parse(text)
        XCTAssertEqual(parsed.masters[0].knownReplicas, [Address(host: "127.0.0.1", port: 6381)])
        XCTAssertEqual(try ConfigFile.parse(ConfigFile.rewrite(existing: text, with: parsed)), parsed)
    }

    /// Found by the config fuzzer: a line of a space and two CRs was skipped by the parser but written
    /// back as "# ??? " with a CR, which the next rewrite dropped; a comment ending in two CRs kept one.
    func testLinesEndingInSeveralCarriageReturnsRewriteStably() throws {
        for text in [" \n \n  \n \n \r\r", "# comment\r\r\nport 26380\r\r\n", "\u{0B}\nport 26380\n"] {
            let parsed = try ConfigFile.parse(text)
            let first = ConfigFile.rewrite(existing: text, with: parsed)
            XCTAssertFalse(first.contains("# ???"), first)
            XCTAssertFalse(first.contains("\r"), first)
            XCTAssertEqual(try ConfigFile.parse(first), parsed)
            XCTAssertEqual(ConfigFile.rewrite(existing: first, with: parsed), first)
        }
    }
}
