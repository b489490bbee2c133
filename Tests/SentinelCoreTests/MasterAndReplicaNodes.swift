import SentinelCore

/// Plays a master on 6379 and its replica on 6380 as Redis would, for tests that drive one core by
/// hand: connects every link, answers each request at once (the master lists its replica, the
/// replica reports the replication the test sets), and, with `relaysHellos`, hands each PUBLISH to
/// the node's subscribers and, while the replica replicates from the master, to the replica's
/// subscribers too (Redis propagates PUBLISH to replicas). Nodes on `silent` ports take requests
/// and never answer (a hang).
struct MasterAndReplicaNodes {
    static let masterPort = 6379
    static let replicaPort = 6380

    var relaysHellos = false
    /// False: the replica reports that it replicates, but the master's PUBLISH never reaches its
    /// subscribers (a replica that lies in INFO, or a replication stream that carries nothing).
    var replicaRelaysTheMaster = true
    var portOfLink: [LinkID: Int] = [:]
    var pubsubLinkOfPort: [Int: LinkID] = [:]
    var silent: Set<Int> = []
    var replicaLinkUp = true
    var replicaFollowsPort = masterPort
    /// When each PUBLISH was sent, and to which port.
    var hellos: [(at: Instant, port: Int)] = []
    /// Every request to a node: when, to which port, and what for.
    var requests: [(at: Instant, port: Int, purpose: RequestPurpose)] = []

    var masterInfo: String {
        "role:master\r\nconnected_slaves:1\r\nslave0:ip=127.0.0.1,port=\(Self.replicaPort),state=online,offset=10,lag=0\r\n"
    }

    var replicaInfo: String {
        "role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:\(replicaFollowsPort)\r\n"
            + "master_link_status:\(replicaLinkUp ? "up" : "down")\r\nslave_repl_offset:10\r\n"
    }

    mutating func serve(_ harness: inout CoreHarness, _ produced: [Effect]) {
        var queue = produced
        var steps = 0
        while !queue.isEmpty, steps < 1_000 {
            steps += 1
            let effect = queue.removeFirst()
            switch effect {
            case .connect(let id, let address, let kind):
                portOfLink[id] = address.port
                if kind == .pubsub { pubsubLinkOfPort[address.port] = id }
                guard !silent.contains(address.port) else { continue }
                queue += harness.handle(.linkConnected(id, localHost: "127.0.0.1"))
            case .send(let id, let words, let purpose):
                guard let port = portOfLink[id] else { continue }
                if case .publishHello = purpose { hellos.append((harness.now, port)) }
                requests.append((harness.now, port, purpose))
                guard !silent.contains(port) else { continue }
                var value = CoreHarness.healthyReply(to: purpose)
                if purpose == .info { value = .string(port == Self.masterPort ? masterInfo : replicaInfo) }
                queue += harness.handle(.replyReceived(id, purpose, value))
                if relaysHellos, case .publishHello = purpose, words.count == 3 {
                    var receivers = [port]
                    if port == Self.masterPort, replicaRelaysTheMaster, replicaLinkUp, replicaFollowsPort == Self.masterPort,
                        !silent.contains(Self.replicaPort)
                    {
                        receivers.append(Self.replicaPort)
                    }
                    for receiver in receivers {
                        guard let pubsub = pubsubLinkOfPort[receiver] else { continue }
                        queue += harness.handle(.messageReceived(pubsub, channel: Sentinel.helloChannel, payload: words[2]))
                    }
                }
            default:
                break
            }
        }
    }

    func hellos(to port: Int, after start: Instant) -> [Instant] {
        hellos.filter { $0.port == port && $0.at > start }.map(\.at)
    }
}
