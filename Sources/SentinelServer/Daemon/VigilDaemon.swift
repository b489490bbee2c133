import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import SentinelCore

/// Runs Vigil as `redis-sentinel` runs: load and check the config, listen, monitor, stop cleanly on
/// SIGTERM/SIGINT or SHUTDOWN. Returns the process exit code.
public enum VigilDaemon {
    /// What `vigil --version` prints.
    public static var versionLine: String { "Vigil sentinel v=\(ServerInfo.vigilVersion) (Redis Sentinel \(ServerInfo.redisVersion) protocol)" }

    public static func run(arguments: [String]) -> Int32 {
        let parsed = DaemonArguments.parse(arguments)
        // Start-up failures are logged to standard output in Redis's format, as redis-sentinel does.
        let startupLog = RedisLogWriter(logfile: "", level: .warning)
        // Redis's first start-up check: with no file there is nowhere to keep the state.
        guard let relativePath = parsed.configPath else {
            startupLog.log(.warning, "Sentinel needs config file on disk to save state. Exiting...")
            return 1
        }
        let path = absolutePath(relativePath)
        let store = ConfigStore(path: path)
        do {
            try store.checkWritable()
            store.removeStaleTemporaryFiles()
        } catch {
            startupLog.log(.warning, "\(error)")
            return 1
        }
        var config: SentinelConfig
        do {
            let text = try store.read() + "\n" + parsed.extraConfig
            // `dir` takes effect as it is read, as in Redis, so scripts are checked relative to it.
            config = try ConfigFile.parse(
                text, changeDirectory: { dir in chdir(dir) == 0 ? nil : String(cString: strerror(errno)) }, readInclude: IncludeReader.read)
            if let error = scriptError(config, text: text) { throw error }
            if let (words, reason) = AccessControl.firstInvalid(config.users) {
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
                let number = lines.firstIndex { $0.hasPrefix("user \(words[0])") } ?? 0
                throw ConfigError(line: number + 1, text: number < lines.count ? String(lines[number]) : "", reason: reason)
            }
        } catch let error as ConfigError {
            FileHandle.standardError.write(Data(error.fatalReport.utf8))
            return 1
        } catch {
            FileHandle.standardError.write(Data("Can't open the config file '\(path)': \(error)\n".utf8))
            return 1
        }
        // Redis always writes the working directory back as an absolute `dir`.
        config.dir = FileManager.default.currentDirectoryPath
        ConfigFile.recordIncludedLines(&config)
        var fileUsers: [String: ACLUser]?
        if let aclfile = config.aclfile {
            switch ACLFile.load(aclfile) {
            case .success(let users): fileUsers = users
            case .failure(let error):
                startupLog.log(.warning, "Aborting Redis startup because of ACL errors: \(error.message)")
                return 1
            }
        }
        // TLS files are read after `dir`, as Redis does, so relative paths are relative to it.
        var tls = TLSContexts()
        do {
            if let settings = try TLSSettings.from(config) {
                tls.port = settings.port
                if settings.port != 0 { tls.server = try settings.serverContext() }
                if settings.replication {
                    tls.links = try settings.clientContext()
                    // Peers reach this sentinel over TLS too, so hellos announce the TLS port.
                    if settings.port != 0 { config.helloPort = settings.port }
                }
            }
        } catch {
            // Redis's two lines: the reason, then that TLS failed.
            startupLog.log(.warning, "\(error)")
            startupLog.log(.warning, "Failed to configure TLS. Check logs for more info.")
            return 1
        }
        return serve(config: config, store: store, configPath: path, tls: tls, fileUsers: fileUsers)
    }

