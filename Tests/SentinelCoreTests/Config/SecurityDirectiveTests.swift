import SentinelCore
import XCTest

/// Issue 12: security directives do what Redis does, or start-up refuses them with the line and why.
final class SecurityDirectiveTests: XCTestCase {
    func reason(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> (Int, String)? {
        do {
            _ = try ConfigFile.parse(text, readInclude: { _ in .success([]) })
            return nil
        } catch {
            return (error.line, error.reason)
        }
    }

    func testAclfileIsKeptAndTheRewriteWritesItInsteadOfUserLines() throws {
        let text = "port 26390\naclfile users.acl\nsentinel monitor m 127.0.0.1 6379 1\n"
        let config = try ConfigFile.parse(text)
        XCTAssertEqual(config.aclfile, "users.acl")
        let rewritten = ConfigFile.rewrite(existing: text, with: config)
        XCTAssertTrue(rewritten.contains("aclfile \"users.acl\"\n"), rewritten)
        XCTAssertFalse(rewritten.contains("user "), "users live in the aclfile, as Redis writes it: \(rewritten)")
        XCTAssertEqual(try ConfigFile.parse(rewritten).aclfile, "users.acl")
    }

    func testUserLinesWithAnAclfileAreRefusedTheDefaultUsersLineToo() {
        let reason = "Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both."
        for (text, line) in [("aclfile u.acl\nport 1\nuser default on nopass ~* &* +@all\n", 3), ("user alice on >pw +@all\naclfile u.acl\n", 1)] {
            XCTAssertEqual(self.reason(text)?.0, line, text)
            XCTAssertEqual(self.reason(text)?.1, reason, text)
        }
        XCTAssertNil(self.reason("user alice on >pw +@all\n"), "user lines without an aclfile are fine")
    }

    func testCRLFLinesAreReadAsRedisReadsThem() throws {
        let text = "port 27011\r\nbind 127.0.0.1\r\nsentinel monitor m 127.0.0.1 6390 1\r\n"
        let config = try ConfigFile.parse(text)
        XCTAssertEqual(config.port, 27011)
        XCTAssertEqual(config.master(named: "m")?.address.port, 6390)
        XCTAssertTrue(ConfigFile.rewrite(existing: text, with: config).hasPrefix("port 27011\nbind 127.0.0.1\nsentinel monitor m 127.0.0.1 6390 1\n"))
    }

    func testIncludeReadsTheFilesInPlaceAndLaterLinesWin() throws {
        var asked: [String] = []
        let files: [String: String] = ["a.conf": "port 27002\nloglevel verbose\nsentinel announce-ip 10.0.0.9\n", "b.conf": "loglevel warning\n"]
        let config = try ConfigFile.parse(
            "port 1\ninclude conf.d/*.conf\nloglevel debug\nsentinel monitor m 127.0.0.1 6379 1\n",
            readInclude: { pattern in
                asked.append(pattern)
                return .success(files.keys.sorted().map { ($0, files[$0]!) })
            })
        XCTAssertEqual(asked, ["conf.d/*.conf"])
        XCTAssertEqual(config.port, 27002, "the included line comes after the main file's port 1")
        XCTAssertEqual(config.loglevel, .debug, "the main file's line after the include wins")
        XCTAssertEqual(config.announceIP, "10.0.0.9")
        XCTAssertEqual(config.includes, ["include conf.d/*.conf"])
    }

    func testIncludeErrorsNameTheIncludedLineOrTheIncludeLine() {
        let bad = try? ConfigFile.parse("include x.conf\n", readInclude: { _ in .success([("x.conf", "port 1\nport 99999\n")]) })
        XCTAssertNil(bad)
        do {
            _ = try ConfigFile.parse("include x.conf\n", readInclude: { _ in .success([("x.conf", "port 1\nport 99999\n")]) })
        } catch {
            XCTAssertEqual(error.line, 2)
            XCTAssertEqual(error.text, "port 99999")
        }
        do {
            _ = try ConfigFile.parse("port 1\ninclude /nope.conf\n", readInclude: { _ in
                .failure(.init(reason: "Fatal error, can't open config file '/nope.conf': No such file or directory"))
            })
            XCTFail("a missing included file must stop start-up")
        } catch {
            XCTAssertEqual(error.line, 2)
            XCTAssertEqual(error.text, "include /nope.conf")
            XCTAssertEqual(error.reason, "Fatal error, can't open config file '/nope.conf': No such file or directory")
        }
    }

    func testAnIncludeLoopIsRefused() {
        XCTAssertThrowsError(try ConfigFile.parse("include self.conf\n", readInclude: { _ in .success([("self.conf", "include self.conf\n")]) })) {
            XCTAssertTrue(($0 as! ConfigError).reason.contains("nest more than"), "\($0)")
        }
    }

    func testStateAndUsersCannotComeFromAnIncludedFile() {
        for line in ["sentinel monitor m 127.0.0.1 6379 1", "sentinel myid " + String(repeating: "a", count: 40), "sentinel current-epoch 3",
                     "user alice on >pw +@all"] {
            XCTAssertThrowsError(try ConfigFile.parse("port 1\ninclude x.conf\n", readInclude: { _ in .success([("x.conf", "\n" + line + "\n")]) }), line) {
                let error = $0 as! ConfigError
                XCTAssertEqual(error.line, 2, line)
                XCTAssertEqual(error.text, line)
                XCTAssertTrue(error.reason.contains("main config file"), error.reason)
            }
        }
    }

    func testRewriteKeepsTheIncludeLineAndDoesNotCopyIncludedDirectives() throws {
        let main = "bind 127.0.0.1\ninclude /etc/vigil/common.conf\nsentinel monitor m 127.0.0.1 6379 1\n"
        let included = "port 27002\nloglevel verbose\nsentinel announce-ip 10.0.0.9\nsentinel resolve-hostnames yes\n"
        var config = try ConfigFile.parse(main, readInclude: { _ in .success([("/etc/vigil/common.conf", included)]) })
        config.dir = "/var/lib/vigil"
        ConfigFile.recordIncludedLines(&config)
        config.myid = String(repeating: "f", count: 40)
        let rewritten = ConfigFile.rewrite(existing: main, with: config)
        XCTAssertTrue(rewritten.hasPrefix(main), rewritten)
        for copied in ["port 27002", "loglevel", "announce-ip", "resolve-hostnames"] {
            XCTAssertFalse(rewritten.contains(copied), "\(copied) stays in the included file: \(rewritten)")
        }
        XCTAssertTrue(rewritten.contains("sentinel myid " + String(repeating: "f", count: 40)))
        // A value changed at run time (SENTINEL CONFIG SET) goes into the main file, after the include.
        config.announceIP = "10.0.0.10"
        let changed = ConfigFile.rewrite(existing: rewritten, with: config)
        XCTAssertTrue(changed.contains("sentinel announce-ip \"10.0.0.10\"\n"), changed)
        let includeAt = try XCTUnwrap(changed.range(of: "include /etc/vigil/common.conf"))
        let announceAt = try XCTUnwrap(changed.range(of: "sentinel announce-ip"))
        XCTAssertLessThan(includeAt.lowerBound, announceAt.lowerBound)
        let reread = try ConfigFile.parse(changed, readInclude: { _ in .success([("/etc/vigil/common.conf", included)]) })
        XCTAssertEqual(reread.announceIP, "10.0.0.10")
        XCTAssertEqual(reread.port, 27002)
    }

    func testProtectedModeYesIsKeptAndRewritten() throws {
        let config = try ConfigFile.parse("protected-mode yes\n")
        XCTAssertTrue(config.protectedMode)
        XCTAssertTrue(ConfigFile.rewrite(existing: "protected-mode yes\n", with: config).contains("protected-mode yes\n"))
        XCTAssertFalse(try ConfigFile.parse("port 26379\n").protectedMode, "sentinel mode defaults to protected-mode no")
    }

    func testSecurityDirectivesVigilCannotCarryOutAreRefusedWithTheLineAndWhy() {
        let refused: [(String, String)] = [
            ("rename-command CONFIG \"\"", "rename-command is not supported"),
            ("unixsocket /tmp/vigil.sock", "unixsocket is not supported"),
            ("acl-pubsub-default allchannels", "acl-pubsub-default allchannels is not supported"),
            ("acl-pubsub-default sometimes", "argument(s) must be one of the following: allchannels, resetchannels"),
            ("tls-ciphersuites TLS_AES_256_GCM_SHA384", "tls-ciphersuites is not supported"),
            ("tls-prefer-server-ciphers yes", "tls-prefer-server-ciphers yes is not supported"),
            ("tls-dh-params-file dh.pem", "tls-dh-params-file is not supported"),
            ("bind-source-addr 10.0.0.1", "bind-source-addr is not supported"),
            ("socket-mark-id 7", "socket-mark-id is not supported"),
            ("proto-max-bulk-len 1mb", "proto-max-bulk-len other than Redis's default (512mb) is not supported"),
            ("client-query-buffer-limit 64mb", "client-query-buffer-limit other than Redis's default (1gb) is not supported"),
        ]
        for (line, start) in refused {
            let found = reason("port 1\n" + line + "\n")
            XCTAssertEqual(found?.0, 2, line)
            XCTAssertTrue(found?.1.hasPrefix(start) ?? false, "\(line): \(String(describing: found))")
        }
        for accepted in ["acl-pubsub-default resetchannels", "tls-prefer-server-ciphers no", "socket-mark-id 0", "unixsocketperm 700",
                         "enable-debug-command yes", "enable-protected-configs yes", "enable-module-command yes",
                         "proto-max-bulk-len 512mb", "proto-max-bulk-len 536870912", "client-query-buffer-limit 1GB"] {
            XCTAssertNil(reason(accepted + "\n"), accepted)
        }
    }
}
