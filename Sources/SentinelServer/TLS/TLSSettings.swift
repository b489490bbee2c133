import NIOSSL
import SentinelCore

/// Redis's `tls-*` directives as Vigil uses them: `tls-port` serves clients over TLS (with `port 0`
/// the plain port is off), `tls-auth-clients` asks clients for a certificate signed by the CA
/// (`yes`, the default; `optional`; `no`), and `tls-replication yes` makes every link Vigil opens (to
/// masters, replicas and other sentinels) use TLS, presenting `tls-client-cert-file` (or
/// `tls-cert-file`) and trusting `tls-ca-cert-file`/`tls-ca-cert-dir`. As hiredis does for Redis,
/// links check the certificate chain, not the host name.
public struct TLSSettings: Sendable, Equatable {
    public var port = 0
    public var certFile: String?
    public var keyFile: String?
    public var clientCertFile: String?
    public var clientKeyFile: String?
    public var caCertFile: String?
    public var caCertDir: String?
    public var authClients = "yes"
    public var replication = false
    public var cluster = false
    public var keyFilePass: String?
    public var clientKeyFilePass: String?
    /// `tls-protocols`: Redis's default is TLSv1.2 and TLSv1.3.
    public var minimumVersion = TLSVersion.tlsv12
    public var maximumVersion = TLSVersion.tlsv13
    /// `tls-ciphers`: the TLSv1.2 cipher list (OpenSSL's format); nil keeps the library's default.
    public var ciphers: String?

    /// Redis's text when no CA is given but one is needed to check certificates.
    static let caRequired =
        "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!"

    public struct SetupError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The settings the config's `tls-*` lines give, or nil when TLS is not used at all.
    public static func from(_ config: SentinelConfig) throws -> TLSSettings? {
        var settings = TLSSettings()
        var mentioned = false
        for directive in config.otherDirectives where directive.key.hasPrefix("tls-") {
            mentioned = true
            let value = directive.arguments.first ?? ""
            switch directive.key {
            case "tls-port":
                guard let port = Int(value), (0...65_535).contains(port) else {
                    throw SetupError(description: "tls-port must be between 0 and 65535, not '\(value)'")
                }
                settings.port = port
            case "tls-cert-file": settings.certFile = value
            case "tls-key-file": settings.keyFile = value
            case "tls-client-cert-file": settings.clientCertFile = value
            case "tls-client-key-file": settings.clientKeyFile = value
            case "tls-ca-cert-file": settings.caCertFile = value
            case "tls-ca-cert-dir": settings.caCertDir = value
            case "tls-auth-clients":
                guard ["yes", "no", "optional"].contains(value.lowercased()) else {
                    throw SetupError(description: "tls-auth-clients must be yes, no or optional, not '\(value)'")
                }
                settings.authClients = value.lowercased()
            case "tls-replication", "tls-cluster":
                guard ["yes", "no"].contains(value.lowercased()) else {
                    throw SetupError(description: "\(directive.key) must be yes or no, not '\(value)'")
                }
                if directive.key == "tls-cluster" { settings.cluster = value.lowercased() == "yes" } else { settings.replication = value.lowercased() == "yes" }
            case "tls-key-file-pass": settings.keyFilePass = value
            case "tls-client-key-file-pass": settings.clientKeyFilePass = value
            case "tls-protocols": try settings.setProtocols(directive.arguments)
            case "tls-ciphers": settings.ciphers = value
            default:
                break
            }
        }
        guard mentioned, settings.port != 0 || settings.replication || settings.cluster else { return nil }
        // Without a CA every certificate the system trusts would pass; Redis refuses to start instead.
        if settings.caCertFile == nil && settings.caCertDir == nil
            && (settings.authClients != "no" || settings.replication || settings.cluster) {
            throw SetupError(description: caRequired)
        }
        return settings
    }