    /// Scripts named in the file must exist and be executable (checked here: the core touches no files),
    /// relative to the working directory that `dir` set.
    static func scriptError(_ config: SentinelConfig, text: String) -> ConfigError? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for master in config.masters {
            for (directive, path, reason) in [
                ("notification-script", master.notificationScript, "Notification script seems non existing or non executable."),
                ("client-reconfig-script", master.clientReconfigScript, "Client reconfiguration script seems non existing or non executable."),
            ] {
                guard let path, access(path, X_OK) != 0 else { continue }
                let number = lines.firstIndex { $0.contains(directive) && $0.contains(master.name) } ?? 0
                return ConfigError(line: number + 1, text: number < lines.count ? String(lines[number]) : "", reason: reason)
            }
        }
        return nil
    }

    static func absolutePath(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        return FileManager.default.currentDirectoryPath + "/" + path
    }

    struct TLSContexts {
        var server: NIOSSLContext?
        var port = 0
        var links: NIOSSLContext?
    }

    private static func serve(
        config: SentinelConfig, store: ConfigStore, configPath: String, tls: TLSContexts, fileUsers: [String: ACLUser]?
    ) -> Int32 {
        let log = RedisLogWriter(logfile: config.logfile, level: config.loglevel, format: config.logFormat)
        // Before any listener or link takes a descriptor, as Redis does it.
        guard let maxClients = OpenFilesLimit.adjust(maxClients: config.maxClients, log: log) else { return 1 }
        let clientLimits = ClientLimits(
            maxClients: maxClients, idleTimeoutSeconds: config.clientIdleTimeoutSeconds, outputBuffer: config.clientOutputBufferLimits)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        var seed = UInt64(0)
        withUnsafeMutableBytes(of: &seed) { arc4random_buf($0.baseAddress!, $0.count) }
        let driver = SentinelDriver(eventLoop: loop, config: config, store: store, log: log, seed: seed, linkTLS: tls.links)
        let systemd = SystemdNotifier.fromEnvironment()
        driver.systemd = systemd
        let exitCode = ExitLatch()
        log.log(.notice, "Vigil starting, pid=\(getpid()), seed=\(seed)")
        let started = loop.flatSubmit { () -> EventLoopFuture<Void> in
            let server = ClientFacade.make(
                driver: driver, config: config, configPath: configPath, clientLimits: clientLimits, fileUsers: fileUsers, log: log,
                eventLoop: loop)
            driver.onShutdown = {
                server.close()
                exitCode.finish(0)
            }
            var httpStarted = loop.makeSucceededVoidFuture()
            if config.httpPort != 0 {
                let metrics = VigilMetrics()
                driver.metrics = metrics
                let http = HTTPEndpoint(driver: driver, metrics: metrics)
                let previous = driver.onShutdown
                driver.onShutdown = {
                    http.close()
                    previous()
                }
                httpStarted = http.start(host: config.httpBind, port: config.httpPort).flatMapErrorThrowing { error in
                    throw HTTPListenError(message: "Could not create the HTTP listening socket \(config.httpBind):\(config.httpPort): \(error)")
                }
            }
            return httpStarted.flatMap { server.start(tls: tls.server, tlsPort: tls.port) }.map {
                if let pidfile = config.pidfile { try? "\(getpid())\n".write(toFile: pidfile, atomically: false, encoding: .utf8) }
                log.log(.notice, "Running mode=sentinel, port=\(config.port)\(tls.server == nil ? "" : ", tls-port=\(tls.port)").")
                driver.start()
                if let systemd, !systemd.notify("READY=1\nSTATUS=listening on port \(config.port)\nMAINPID=\(getpid())") {
                    log.log(.warning, "Could not notify systemd through NOTIFY_SOCKET: \(String(cString: strerror(errno)))")
                }
            }
        }
        do {
            try started.wait()
        } catch let error as HTTPListenError {
            log.log(.warning, error.message)
            try? group.syncShutdownGracefully()
            return 1
        } catch {
            log.log(.warning, "Could not create server TCP listening socket *:\(config.port): \(error)")
            try? group.syncShutdownGracefully()
            return 1
        }
        let signals = SignalHandling { signal in
            log.log(.warning, "Received \(SignalHandling.name(signal)) scheduling shutdown...")
            loop.execute { driver.shutdown() }
        }
        let code = exitCode.wait()
        signals.cancel()
        if let pidfile = config.pidfile { unlink(pidfile) }
        try? group.syncShutdownGracefully()
        return code
    }
}

struct HTTPListenError: Error {
    var message: String
}

/// Blocks the main thread until the daemon decides its exit code.
final class ExitLatch: @unchecked Sendable {
    private let condition = NSCondition()
    private var code: Int32?

    func finish(_ value: Int32) {
        condition.lock()
        if code == nil { code = value }
        condition.signal()
        condition.unlock()
    }

    func wait() -> Int32 {
        condition.lock()
        defer { condition.unlock() }
        while code == nil { condition.wait() }
        return code!
    }
}
