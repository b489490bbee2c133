import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import SentinelCore

/// The opt-in HTTP listener (`vigil-http-port`, `vigil-http-bind`): `/metrics` in Prometheus's text
/// format, `/health`, and `/v1/masters/<name>` with the address clients should use. Read-only, on
/// the driver's event loop, so every answer is a consistent view of the core.
public final class HTTPEndpoint: @unchecked Sendable {
    public struct Response {
        var status: HTTPResponseStatus
        var contentType: String
        var body: [UInt8]
    }

    struct MasterDocument: Codable {
        struct Address: Codable {
            var host: String
            var port: Int
        }
        var name: String
        var address: Address
        var configEpoch: Int64
        var status: String
        var failoverInProgress: Bool
        var knownReplicas: Int
        var knownSentinels: Int
        var quorum: Int
    }

    private let driver: SentinelDriver
    private let metrics: VigilMetrics
    private var channel: Channel?

    public init(driver: SentinelDriver, metrics: VigilMetrics) {
        self.driver = driver
        self.metrics = metrics
    }

    /// Binds and listens; fails with NIO's error when the address is taken or not local.
    public func start(host: String, port: Int) -> EventLoopFuture<Void> {
        let eventLoop = driver.eventLoop
        return ServerBootstrap(group: eventLoop)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(HTTPRequestHandler(endpoint: self))
                }
            }
            .bind(host: host, port: port)
            .map { [self] channel in self.channel = channel }
    }

    public func close() {
        channel?.close(promise: nil)
    }

    /// Answers one request; runs on the driver's event loop.
    func respond(method: HTTPMethod, path: String) -> Response {
        guard method == .GET || method == .HEAD else {
            return json(.methodNotAllowed, ["error": "only GET and HEAD are served"])
        }
        let route = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        switch route {
        case "/metrics":
            let body = driver.withSentinel { sentinel in metrics.render(sentinel, now: SentinelDriver.now()) }
            return Response(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: body)
        case "/health":
            let (masters, tilt) = driver.withSentinel { ($0.masters.count, $0.inTilt) }
            return json(.ok, HealthDocument(status: "ok", masters: masters, tilt: tilt))
        case let route where route.hasPrefix("/v1/masters/"):
            let name = String(route.dropFirst("/v1/masters/".count)).removingPercentEncoding ?? ""
            guard let document = driver.withSentinel({ sentinel in Self.document(for: name, in: sentinel) }) else {
                return json(.notFound, ["error": "no such master: \(name)"])
            }
            return json(.ok, document)
        default:
            return json(.notFound, ["error": "not found; try /metrics, /health or /v1/masters/<name>"])
        }
    }

    struct HealthDocument: Codable {
        var status: String
        var masters: Int
        var tilt: Bool
    }

    static func document(for name: String, in sentinel: Sentinel) -> MasterDocument? {
        guard let master = sentinel.masters.first(where: { $0.name == name }) else { return nil }
        // The address clients should use: the promoted replica as soon as the promotion is confirmed,
        // exactly as GET-MASTER-ADDR-BY-NAME answers.
        let address = sentinel.currentMasterAddress(named: name) ?? master.instance.address
        let status = master.isObjectivelyDown ? "odown" : master.instance.isSubjectivelyDown ? "sdown" : "ok"
        return MasterDocument(
            name: name, address: .init(host: address.host, port: address.port), configEpoch: master.settings.configEpoch,
            status: status, failoverInProgress: master.failover != nil, knownReplicas: master.replicas.count,
            knownSentinels: master.sentinels.count + 1, quorum: master.settings.quorum)
    }

    func json<Document: Encodable>(_ status: HTTPResponseStatus, _ document: Document) -> Response {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        let body = (try? encoder.encode(document)).map { Array($0) + [UInt8(ascii: "\n")] } ?? Array("{}\n".utf8)
        return Response(status: status, contentType: "application/json", body: body)
    }
}

/// One HTTP/1.1 connection: answers each complete request in order, keeps the connection alive
/// when the client asks for it.
final class HTTPRequestHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let endpoint: HTTPEndpoint
    private var request: HTTPRequestHead?

    init(endpoint: HTTPEndpoint) {
        self.endpoint = endpoint
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
        case .body:
            break
        case .end:
            guard let head = request else { return }
            request = nil
            let response = endpoint.respond(method: head.method, path: head.uri)
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: response.contentType)
            headers.add(name: "Content-Length", value: String(response.body.count))
            let keepAlive = head.isKeepAlive
            if !keepAlive { headers.add(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: response.status, headers: headers))), promise: nil)
            if head.method != .HEAD {
                var buffer = context.channel.allocator.buffer(capacity: response.body.count)
                buffer.writeBytes(response.body)
                context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            }
            let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            if !keepAlive {
                let channel = context.channel
                written.whenComplete { _ in channel.close(promise: nil) }
            }
        }
    }
}
