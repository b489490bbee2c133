@testable import SentinelCore
import XCTest

/// One connection per peer sentinel, shared by every master that knows the peer at that address, as
/// Redis shares it (`link-refcount`): pinged and reconnected once, closed when the last master forgets it.
final class SharedPeerLinkTests: XCTestCase {
    let peer = String(repeating: "b", count: 40)
    let newcomer = String(repeating: "c", count: 40)

    /// A sentinel watching mymaster (6379) and other (7379), with `known` peers listed per master.
    private func twoMasters(known: [String: [KnownSentinel]] = [:], downAfter: Int64 = 1_000, otherDownAfter: Int64 = 1_000) -> CoreHarness {
        var harness = CoreHarness(downAfter: downAfter)
        var config = harness.sentinel.currentConfig()
        var other = MasterConfig(name: "other", address: Address(host: "127.0.0.1", port: 7379), quorum: 2)
        other.downAfterMilliseconds = otherDownAfter
        config.masters.append(other)
        for m in config.masters.indices { config.masters[m].knownSentinels = known[config.masters[m].name] ?? [] }
        harness.sentinel = Sentinel(config: config, seed: 7, now: harness.now)
        return harness
    }

    private func hello(_ runID: String, master: String, port: Int, peerPort: Int = 26380) -> String {
        "127.0.0.1,\(peerPort),\(runID),0,\(master),127.0.0.1,\(port),0"
    }

    /// Both masters learn the peer from their own hellos.
    private func learnPeerUnderBoth(_ harness: inout CoreHarness, peerPort: Int = 26380) {
        harness.effects += harness.sentinel.receiveHello(hello(peer, master: "mymaster", port: 6379, peerPort: peerPort), now: harness.now)
        harness.effects += harness.sentinel.receiveHello(hello(peer, master: "other", port: 7379, peerPort: peerPort), now: harness.now)
    }

    /// Plays the shell and every node: connects what is asked, answers every request at once.
    /// Returns the effects, the follow-ups included.
    @discardableResult
    private func perform(_ harness: inout CoreHarness, _ produced: [Effect]) -> [Effect] {
        var all = produced
        var queue = produced
        while !queue.isEmpty {
            let effect = queue.removeFirst()
            var more: [Effect] = []
            switch effect {
            case .connect(let id, _, _):
                more = harness.handle(.linkConnected(id, localHost: "127.0.0.1"))
            case .send(let id, _, let purpose):
                more = harness.handle(.replyReceived(id, purpose, CoreHarness.healthyReply(to: purpose)))
            default:
                break
            }
            all += more
            queue += more
        }
        XCTAssertEqual(harness.sentinel.peerLinkInconsistencies(), [])
        return all
    }

    private func connects(to port: Int, in effects: [Effect]) -> [LinkID] {
        effects.compactMap { effect in
            if case .connect(let id, let address, _) = effect, address.port == port { return id }
            return nil
        }
    }

    private func disconnects(_ effects: [Effect]) -> [LinkID] {
        effects.compactMap { effect in
            if case .disconnect(let id) = effect { return id }
            return nil
        }
    }

    private func peerField(_ harness: inout CoreHarness, master: String, _ field: String) -> [String] {
        guard case .array(let peers) = harness.command("SENTINELS", master).reply else { return [] }
        return peers.compactMap { $0.field(field) }
    }

