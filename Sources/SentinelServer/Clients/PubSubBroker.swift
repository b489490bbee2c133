import NIOCore
import RESP
import SentinelCore

/// Vigil's own pub/sub: events are published on channels named after them (`+sdown`, ...).
final class PubSubBroker {
    private let registry: ClientRegistry
    /// Told of every client a message was queued for, so its output buffer limit is checked.
    var afterWrite: (ClientRecord) -> Void = { _ in }
    private var channels: [String: Set<Int64>] = [:]
    private var patterns: [String: Set<Int64>] = [:]

    init(registry: ClientRegistry) {
        self.registry = registry
    }

    var channelCount: Int { channels.count }
    var patternCount: Int { patterns.count }

    func subscribe(_ client: ClientRecord, channel: String) {
        client.channels.insert(channel)
        channels[channel, default: []].insert(client.id)
    }

    func unsubscribe(_ client: ClientRecord, channel: String) {
        client.channels.remove(channel)
        channels[channel]?.remove(client.id)
        if channels[channel]?.isEmpty == true { channels[channel] = nil }
    }

    func psubscribe(_ client: ClientRecord, pattern: String) {
        client.patterns.insert(pattern)
        patterns[pattern, default: []].insert(client.id)
    }

    func punsubscribe(_ client: ClientRecord, pattern: String) {
        client.patterns.remove(pattern)
        patterns[pattern]?.remove(client.id)
        if patterns[pattern]?.isEmpty == true { patterns[pattern] = nil }
    }

    func removeAll(_ client: ClientRecord) {
        for channel in client.channels { unsubscribe(client, channel: channel) }
        for pattern in client.patterns { punsubscribe(client, pattern: pattern) }
    }

    /// Delivers to subscribers of the channel and of matching patterns; returns how many received it.
    @discardableResult
    func publish(channel: String, message: String) -> Int {
        var receivers = 0
        for id in (channels[channel] ?? []).sorted() {
            guard let client = registry.clients[id] else { continue }
            send(client, [.bulk("message"), .bulk(channel), .bulk(message)])
            receivers += 1
        }
        for (pattern, ids) in patterns.sorted(by: { $0.key < $1.key }) where Glob.matches(pattern, channel) {
            for id in ids.sorted() {
                guard let client = registry.clients[id] else { continue }
                send(client, [.bulk("pmessage"), .bulk(pattern), .bulk(channel), .bulk(message)])
                receivers += 1
            }
        }
        return receivers
    }

    private func send(_ client: ClientRecord, _ items: [RESPValue]) {
        var buffer = client.channel.allocator.buffer(capacity: 64)
        RESPValue.push(items).write(to: &buffer, protocolVersion: client.protocolVersion)
        registry.outputBytes += buffer.readableBytes
        client.channel.writeAndFlush(buffer, promise: nil)
        afterWrite(client)
    }
}
