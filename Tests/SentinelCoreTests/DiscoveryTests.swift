import SentinelCore
import XCTest

final class DiscoveryTests: XCTestCase {
    func testReplicaListedByMasterInfoIsAddedAnnouncedAndPersisted() throws {
        var harness = CoreHarness()
        let links = harness.connectRequestedLinks(harness.tick())
        let command = harness.commandLink(to: 6379, in: links)!
        harness.handle(.replyReceived(command, .info, .string(try CoreHarness.fixture("info-master-7.0.txt"))))
        XCTAssertEqual(harness.events("+slave").map(\.message),
                       ["slave 127.0.0.1:36992 127.0.0.1 36992 @ mymaster 127.0.0.1 6379"])
        XCTAssertTrue(harness.effects.contains(.persistConfig))
        let replicas = harness.command("REPLICAS", "mymaster").reply
        guard case .array(let maps) = replicas else { return XCTFail("not an array") }
        XCTAssertEqual(maps.count, 1)
        XCTAssertEqual(maps[0].field("name"), "127.0.0.1:36992")
        XCTAssertEqual(harness.sentinel.currentConfig().masters[0].knownReplicas, [Address(host: "127.0.0.1", port: 36992)])
        harness.effects.removeAll()
        harness.handle(.replyReceived(command, .info, .string(try CoreHarness.fixture("info-master-7.0.txt"))))
        XCTAssertTrue(harness.events("+slave").isEmpty, "a known replica is not announced twice")
    }

    /// INFO asks for the two sections the core reads. A node that refuses them (Redis before 7.0
    /// answers `ERR syntax error` to more than one section) is asked again at once for everything,
    /// and from then on; an error about the node's state (`LOADING`) changes nothing.
    func testInfoAsksForItsSectionsAndFallsBackToEverySectionWhenRefused() throws {
        var harness = CoreHarness()
        let links = harness.connectRequestedLinks(harness.tick())
        let command = harness.commandLink(to: 6379, in: links)!
        func infoRequests(_ effects: [Effect]) -> [[String]] {
            effects.compactMap { effect in
                if case .send(let id, let words, .info) = effect, id == command { return words }
                return nil
            }
        }
        harness.advance(11_000)
        XCTAssertEqual(infoRequests(harness.tick()), [["INFO", "server", "replication"]])
        XCTAssertTrue(infoRequests(harness.handle(.replyReceived(command, .info, .error("LOADING Redis is loading the dataset in memory")))).isEmpty)
        XCTAssertEqual(infoRequests(harness.handle(.replyReceived(command, .info, .error("ERR syntax error")))), [["INFO"]],
                       "a refusal of the sections is answered at once with a request for every section")
        harness.handle(.replyReceived(command, .info, .string(try CoreHarness.fixture("info-master-7.0.txt"))))
        XCTAssertEqual(harness.events("+slave").count, 1, "the whole INFO is read as before")
        harness.advance(11_000)
        XCTAssertEqual(infoRequests(harness.tick()), [["INFO"]], "the node keeps being asked for every section")
        XCTAssertTrue(infoRequests(harness.handle(.replyReceived(command, .info, .error("ERR syntax error")))).isEmpty,
                      "a node that refuses a whole INFO too is not asked again at once")
    }

    /// The driver takes an undo copy of the core only for inputs that may be saved: a master's INFO
    /// listing a replica it does not know yet may, the same INFO once it is known may not, nor may a
    /// replica's INFO or a closed link (with a thousand masters each copy copied every master).
    func testOnlyAnInfoNamingAnUnknownReplicaIsJudgedAbleToPersist() throws {
        var harness = CoreHarness(replicas: [Address(host: "127.0.0.1", port: 36992)])
        let links = harness.connectRequestedLinks(harness.tick())
        let masterLink = harness.commandLink(to: 6379, in: links)!
        let replicaLink = harness.commandLink(to: 36992, in: links)!
        let masterInfo = try CoreHarness.fixture("info-master-7.0.txt")
        let unknownReplica = masterInfo.replacingOccurrences(of: "port=36992", with: "port=36993")
        XCTAssertTrue(harness.sentinel.mayPersist(.replyReceived(masterLink, .info, .string(unknownReplica))))
        XCTAssertFalse(harness.sentinel.mayPersist(.replyReceived(masterLink, .info, .string(masterInfo))))
        XCTAssertFalse(harness.sentinel.mayPersist(.replyReceived(replicaLink, .info, .string(try CoreHarness.fixture("info-replica-7.0.txt")))))
        XCTAssertFalse(harness.sentinel.mayPersist(.linkClosed(replicaLink, reason: "connection closed")))
        harness.handle(.replyReceived(masterLink, .info, .string(unknownReplica)))
        XCTAssertTrue(harness.effects.contains(.persistConfig), "the reply judged able to persist did")
    }