    func testTwoMastersShareOneLinkToAPeerAndPingItOncePerPeriod() {
        var harness = twoMasters()
        learnPeerUnderBoth(&harness)
        let started = perform(&harness, harness.tick())
        let opened = connects(to: 26380, in: started)
        XCTAssertEqual(opened.count, 1, "one connection to the peer for both masters")
        XCTAssertEqual(peerField(&harness, master: "mymaster", "link-refcount"), ["2"])
        XCTAssertEqual(peerField(&harness, master: "other", "link-refcount"), ["2"])
        var pings = 0
        var hellos: [String: Int] = [:]
        for _ in 0..<100 {
            harness.advance(100)
            for effect in perform(&harness, harness.tick()) {
                guard case .send(let id, let words, let purpose) = effect, id == opened.first else { continue }
                if purpose == .ping { pings += 1 }
                if case .publishHello(let master) = purpose { hellos[master, default: 0] += 1 }
                _ = words
            }
        }
        // down-after is 1 s: a ping per second, shared, rather than one per master.
        XCTAssertTrue((8...11).contains(pings), "\(pings) pings in 10 s")
        // Hellos stay per master: every 2 s (a little more) for each, on the one link.
        XCTAssertEqual(hellos.keys.sorted(), ["mymaster", "other"])
        XCTAssertTrue(hellos.values.allSatisfy { (4...5).contains($0) }, "\(hellos)")
        XCTAssertEqual(peerField(&harness, master: "mymaster", "flags"), ["sentinel"])
        XCTAssertEqual(peerField(&harness, master: "other", "flags"), ["sentinel"])
    }

    func testRemovingOneMasterKeepsTheLinkAndRemovingTheLastClosesIt() {
        var harness = twoMasters()
        learnPeerUnderBoth(&harness)
        let link = connects(to: 26380, in: perform(&harness, harness.tick())).first
        XCTAssertNotNil(link)
        let first = harness.command("REMOVE", "mymaster")
        XCTAssertEqual(first.reply, .ok)
        XCTAssertFalse(disconnects(first.effects).contains(link!), "other still uses the link")
        XCTAssertEqual(peerField(&harness, master: "other", "link-refcount"), ["1"])
        XCTAssertEqual(peerField(&harness, master: "other", "flags"), ["sentinel"], "still connected")
        let last = harness.command("REMOVE", "other")
        XCTAssertTrue(disconnects(last.effects).contains(link!), "no master names the peer any more")
    }

    func testResetLetsGoOfTheMastersShareOfTheLink() {
        var harness = twoMasters()
        learnPeerUnderBoth(&harness)
        let link = connects(to: 26380, in: perform(&harness, harness.tick())).first!
        let reset = harness.command("RESET", "other")
        XCTAssertFalse(disconnects(reset.effects).contains(link))
        XCTAssertEqual(peerField(&harness, master: "mymaster", "link-refcount"), ["1"])
    }

    func testAPeerLostIsDownForEveryMasterAndReconnectedOnce() {
        var harness = twoMasters()
        learnPeerUnderBoth(&harness)
        let link = connects(to: 26380, in: perform(&harness, harness.tick())).first!
        harness.handle(.linkClosed(link, reason: "connection reset"))
        var reconnects: [LinkID] = []
        // The peer refuses every connection from now on.
        for _ in 0..<30 {
            harness.advance(100)
            let produced = harness.tick()
            let opened = connects(to: 26380, in: produced)
            reconnects += opened
            for id in opened { harness.handle(.linkClosed(id, reason: "connection refused")) }
            perform(&harness, produced.filter { if case .connect(_, let address, _) = $0 { return address.port != 26380 } else { return true } })
        }
        // A reconnect per ping period (1 s) for the link, not one per master.
        XCTAssertTrue((2...4).contains(reconnects.count), "\(reconnects.count) reconnects in 3 s")
        XCTAssertEqual(Set(reconnects).count, reconnects.count)
        XCTAssertEqual(harness.events("+sdown").filter { $0.message.hasPrefix("sentinel") }.compactMap(\.masterName).sorted(), ["mymaster", "other"])
    }

