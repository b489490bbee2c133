import SentinelCore
import XCTest

@testable import SentinelServer

/// Issue 12 on the server side: protected mode's decision, the aclfile's reader, TLS without a CA.
final class SecurityDirectiveServerTests: XCTestCase {
    func testProtectedModeRefusesOnlyNonLoopbackClientsWhileTheDefaultUserHasNoPassword() {
        XCTAssertTrue(ProtectedMode.refuses(protectedMode: true, defaultUserNeedsNoPassword: true, peerIP: "10.1.2.3"))
        XCTAssertTrue(ProtectedMode.refuses(protectedMode: true, defaultUserNeedsNoPassword: true, peerIP: "fe80::1"))
        XCTAssertTrue(ProtectedMode.refuses(protectedMode: true, defaultUserNeedsNoPassword: true, peerIP: nil))
        XCTAssertFalse(ProtectedMode.refuses(protectedMode: true, defaultUserNeedsNoPassword: true, peerIP: "127.0.0.1"))
        XCTAssertFalse(ProtectedMode.refuses(protectedMode: true, defaultUserNeedsNoPassword: true, peerIP: "127.8.9.10"))
        XCTAssertFalse(ProtectedMode.refuses(protectedMode: true, defaultUserNeedsNoPassword: true, peerIP: "::1"))
        XCTAssertFalse(ProtectedMode.refuses(protectedMode: true, defaultUserNeedsNoPassword: false, peerIP: "10.1.2.3"))
        XCTAssertFalse(ProtectedMode.refuses(protectedMode: false, defaultUserNeedsNoPassword: true, peerIP: "10.1.2.3"))
        XCTAssertTrue(ProtectedMode.denied.hasPrefix("-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user."))
        XCTAssertTrue(ProtectedMode.denied.hasSuffix("from the outside.\r\n"))
    }

    func testAclFileUsersReplaceTheDefaultUserWhichIsOpenWhenTheFileOmitsIt() throws {
        let users = try ACLFile.parse("user alice on >pw +@all ~* &*\r\n\n   \n", filename: "users.acl").get()
        XCTAssertEqual(users.keys.sorted(), ["alice", "default"])
        XCTAssertTrue(users["alice"]!.accepts(password: "pw"))
        XCTAssertTrue(users["default"]!.noPass, "Redis's fresh default user: on nopass ~* &* +@all")
        let withDefault = try ACLFile.parse("user default on >secret ~* &* +@all\n", filename: "users.acl").get()
        XCTAssertFalse(withDefault["default"]!.noPass)
        XCTAssertTrue(withDefault["default"]!.accepts(password: "secret"))
    }

    func testAclFileErrorsAreRedisesOneLineReport() {
        let text = "user dan on +nosuch\nfoo bar\nuser carol on >secret badrule otherbad\nuser carol on\n"
        guard case .failure(let error) = ACLFile.parse(text, filename: "users.acl") else { return XCTFail("must fail") }
        XCTAssertEqual(error.message,
            "users.acl:1: Error in applying operation '+nosuch': Unknown command or category name in ACL. "
            + "users.acl:2 should start with user keyword followed by the username. "
            + "users.acl:3: Syntax error. "
            + "WARNING: Duplicate user 'carol' found on line 4. "
            + "WARNING: ACL errors detected, no change to the previously active ACL rules was performed")
    }

    func testAclSaveWritesEveryUserInNameOrderAsAclListShowsThem() throws {
        let users = try ACLFile.parse("user zed on nopass +ping\nuser alice on >pw +@all ~* &*\n", filename: "f").get()
        let lines = ACLFile.render(Array(users.values)).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.map { $0.split(separator: " ")[1] }, ["alice", "default", "zed"])
        XCTAssertEqual(lines[2], "user zed on nopass resetchannels -@all +ping")
        XCTAssertEqual(try ACLFile.parse(lines.joined(separator: "\n"), filename: "f").get(), users, "ACL LOAD reads back what ACL SAVE wrote")
    }

    func testTLSWithoutACAIsRefusedWhenCertificatesAreChecked() throws {
        func settings(_ lines: [(String, String)]) throws -> TLSSettings? {
            var config = SentinelConfig()
            config.otherDirectives = lines.map { GenericDirective(key: $0.0, arguments: [$0.1]) }
            return try TLSSettings.from(config)
        }
        let server = [("tls-port", "6443"), ("tls-cert-file", "c.pem"), ("tls-key-file", "k.pem")]
        for extra in [[], [("tls-auth-clients", "optional")], [("tls-auth-clients", "no"), ("tls-replication", "yes")]] {
            XCTAssertThrowsError(try settings(server + extra), "\(extra)") {
                XCTAssertEqual("\($0)", TLSSettings.caRequired)
            }
        }
        XCTAssertNotNil(try settings(server + [("tls-auth-clients", "no")]), "nothing checks a certificate: no CA is needed")
        XCTAssertNotNil(try settings(server + [("tls-ca-cert-file", "ca.pem")]))
        XCTAssertNil(try settings([("tls-auth-clients", "yes")]), "TLS unused: nothing to check")
    }

    func testTLSProtocolsDefaultToRedisesAndAreARange() throws {
        var settings = TLSSettings()
        XCTAssertEqual(settings.minimumVersion, .tlsv12)
        XCTAssertEqual(settings.maximumVersion, .tlsv13)
        try settings.setProtocols(["TLSv1.3"])
        XCTAssertEqual(settings.minimumVersion, .tlsv13)
        try settings.setProtocols(["TLSv1.1 TLSv1.2"])
        XCTAssertEqual(settings.minimumVersion, .tlsv11)
        XCTAssertEqual(settings.maximumVersion, .tlsv12)
        XCTAssertThrowsError(try settings.setProtocols(["TLSv1 TLSv1.3"]))
        XCTAssertThrowsError(try settings.setProtocols(["SSLv3"]))
    }
}
