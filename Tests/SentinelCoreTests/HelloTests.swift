@testable import SentinelCore
import XCTest

final class HelloTests: XCTestCase {
    let peerA = String(repeating: "b", count: 40)
    let peerB = String(repeating: "c", count: 40)

    func hello(_ runID: String, port: Int = 26380, epoch: Int64 = 0, master: String = "127.0.0.1,6379", configEpoch: Int64 = 0) -> String {
        "127.0.0.1,\(port),\(runID),\(epoch),mymaster,\(master),\(configEpoch)"
    }

    func testHelloAddsPeerPersistsAndAnnounces() {
        var harness = CoreHarness()
        let effects = harness.sentinel.receiveHello(hello(peerA), now: harness.now)
        XCTAssertTrue(effects.contains(.persistConfig))
        harness.effects = effects
        XCTAssertEqual(harness.events("+sentinel").map(\.message),
                       ["sentinel \(peerA) 127.0.0.1 26380 @ mymaster 127.0.0.1 6379"])
        guard case .array(let peers) = harness.command("SENTINELS", "mymaster").reply else { return XCTFail("not an array") }
        XCTAssertEqual(peers.count, 1)
        XCTAssertEqual(peers[0].field("name"), peerA)
        XCTAssertEqual(harness.sentinel.currentConfig().masters[0].knownSentinels,
                       [KnownSentinel(address: Address(host: "127.0.0.1", port: 26380), runID: peerA)])
    }

    func testOwnHelloAndMalformedHellosAreIgnored() {
        var harness = CoreHarness()
        let mine = String(repeating: "a", count: 40)
        XCTAssertEqual(harness.sentinel.receiveHello(hello(mine), now: harness.now), [])
        XCTAssertEqual(harness.sentinel.receiveHello("1,2,3", now: harness.now), [])
        XCTAssertEqual(harness.sentinel.receiveHello("127.0.0.1,x,\(peerA),0,mymaster,127.0.0.1,6379,0", now: harness.now), [])
        XCTAssertEqual(harness.sentinel.receiveHello("127.0.0.1,26380,\(peerA),0,other,127.0.0.1,6379,0", now: harness.now), [])
        XCTAssertEqual(harness.command("MASTER", "mymaster").reply.field("num-other-sentinels"), "0")
    }

    /// Our own hellos are told apart by the sender field alone, compared where it lies: a peer whose id
    /// differs from ours in its last character is a peer, and a field that only starts with our id
    /// (or a payload too short to have a sender) is not ours.
    func testOnlyTheSenderFieldEqualToOurIDMarksAHelloAsOurs() {
        var harness = CoreHarness()
        let mine = String(repeating: "a", count: 40)
        XCTAssertFalse(harness.sentinel.helloMayPersist(hello(mine)))
        let nearlyMine = String(repeating: "a", count: 39) + "b"
        XCTAssertTrue(harness.sentinel.helloMayPersist(hello(nearlyMine)))
        XCTAssertFalse(harness.sentinel.helloMayPersist(hello(mine + "a")), "too long to be a run id: not parsed either")
        XCTAssertFalse(harness.sentinel.helloMayPersist("127.0.0.1,26380"))
        XCTAssertFalse(harness.sentinel.receiveHello(hello(nearlyMine), now: harness.now).isEmpty)
        XCTAssertEqual(harness.command("MASTER", "mymaster").reply.field("num-other-sentinels"), "1")
    }