    /// A link that stops answering is closed as stuck by the visit of the entry under the master with
    /// the short down-after (half of it without a reply), while the entry under the master with a
    /// long one has nothing due and is left out of the beat: the closing visit reopens the link in
    /// the same tick, where the other entry would have reopened it only a beat later.
    func testAStuckLinkClosedByOneEntrysVisitIsReopenedInTheSameTick() {
        var harness = twoMasters(downAfter: 200, otherDownAfter: 30_000)
        learnPeerUnderBoth(&harness)
        let link = connects(to: 26380, in: perform(&harness, harness.tick())).first!
        // Connected for more than 15 s (Redis's bound before a link may be judged stuck).
        for _ in 0..<160 {
            harness.advance(100)
            perform(&harness, harness.tick())
        }
        // The peer stops answering; everything else still answers.
        var closingTick: [Effect]?
        for _ in 0..<30 where closingTick == nil {
            harness.advance(100)
            let produced = harness.tick()
            if disconnects(produced).contains(link) { closingTick = produced }
            perform(&harness, produced.filter { effect in
                switch effect {
                case .send(let id, _, _), .disconnect(let id): return id != link
                case .connect(_, let address, _): return address.port != 26380
                default: return true
                }
            })
        }
        guard let produced = closingTick else { return XCTFail("the stuck link was never closed") }
        XCTAssertEqual(connects(to: 26380, in: produced).count, 1, "reopened in the tick that closed it, once")
        XCTAssertEqual(harness.sentinel.peerLinkInconsistencies(), [])
    }

    func testNewSentinelCredentialsReopenTheSharedLinkOnceAndAuthenticateIt() {
        var harness = twoMasters()
        learnPeerUnderBoth(&harness)
        let old = connects(to: 26380, in: perform(&harness, harness.tick())).first!
        let changed = harness.command("CONFIG", "SET", "sentinel-pass", "secret")
        XCTAssertEqual(changed.reply, .ok)
        XCTAssertEqual(disconnects(changed.effects), [old])
        harness.advance(1_100)
        let reopened = perform(&harness, harness.tick())
        let opened = connects(to: 26380, in: reopened)
        XCTAssertEqual(opened.count, 1)
        let auths = reopened.filter { if case .send(opened[0], ["AUTH", "secret"], .auth) = $0 { return true } else { return false } }
        XCTAssertEqual(auths.count, 1)
        // Down for the second it was away (down-after is 1 s), up again for both masters once it answers.
        harness.advance(100)
        perform(&harness, harness.tick())
        XCTAssertEqual(peerField(&harness, master: "mymaster", "flags"), ["sentinel"])
        XCTAssertEqual(peerField(&harness, master: "other", "flags"), ["sentinel"])
    }

    func testAPeerThatMovesGetsOneNewLinkForEveryMaster() {
        var harness = twoMasters()
        learnPeerUnderBoth(&harness)
        let old = connects(to: 26380, in: perform(&harness, harness.tick())).first!
        let moved = harness.sentinel.receiveHello(hello(peer, master: "mymaster", port: 6379, peerPort: 26390), now: harness.now)
        XCTAssertTrue(disconnects(moved).contains(old), "nobody names the old address any more")
        XCTAssertEqual(peerField(&harness, master: "other", "port"), ["26390"])
        let opened = connects(to: 26390, in: perform(&harness, harness.tick()))
        XCTAssertEqual(opened.count, 1)
        XCTAssertEqual(peerField(&harness, master: "mymaster", "link-refcount"), ["2"])
    }

    func testAPeerRestartedWithANewRunIDReplacesTheOldLink() {
        var harness = twoMasters()
        learnPeerUnderBoth(&harness)
        let old = connects(to: 26380, in: perform(&harness, harness.tick())).first!
        let restarted = harness.sentinel.receiveHello(hello(newcomer, master: "mymaster", port: 6379), now: harness.now)
        XCTAssertTrue(disconnects(restarted).contains(old), "the old run id is forgotten under every master")
        XCTAssertEqual(peerField(&harness, master: "mymaster", "runid"), [newcomer])
        XCTAssertEqual(peerField(&harness, master: "other", "runid"), [])
        harness.effects += harness.sentinel.receiveHello(hello(newcomer, master: "other", port: 7379), now: harness.now)
        let opened = connects(to: 26380, in: perform(&harness, harness.tick()))
        XCTAssertEqual(opened.count, 1)
        XCTAssertEqual(peerField(&harness, master: "other", "link-refcount"), ["2"])
    }