    /// A replica's INFO changes that replica where it lies. A helper that took the replica inout
    /// while borrowing the whole core made every such reply copy its master (and, before masters
    /// were boxed, every master): with a thousand masters, a large share of the daemon's CPU.
    func testReplicaInfoChangesTheCoreInPlace() throws {
        var harness = CoreHarness(replicas: [Address(host: "127.0.0.1", port: 36992)])
        let links = harness.connectRequestedLinks(harness.tick())
        let replicaLink = harness.commandLink(to: 36992, in: links)!
        let info = try CoreHarness.fixture("info-replica-7.0.txt")
        let before = harness.sentinel.masters.storageIdentity(at: 0)
        harness.handle(.replyReceived(replicaLink, .info, .string(info)))
        XCTAssertEqual(harness.sentinel.masters[0].replicas[0].replicationOffset, 50, "the reply was applied")
        XCTAssertEqual(harness.sentinel.masters.storageIdentity(at: 0), before, "the master was copied to apply its replica's INFO")
    }

    /// The daemon keeps a copy of the core while a config write may fail (DurableQueue). A change
    /// after that copies only the master it changes; the others stay shared, and the kept copy
    /// still holds the state from before.
    func testAChangeAfterACopyCopiesOnlyTheMasterItChanges() throws {
        var harness = CoreHarness(replicas: [Address(host: "127.0.0.1", port: 36992)])
        var config = harness.sentinel.currentConfig()
        config.masters.append(MasterConfig(name: "other", address: Address(host: "127.0.0.1", port: 7379), quorum: 2))
        harness.sentinel = Sentinel(config: config, seed: 7, now: harness.now)
        let links = harness.connectRequestedLinks(harness.tick())
        let replicaLink = harness.commandLink(to: 36992, in: links)!
        let kept = harness.sentinel
        harness.handle(.replyReceived(replicaLink, .info, .string(try CoreHarness.fixture("info-replica-7.0.txt"))))
        XCTAssertEqual(harness.sentinel.masters[0].replicas[0].replicationOffset, 50)
        XCTAssertEqual(kept.masters[0].replicas[0].replicationOffset, 0, "the kept copy is unchanged")
        XCTAssertNotEqual(harness.sentinel.masters.storageIdentity(at: 0), kept.masters.storageIdentity(at: 0))
        XCTAssertEqual(harness.sentinel.masters.storageIdentity(at: 1), kept.masters.storageIdentity(at: 1),
                       "the master the reply did not concern was copied")
    }

    func testReplicaStateComesFromItsOwnInfo() throws {
        var harness = CoreHarness(replicas: [Address(host: "127.0.0.1", port: 36992)])
        let links = harness.connectRequestedLinks(harness.tick())
        let replicaLink = harness.commandLink(to: 36992, in: links)!
        harness.handle(.replyReceived(replicaLink, .info, .string(try CoreHarness.fixture("info-replica-7.0.txt"))))
        guard case .array(let maps) = harness.command("SLAVES", "mymaster").reply else { return XCTFail("not an array") }
        let map = maps[0]
        XCTAssertEqual(map.field("master-link-status"), "ok")
        XCTAssertEqual(map.field("master-host"), "127.0.0.1")
        XCTAssertEqual(map.field("master-port"), "36991")
        XCTAssertEqual(map.field("slave-priority"), "100")
        XCTAssertEqual(map.field("slave-repl-offset"), "50")
        XCTAssertEqual(map.field("role-reported"), "slave")
    }

    func testReplicaNotAnnouncedIsHiddenFromReplicas() {
        var harness = CoreHarness(replicas: [Address(host: "127.0.0.1", port: 7001)])
        let links = harness.connectRequestedLinks(harness.tick())
        let replicaLink = harness.commandLink(to: 7001, in: links)!
        harness.handle(.replyReceived(replicaLink, .info, .string("role:slave\r\nreplica_announced:0\r\n")))
        XCTAssertEqual(harness.command("REPLICAS", "mymaster").reply, .array([]))
        XCTAssertEqual(harness.command("MASTER", "mymaster").reply.field("num-slaves"), "1")
    }

    func testRenamedCommandsAreUsedOnLinks() {
        var harness = CoreHarness()
        _ = harness.command("SET", "mymaster", "rename-command", "PING", "SECRETPING")
        let links = harness.connectRequestedLinks(harness.tick())
        let command = harness.commandLink(to: 6379, in: links)!
        let words = harness.effects.compactMap { effect -> [String]? in
            if case .send(let id, let words, .ping) = effect, id == command { return words }
            return nil
        }
        XCTAssertEqual(words.first, ["SECRETPING"])
    }

    func testAuthPassIsSentFirstOnBothLinks() {
        var harness = CoreHarness()
        _ = harness.command("SET", "mymaster", "auth-user", "sentinel", "auth-pass", "s3cret")
        XCTAssertEqual(harness.events("+set").map(\.message),
                       ["master mymaster 127.0.0.1 6379 auth-user sentinel", "master mymaster 127.0.0.1 6379 auth-pass ******"])
        let links = harness.connectRequestedLinks(harness.tick())
        for (id, _, _) in links where links.count == 2 {
            let first = harness.effects.first { effect in
                if case .send(id, _, _) = effect { return true }
                return false
            }
            XCTAssertEqual(first, .send(id, ["AUTH", "sentinel", "s3cret"], .auth))
        }
    }
}