    /// The hello is read in place, field by field: its numbers as `Int(_:)` reads them (a sign, then
    /// digits, nothing on overflow), and exactly eight fields, an empty one counting as a field.
    func testHelloFieldsAreReadAsIntReadsNumbersAndExactlyEightAreTaken() {
        for text in ["0", "7", "+26380", "-1", "0026380", "", "+", "-", "26 380", "2638O", "99999999999999999999", "-9223372036854775808", "9223372036854775807", "١٢"] {
            var bytes = text
            XCTAssertEqual(bytes.withUTF8 { Hello.decimal(UnsafeRawBufferPointer($0)) }, Int(text), text)
        }
        let parsed = Hello.parse("127.0.0.1,+26380,\(peerA),+3,mymaster,127.0.0.1,6379,2")
        XCTAssertEqual(parsed?.sentinel, Address(host: "127.0.0.1", port: 26380))
        XCTAssertEqual(parsed?.runID, peerA)
        XCTAssertEqual(parsed?.currentEpoch, 3)
        XCTAssertEqual(parsed?.masterName, "mymaster")
        XCTAssertEqual(parsed?.master, Address(host: "127.0.0.1", port: 6379))
        XCTAssertEqual(parsed?.masterConfigEpoch, 2)
        XCTAssertNil(Hello.parse(hello(peerA) + ","), "nine fields, the last empty")
        XCTAssertNil(Hello.parse(hello(peerA) + ",1"), "nine fields")
        XCTAssertNil(Hello.parse("127.0.0.1,26380,\(peerA),0,mymaster,127.0.0.1,6379"), "seven fields")
        XCTAssertNil(Hello.parse("127.0.0.1,26380,\(peerA),0,mymaster,127.0.0.1,6379,"), "an empty eighth field")
        XCTAssertNil(Hello.parse(hello(peerA, epoch: CoreLimits.maxEpoch + 1)), "an epoch past the limit")
        XCTAssertEqual(Hello.parse("127.0.0.1,26380,\(peerA),0,mästér,127.0.0.1,6379,0")?.masterName, "mästér")
    }

    /// A known peer's hello that brings nothing new is noted without being built (`quietHelloSender`);
    /// that shortcut must agree with the full reading on every variant of each field: whenever it
    /// takes a hello, the hello parses, names the master and the peer it found, and carries no newer
    /// epoch, and the state it leaves is the full path's.
    func testTheShortcutForAKnownPeersHelloAgreesWithTheFullReading() {
        var harness = CoreHarness()
        _ = harness.sentinel.receiveHello(hello(peerA, epoch: 2, configEpoch: 1), now: harness.now)
        XCTAssertNotNil(harness.sentinel.quietHelloSender(hello(peerA, epoch: 2, configEpoch: 1)), "the plain case takes the shortcut")
        XCTAssertNotNil(harness.sentinel.quietHelloSender(hello(peerA, epoch: 1, configEpoch: 0)))
        let fieldVariants: [[String]] = [
            ["127.0.0.1", "127.0.0.2", "", "localhost", "LOCALHOST", "127.0.0.1 ", "::1", "999.0.0.1"],
            ["26380", "+26380", "026380", "-26380", "", "26381", "0", "65536", "x"],
            [peerA, peerA.uppercased(), peerB, String(peerA.dropLast()), peerA + "b", String(repeating: "a", count: 40), ""],
            ["2", "0", "+1", "-1", "3", "", "x", "9007199254740992"],
            ["mymaster", "MYMASTER", "other", "", "my master"],
            ["127.0.0.1", "", "host name", "::1", "1.2.3"],
            ["6379", "+6379", "0", "-1", "65536", ""],
            ["1", "0", "+1", "-1", "2", "", "x"],
        ]
        let base = ["127.0.0.1", "26380", peerA, "2", "mymaster", "127.0.0.1", "6379", "1"]
        var checked = 0
        for (field, variants) in fieldVariants.enumerated() {
            for variant in variants {
                var fields = base
                fields[field] = variant
                let payload = fields.joined(separator: ",")
                checked += 1
                guard let (m, s) = harness.sentinel.quietHelloSender(payload) else { continue }
                guard let parsed = Hello.parse(payload) else { return XCTFail("taken but does not parse: \(payload)") }
                XCTAssertEqual(harness.sentinel.masters[m].name, parsed.masterName, payload)
                XCTAssertEqual(harness.sentinel.masters[m].sentinels[s].instance.runID, parsed.runID, payload)
                XCTAssertTrue(harness.sentinel.masters[m].sentinels[s].instance.address.sameAs(parsed.sentinel), payload)
                XCTAssertLessThanOrEqual(max(parsed.currentEpoch, parsed.masterConfigEpoch), harness.sentinel.currentEpoch, payload)
                XCTAssertLessThanOrEqual(parsed.masterConfigEpoch, harness.sentinel.masters[m].settings.configEpoch, payload)
                XCTAssertFalse(harness.sentinel.helloMayPersist(payload), payload)
            }
        }
        XCTAssertEqual(checked, fieldVariants.map(\.count).reduce(0, +))
        // What the shortcut leaves is the full path's: only the peer's hello time moves.
        harness.advance(100)
        let before = harness.sentinel.masters[0]
        XCTAssertEqual(harness.sentinel.receiveHello(hello(peerA, epoch: 2, configEpoch: 1), now: harness.now), [])
        var expected = before
        expected.sentinels[0].lastHello = harness.now
        XCTAssertEqual(harness.sentinel.masters[0], expected)
    }