    /// Entries of one run id at two addresses (a file written before the move reached every master)
    /// have a link each, and a reply on one link never reaches the entry that names the other
    /// address, whatever master the reply claims to be about; nor does a hello naming a new run id
    /// at a known peer's address take that peer's link.
    func testALinkServesOnlyTheEntriesNamingItsAddressAndRunID() {
        var harness = twoMasters(known: [
            "mymaster": [KnownSentinel(address: Address(host: "127.0.0.1", port: 26380), runID: peer)],
            "other": [KnownSentinel(address: Address(host: "127.0.0.1", port: 26390), runID: peer)],
        ])
        let started = perform(&harness, harness.tick())
        let toMymasters = connects(to: 26380, in: started)
        XCTAssertEqual(toMymasters.count, 1)
        XCTAssertEqual(connects(to: 26390, in: started).count, 1)
        XCTAssertEqual(peerField(&harness, master: "mymaster", "link-refcount"), ["1"])
        // A vote about `other` read on mymaster's peer link is not other's peer's answer.
        harness.handle(.replyReceived(toMymasters[0], .askMasterDown(master: "other"), .array([.integer(1), .string(newcomer), .integer(1)])))
        XCTAssertEqual(peerField(&harness, master: "other", "flags"), ["sentinel"])
        XCTAssertEqual(peerField(&harness, master: "other", "voted-leader"), ["?"])
        // A new run id announced at mymaster's peer address, under other.
        harness.effects += harness.sentinel.receiveHello(hello(newcomer, master: "other", port: 7379), now: harness.now)
        XCTAssertEqual(peerField(&harness, master: "mymaster", "runid"), [peer])
        XCTAssertEqual(peerField(&harness, master: "mymaster", "link-refcount"), ["1"])
        let opened = connects(to: 26380, in: perform(&harness, harness.tick()))
        XCTAssertEqual(opened.count, 1, "the newcomer gets its own connection")
        XCTAssertNotEqual(opened.first, toMymasters.first)
        harness.handle(.replyReceived(opened[0], .askMasterDown(master: "mymaster"), .array([.integer(1), .string(newcomer), .integer(1)])))
        XCTAssertEqual(peerField(&harness, master: "mymaster", "voted-leader"), ["?"], "the newcomer's link is not the peer's")
    }

    /// A peer's run id is learnt from each master's hellos (or config) as a string of its own; every
    /// entry then shares the table key's string, so that the beat finds the entry's link without
    /// reading its characters (`SharedPeerLinks`).
    func testEveryEntryOfAPeerSharesTheLinkTablesRunIDString() {
        var harness = twoMasters(known: [
            "mymaster": [KnownSentinel(address: Address(host: "127.0.0.1", port: 26380), runID: String(repeating: "b", count: 40))],
        ])
        harness.effects += harness.sentinel.receiveHello(hello(String(repeating: "b", count: 40), master: "other", port: 7379), now: harness.now)
        XCTAssertEqual(harness.sentinel.peerLinks.count, 1)
        let tableRunID = harness.sentinel.peerLinks.keys.first!.runID
        for master in harness.sentinel.masters {
            XCTAssertEqual(master.sentinels.count, 1)
            let runID = master.sentinels[0].instance.runID!
            XCTAssertEqual(runID, peer)
            XCTAssertTrue(Sentinel.sameStorage(runID, tableRunID), "\(master.name)'s entry keeps a string of its own")
        }
        XCTAssertFalse(Sentinel.sameStorage(String(repeating: "b", count: 40), String(repeating: "b", count: 40)))
    }