    /// `tls-protocols "TLSv1.2 TLSv1.3"`: the versions allowed, which must be a contiguous range here.
    mutating func setProtocols(_ arguments: [String]) throws {
        let names: [(String, TLSVersion)] = [("tlsv1", .tlsv1), ("tlsv1.1", .tlsv11), ("tlsv1.2", .tlsv12), ("tlsv1.3", .tlsv13)]
        var chosen: [Int] = []
        for word in arguments.flatMap({ $0.split(separator: " ") }) {
            guard let index = names.firstIndex(where: { $0.0 == word.lowercased() }) else {
                throw SetupError(description: "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.")
            }
            if !chosen.contains(index) { chosen.append(index) }
        }
        chosen.sort()
        guard let low = chosen.first, let high = chosen.last else {
            throw SetupError(description: "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.")
        }
        guard high - low + 1 == chosen.count else {
            throw SetupError(description: "tls-protocols with a gap between versions is not supported: list a contiguous range, e.g. 'TLSv1.2 TLSv1.3'.")
        }
        minimumVersion = names[low].1
        maximumVersion = names[high].1
    }

    var trustRoots: NIOSSLTrustRoots {
        if let caCertFile { return .file(caCertFile) }
        if let caCertDir { return .file(caCertDir) }
        return .default
    }

    /// The versions and ciphers the directives allow, on either side.
    func restrict(_ configuration: inout TLSConfiguration) {
        configuration.minimumTLSVersion = minimumVersion
        configuration.maximumTLSVersion = maximumVersion
        if let ciphers { configuration.cipherSuites = ciphers }
    }

    /// For the TLS client port.
    public func serverContext() throws -> NIOSSLContext {
        guard let certFile, let keyFile else {
            throw SetupError(description: "tls-port needs tls-cert-file and tls-key-file")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try Self.certificates(certFile, directive: "tls-cert-file"),
            privateKey: try Self.key(keyFile, directive: "tls-key-file", passphrase: keyFilePass))
        configuration.trustRoots = trustRoots
        restrict(&configuration)
        switch authClients {
        case "no": configuration.certificateVerification = .none
        case "optional": configuration.certificateVerification = .optionalVerification
        default: configuration.certificateVerification = .noHostnameVerification
        }
        return try Self.context(configuration)
    }

    /// For links to Redis nodes and peers when `tls-replication yes`.
    public func clientContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = trustRoots
        configuration.certificateVerification = .noHostnameVerification
        restrict(&configuration)
        let (certFile, certDirective) = clientCertFile.map { ($0, "tls-client-cert-file") } ?? (self.certFile.map { ($0, "tls-cert-file") } ?? (nil, ""))
        let (keyFile, keyDirective, passphrase) = clientKeyFile.map { ($0, "tls-client-key-file", clientKeyFilePass) }
            ?? (self.keyFile.map { ($0, "tls-key-file", keyFilePass) } ?? (nil, "", nil))
        if let certFile, let keyFile {
            configuration.certificateChain = try Self.certificates(certFile, directive: certDirective)
            configuration.privateKey = try Self.key(keyFile, directive: keyDirective, passphrase: passphrase)
        }
        return try Self.context(configuration)
    }

    static func certificates(_ path: String, directive: String) throws -> [NIOSSLCertificateSource] {
        do {
            return try NIOSSLCertificate.fromPEMFile(path).map { .certificate($0) }
        } catch {
            throw SetupError(description: "cannot load \(directive) '\(path)': \(error)")
        }
    }

    static func key(_ path: String, directive: String, passphrase: String?) throws -> NIOSSLPrivateKeySource {
        do {
            if let passphrase {
                return .privateKey(try NIOSSLPrivateKey(file: path, format: .pem) { (set: NIOSSLPassphraseSetter<[UInt8]>) in set(Array(passphrase.utf8)) })
            }
            return .privateKey(try NIOSSLPrivateKey(file: path, format: .pem))
        } catch {
            throw SetupError(description: "cannot load \(directive) '\(path)': \(error)")
        }
    }

    static func context(_ configuration: TLSConfiguration) throws -> NIOSSLContext {
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw SetupError(description: "cannot set up TLS (check tls-ca-cert-file and the key matching the certificate): \(error)")
        }
    }
}