    func testPeerRestartedWithNewIDAtSameAddressReplacesOldEntry() {
        var harness = CoreHarness()
        _ = harness.sentinel.receiveHello(hello(peerA), now: harness.now)
        harness.effects = harness.sentinel.receiveHello(hello(peerB), now: harness.now)
        XCTAssertEqual(harness.command("MASTER", "mymaster").reply.field("num-other-sentinels"), "1")
        XCTAssertEqual(harness.sentinel.masters[0].sentinels.map(\.instance.runID), [peerB])
        XCTAssertEqual(harness.events("+sentinel-invalid-addr").count, 1)
        XCTAssertTrue(harness.events("+sentinel").isEmpty, "a replacement is not announced as a new sentinel")
    }

    func testPeerAtNewAddressIsSwitched() {
        var harness = CoreHarness()
        _ = harness.sentinel.receiveHello(hello(peerA), now: harness.now)
        harness.effects = harness.sentinel.receiveHello(hello(peerA, port: 26390), now: harness.now)
        XCTAssertEqual(harness.sentinel.masters[0].sentinels.map(\.instance.address.port), [26390])
        XCTAssertEqual(harness.events("+sentinel-address-switch").map(\.message),
                       ["master mymaster 127.0.0.1 6379 ip 127.0.0.1 port 26390 for \(peerA)"])
    }

    func testHigherEpochIsAdoptedAndPersistedBeforeAnnounced() {
        var harness = CoreHarness()
        let effects = harness.sentinel.receiveHello(hello(peerA, epoch: 5), now: harness.now)
        XCTAssertEqual(harness.sentinel.currentEpoch, 5)
        let persist = effects.firstIndex(of: .persistConfig)!
        let announce = effects.firstIndex(of: .emit(.newEpoch(master: "mymaster", epoch: 5)))!
        XCTAssertLessThan(persist, announce)
        _ = harness.sentinel.receiveHello(hello(peerA, epoch: 3), now: harness.now)
        XCTAssertEqual(harness.sentinel.currentEpoch, 5, "epochs never go backwards")
    }

    func testNewerConfigurationSwitchesMasterAndKeepsOldMasterAsReplica() {
        var harness = CoreHarness(replicas: [Address(host: "127.0.0.1", port: 6380)])
        harness.effects = harness.sentinel.receiveHello(hello(peerA, epoch: 1, master: "127.0.0.1,6380", configEpoch: 1), now: harness.now)
        XCTAssertEqual(harness.events("+switch-master").map(\.message), ["mymaster 127.0.0.1 6379 127.0.0.1 6380"])
        XCTAssertEqual(harness.events("+config-update-from").count, 1)
        XCTAssertEqual(harness.command("GET-MASTER-ADDR-BY-NAME", "mymaster").reply, .array([.bulk("127.0.0.1"), .bulk("6380")]))
        XCTAssertEqual(harness.sentinel.masters[0].replicas.map(\.name), ["127.0.0.1:6379"])
        XCTAssertEqual(harness.sentinel.masters[0].sentinels.count, 1, "peers are kept across the switch")
        XCTAssertEqual(harness.sentinel.currentConfig().masters[0].configEpoch, 1)
    }
}