    /// The beat's search of the links (a list up to `listedAtMost` links, the table past that) judges
    /// every peer entry as the table does, with peers on links in every state.
    func testTheBeatsSearchOfPeerLinksJudgesEveryEntryAsTheTableDoes() {
        for peers in [2, SharedPeerLinks.listedAtMost + 3] {
            let runIDs = (0..<peers).map { String(Array("0123456789abcdef")[$0]).padding(toLength: 40, withPad: "e", startingAt: 0) }
            var harness = twoMasters()
            for (p, runID) in runIDs.enumerated() {
                harness.effects += harness.sentinel.receiveHello(hello(runID, master: "mymaster", port: 6379, peerPort: 26400 + p), now: harness.now)
                harness.effects += harness.sentinel.receiveHello(hello(runID, master: "other", port: 7379, peerPort: 26400 + p), now: harness.now)
            }
            XCTAssertEqual(harness.sentinel.peerLinkInconsistencies(), [])
            perform(&harness, harness.tick())
            var judged = 0
            var quiet = 0
            for step in 0..<40 {
                harness.advance(97)
                // Some links fall silent (no replies), so pings go unanswered and visits become due.
                if step % 7 == 0 { perform(&harness, harness.tick()) } else { harness.effects += harness.tick() }
                let sentinel = harness.sentinel
                let shared = SharedPeerLinks(sentinel.peerLinks)
                for m in sentinel.masters.indices {
                    for s in sentinel.masters[m].sentinels.indices {
                        let runID = sentinel.masters[m].sentinels[s].instance.runID!
                        let target = sentinel.ref(at: m, .sentinel(runID), index: s)
                        let expected = sentinel.visitIsQuiet(target, now: harness.now)
                        let found = withUnsafePointer(to: sentinel.masters[m].sentinels[s].instance) {
                            shared.peerVisitIsQuiet($0, timing: sentinel.timing, now: harness.now)
                        }
                        XCTAssertEqual(found, expected, "\(peers) peers, step \(step), \(target)")
                        judged += 1
                        if expected { quiet += 1 }
                    }
                }
            }
            XCTAssertEqual(judged, 40 * 2 * peers)
            XCTAssertTrue(quiet > 0 && quiet < judged, "\(quiet) of \(judged) quiet: both answers were tried")
        }
    }

    /// A hello names our own address on the connection it leaves by: the shared one for a peer
    /// (whose entries under each master have no connection of their own), the node's own otherwise.
    func testHellosNameOurAddressOnTheConnectionTheyLeaveBy() {
        var harness = twoMasters()
        learnPeerUnderBoth(&harness)
        var portOfLink: [LinkID: Int] = [:]
        var hellos: [Int: Set<String>] = [:]
        var queue = harness.tick()
        for _ in 0..<30 {
            while !queue.isEmpty {
                let effect = queue.removeFirst()
                switch effect {
                case .connect(let id, let address, _):
                    portOfLink[id] = address.port
                    queue += harness.handle(.linkConnected(id, localHost: address.port == 26380 ? "127.0.0.9" : "127.0.0.1"))
                case .send(let id, let words, let purpose):
                    if words.first == "PUBLISH", let port = portOfLink[id], let payload = words.last { hellos[port, default: []].insert(payload) }
                    queue += harness.handle(.replyReceived(id, purpose, CoreHarness.healthyReply(to: purpose)))
                default:
                    break
                }
            }
            harness.advance(100)
            queue = harness.tick()
        }
        let me = harness.sentinel.myID
        XCTAssertEqual(hellos[6379]?.map { $0.hasPrefix("127.0.0.1,") && $0.hasSuffix(",\(me),0,mymaster,127.0.0.1,6379,0") }, [true])
        XCTAssertEqual(hellos[7379]?.map { $0.hasPrefix("127.0.0.1,") && $0.hasSuffix(",\(me),0,other,127.0.0.1,7379,0") }, [true])
        XCTAssertEqual(hellos[26380]?.count, 2, "one hello per master on the shared link: \(hellos[26380] ?? [])")
        XCTAssertEqual(hellos[26380]?.filter { $0.hasPrefix("127.0.0.9,") }.count, 2, "\(hellos[26380] ?? [])")
    }
}
