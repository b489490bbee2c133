#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOSSL
import RESP
import SentinelCore

/// The inbound end of one connection to a Redis node or a peer: reads the replies with hiredis,
/// matches them to the purposes of the requests, in order, and tells pub/sub messages apart. It
/// reports to the driver and decides nothing.
///
/// It reads the bytes itself rather than behind a decoder handler: each reply goes from hiredis's
/// object straight into what the core takes, without an intermediate value, a pass through the
/// pipeline, or a decoder's buffer. With a thousand links at rest, each object a read touches is a
/// cache miss, and they were most of a read's cost.
final class RedisLinkHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let linkID: LinkID
    private let kind: LinkKind
    private let report: (Input) -> Void
    private var pendingPurposes: [RequestPurpose] = []
    private var pendingStart = 0
    private var closedReported = false
    private let reader = HiredisReplyReader()
    /// After a protocol error or an unexpected reply nothing more is read; the link is closing.
    private var broken = false
    /// Why the peer's certificate was refused, when the link uses TLS.
    let tlsDiagnosis = TLSDiagnosis()
    /// Told once per link of a failed TLS handshake, with the reason in words.
    var onTLSFailure: (String) -> Void = { _ in }

    init(linkID: LinkID, kind: LinkKind, report: @escaping (Input) -> Void) {
        self.linkID = linkID
        self.kind = kind
        self.report = report
    }

    func expect(_ purpose: RequestPurpose) { pendingPurposes.append(purpose) }

    /// What one reply is to the link.
    enum LinkReply: Equatable {
        case message(channel: String, payload: String)
        case value(RedisValue)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !broken else { return }
        reader.feed(unwrapInboundIn(data))
        let isPubsub = kind == .pubsub
        do {
            // hiredis holds the bytes now, so every complete reply is handled before the next read.
            // Bounded by the replies in the bytes read.
            while !broken, let reply = try reader.next({ Self.read($0, pubsub: isPubsub) }) {
                handle(reply, context)
            }
        } catch {
            broken = true
            reportClosed("\(error)")
            context.close(promise: nil)
        }
    }

    private func handle(_ reply: LinkReply, _ context: ChannelHandlerContext) {
        let value: RedisValue
        switch reply {
        case .message(let channel, let payload):
            report(.messageReceived(linkID, channel: channel, payload: payload))
            return
        case .value(let read):
            value = read
        }
        guard pendingStart < pendingPurposes.count else {
            // A reply nobody asked for means the peer does not speak the protocol we expect.
            broken = true
            context.close(promise: nil)
            return
        }
        let purpose = pendingPurposes[pendingStart]
        pendingStart += 1
        if pendingStart == pendingPurposes.count {
            // Every request answered (nearly always, at rest): start over in the room already held, so
            // that a link's queue stays as long as its most requests in flight rather than growing to
            // the compaction threshold below (about 1.5 KB on each of hundreds of links).
            pendingPurposes.removeAll(keepingCapacity: true)
            pendingStart = 0
        } else if pendingStart > 64 && pendingStart * 2 > pendingPurposes.count {
            pendingPurposes.removeFirst(pendingStart)
            pendingStart = 0
        }
        report(.replyReceived(linkID, purpose, value))
    }

    func channelInactive(context: ChannelHandlerContext) {
        reportClosed("connection closed")
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if error is NIOSSLError || error is BoringSSLError {
            let reason = "TLS handshake failed: " + (tlsDiagnosis.reason ?? "\(error)")
            onTLSFailure(reason)
            reportClosed(reason)
        } else {
            reportClosed("\(error)")
        }
        context.close(promise: nil)
    }

    func reportClosed(_ reason: String) {
        guard !closedReported else { return }
        closedReported = true
        report(.linkClosed(linkID, reason: reason))
    }

    /// On a pub/sub link, `message <channel> <payload>` (three strings) is a message; anything else,
    /// there or on a command link, is a reply.
    static func read(_ reply: HiredisReply, pubsub: Bool) -> LinkReply {
        if pubsub, reply.kind == .array, reply.count == 3, let word = reply[0], let channel = reply[1], let payload = reply[2],
            let first = text(word), first == "message", let channelName = text(channel), let message = text(payload)
        {
            return .message(channel: channelName, payload: message)
        }
        return .value(RedisValue(reply))
    }

    /// A string or status reply's text (invalid UTF-8 repaired).
    static func text(_ reply: HiredisReply) -> String? {
        switch reply.kind {
        case .string, .status: return String(decoding: reply.bytes, as: UTF8.self)
        default: return nil
        }
    }
}

extension RedisValue {
    /// What the core needs of a reply: text, numbers and nesting. An array's missing elements are
    /// left out, and a type no node sends Sentinel is null.
    init(_ reply: HiredisReply) {
        switch reply.kind {
        case .status: self = .status(String(decoding: reply.bytes, as: UTF8.self))
        case .error: self = .error(String(decoding: reply.bytes, as: UTF8.self))
        case .integer: self = .integer(reply.integer)
        case .string: self = .string(String(decoding: reply.bytes, as: UTF8.self))
        case .array: self = .array((0..<reply.count).compactMap { reply[$0].map(RedisValue.init) })
        case .null, nil: self = .null
        }
    }
}

/// Filled in while a TLS handshake verifies the peer's chain, so a refusal can say why: expired,
/// not yet valid, or not signed by a trusted CA (BoringSSL itself only says the verification failed).
final class TLSDiagnosis: @unchecked Sendable {
    var reason: String?

    func note(_ result: NIOSSLVerificationResult, _ certificate: NIOSSLCertificate) -> NIOSSLVerificationResult {
        guard result == .failed, reason == nil else { return result }
        let now = time(nil)
        let subject = certificate.description
        if certificate.notValidAfter < now {
            reason = "the peer's certificate has expired (\(subject))"
        } else if certificate.notValidBefore > now {
            reason = "the peer's certificate is not valid yet (\(subject))"
        } else {
            reason = "the peer's certificate is not signed by a CA in tls-ca-cert-file or tls-ca-cert-dir (\(subject))"
        }
        return result
    }
}
