import RESP

/// SUBSCRIBE, PSUBSCRIBE, UNSUBSCRIBE and PUNSUBSCRIBE: each answered with one message per channel
/// or pattern, with the client's count of subscriptions after it.
struct PubSubCommands {
    let broker: PubSubBroker

    func run(_ name: String, _ names: [String], client: ClientRecord) -> CommandResult {
        var replies: [RESPValue] = []
        func count() -> RESPValue { .integer(Int64(client.channels.count + client.patterns.count)) }
        switch name {
        case "subscribe":
            for channel in names {
                broker.subscribe(client, channel: channel)
                replies.append(.push([.bulk("subscribe"), .bulk(channel), count()]))
            }
        case "psubscribe":
            for pattern in names {
                broker.psubscribe(client, pattern: pattern)
                replies.append(.push([.bulk("psubscribe"), .bulk(pattern), count()]))
            }
        case "unsubscribe":
            let targets = names.isEmpty ? client.channels.sorted() : names
            for channel in targets {
                broker.unsubscribe(client, channel: channel)
                replies.append(.push([.bulk("unsubscribe"), .bulk(channel), count()]))
            }
            if targets.isEmpty { replies.append(.push([.bulk("unsubscribe"), .null, count()])) }
        default:
            let targets = names.isEmpty ? client.patterns.sorted() : names
            for pattern in targets {
                broker.punsubscribe(client, pattern: pattern)
                replies.append(.push([.bulk("punsubscribe"), .bulk(pattern), count()]))
            }
            if targets.isEmpty { replies.append(.push([.bulk("punsubscribe"), .null, count()])) }
        }
        return CommandResult(replies: replies)
    }
}
