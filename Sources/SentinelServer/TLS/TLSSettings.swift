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
            case "tls-replication":
                guard ["yes", "no"].contains(value.lowercased()) else {
                    throw SetupError(description: "tls-replication must be yes or no, not '\(value)'")
                }
                settings.replication = value.lowercased() == "yes"
            default:
                break
            }
        }
        guard mentioned, settings.port != 0 || settings.replication else { return nil }
        return settings
    }

    var trustRoots: NIOSSLTrustRoots {
        if let caCertFile { return .file(caCertFile) }
        if let caCertDir { return .file(caCertDir) }
        return .default
    }

    /// For the TLS client port.
    public func serverContext() throws -> NIOSSLContext {
        guard let certFile, let keyFile else {
            throw SetupError(description: "tls-port needs tls-cert-file and tls-key-file")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try Self.certificates(certFile, directive: "tls-cert-file"),
            privateKey: try Self.key(keyFile, directive: "tls-key-file"))
        configuration.trustRoots = trustRoots
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
        let (certFile, certDirective) = clientCertFile.map { ($0, "tls-client-cert-file") } ?? (self.certFile.map { ($0, "tls-cert-file") } ?? (nil, ""))
        let (keyFile, keyDirective) = clientKeyFile.map { ($0, "tls-client-key-file") } ?? (self.keyFile.map { ($0, "tls-key-file") } ?? (nil, ""))
        if let certFile, let keyFile {
            configuration.certificateChain = try Self.certificates(certFile, directive: certDirective)
            configuration.privateKey = try Self.key(keyFile, directive: keyDirective)
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

    static func key(_ path: String, directive: String) throws -> NIOSSLPrivateKeySource {
        do {
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
