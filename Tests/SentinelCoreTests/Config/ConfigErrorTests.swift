import SentinelCore
import XCTest

/// Every error message, checked against redis-sentinel 7.0.15, with its line number.
final class ConfigErrorTests: XCTestCase {
    let monitor = "sentinel monitor m 127.0.0.1 6379 2\n"
    let runID = String(repeating: "a", count: 40)

    func assertError(_ text: String, line: Int, shown: String? = nil, _ reason: String,
                     file: StaticString = #filePath, lineNumber: UInt = #line) {
        do {
            let config = try ConfigFile.parse(text)
            XCTFail("parsed without error: \(config)", file: file, line: lineNumber)
        } catch {
            XCTAssertEqual(error.line, line, text, file: file, line: lineNumber)
            XCTAssertEqual(error.reason, reason, text, file: file, line: lineNumber)
            if let shown { XCTAssertEqual(error.text, shown, file: file, line: lineNumber) }
        }
    }

    func testGenericDirectiveErrors() {
        assertError("port 1\nfoo bar\n", line: 2, "Bad directive or wrong number of arguments")
        assertError("port\n", line: 1, "wrong number of arguments")
        assertError("port 1 2\n", line: 1, "wrong number of arguments")
        assertError("port abc\n", line: 1, "argument couldn't be parsed into an integer")
        assertError("port 0123\n", line: 1, "argument couldn't be parsed into an integer")
        assertError("  port   99999 \t\n", line: 1, shown: "port   99999", "argument must be between 0 and 65535 inclusive")
        assertError("loglevel loud\n", line: 1, "argument(s) must be one of the following: debug, verbose, notice, warning")
        assertError("protected-mode maybe\n", line: 1, "argument must be 'yes' or 'no'")
        assertError("daemonize\n", line: 1, "wrong number of arguments")
        assertError("requirepass a b\n", line: 1, "wrong number of arguments")
        assertError("bind " + (1...17).map(String.init).joined(separator: " ") + "\n", line: 1, "Too many bind addresses specified.")
        assertError("hz\n", line: 1, "wrong number of arguments")
        assertError("hz abc\n", line: 1, "argument couldn't be parsed into an integer")
        assertError("maxclients 1 2\n", line: 1, "wrong number of arguments")
        assertError("dynamic-hz maybe\n", line: 1, "argument must be 'yes' or 'no'")
        assertError("enable-debug-command maybe\n", line: 1, "argument(s) must be one of the following: no, yes, local")
        assertError("latency-tracking-info-percentiles x\n", line: 1, "Invalid latency-tracking-info-percentiles parameters")
        assertError("user\n", line: 1, "Bad directive or wrong number of arguments")
        assertError("include a b\n", line: 1, "Bad directive or wrong number of arguments")
        assertError("rename-command a\n", line: 1, "Bad directive or wrong number of arguments")
        assertError("locale-collate C\n", line: 1, "Bad directive or wrong number of arguments")
        assertError("# c\nsentinel monitor m \"a b\n", line: 2, "Unbalanced quotes in configuration line")
        assertError("sentinel auth-pass m \"a\"b\n", line: 1, "Unbalanced quotes in configuration line")
        assertError("sentinel auth-pass m 'a'b\n", line: 1, "Unbalanced quotes in configuration line")
    }

    func testMonitorErrors() {
        assertError("port 26379\nsentinel monitor m 127.0.0.1 6379 0\n", line: 2, "Quorum must be 1 or greater.")
        assertError("sentinel monitor m 127.0.0.1 99999 0\n", line: 1, "Quorum must be 1 or greater.")
        assertError("sentinel monitor m 127.0.0.1 99999 1\n", line: 1, "Invalid port number.")
        assertError("sentinel monitor m localhost 99999 1\n", line: 1, "Invalid port number.")
        assertError("sentinel monitor m localhost 1 1\n", line: 1, "Can't resolve instance hostname.")
        // Adapted: the core resolves nothing; with resolve-hostnames a name that no resolver could
        // answer (not a DNS name) is refused with Redis's message.
        assertError("sentinel resolve-hostnames yes\nsentinel monitor m \"no where\" 1 1\n", line: 2, "Can't resolve instance hostname.")
        assertError(monitor + "sentinel monitor m 127.0.0.2 1 1\n", line: 2, "Duplicate master name.")
        assertError(monitor + "sentinel monitor m 127.0.0.1 99999 1\n", line: 2, "Invalid port number.")
        assertError("sentinel monitor m 127.0.0.1 6379\n", line: 1, "Unrecognized sentinel configuration statement.")
    }

    func testPerMasterErrors() {
        assertError("sentinel down-after-milliseconds nomaster 100\n", line: 1, "No such master with specified name.")
        assertError(monitor + "sentinel auth-pass other x\n", line: 2, "No such master with specified name.")
        assertError(monitor + "sentinel down-after-milliseconds m 0\n", line: 2, "negative or zero time parameter.")
        assertError(monitor + "sentinel failover-timeout m -5\n", line: 2, "negative or zero time parameter.")
        assertError(monitor + "sentinel master-reboot-down-after-period m -1\n", line: 2, "negative time parameter.")
        assertError(monitor + "sentinel known-replica m 1.2.3.4 5\nsentinel known-slave m 1.2.3.4 5\n", line: 3,
                    "Duplicate hostname and port for replica.")
        assertError(monitor + "sentinel known-replica m 1.2.3.4 abc\nsentinel known-replica m 1.2.3.4 0\n", line: 3,
                    "Duplicate hostname and port for replica.")
        assertError(monitor + "sentinel known-replica m 1.2.3.4 70000\n", line: 2, "Invalid port number.")
        // Adapted: run ids are 40 hex digits here (ValueRules.isRunID), so the duplicates use one.
        assertError(monitor + "sentinel known-sentinel m 1.2.3.4 5 \(runID)\nsentinel known-sentinel m 1.2.3.5 5 \(runID)\n", line: 3,
                    "Duplicate runid for sentinel.")
        assertError(monitor + "sentinel known-sentinel m 1.2.3.4 99999 \(runID)\n", line: 2, "Invalid port number.")
        assertError(monitor + "sentinel rename-command m a b\nsentinel rename-command m A c\n", line: 3,
                    "Same command renamed multiple times with rename-command.")
        assertError(monitor + "sentinel config-epoch m\n", line: 2, "Unrecognized sentinel configuration statement.")
        assertError(monitor + "sentinel bogus x\n", line: 2, "Unrecognized sentinel configuration statement.")
    }

    func testGlobalErrors() {
        assertError("sentinel myid abc\n", line: 1, "Malformed Sentinel id in myid option.")
        assertError("sentinel deny-scripts-reconfig maybe\n", line: 1, "Please specify yes or no for the deny-scripts-reconfig options.")
        assertError("sentinel resolve-hostnames maybe\n", line: 1, "Please specify yes or no for the resolve-hostnames option.")
        assertError("sentinel announce-hostnames maybe\n", line: 1, "Please specify yes or no for the announce-hostnames option.")
        assertError("sentinel announce-ip\n", line: 1, "Unrecognized sentinel configuration statement.")
    }

    func testErrorsFollowRedisPassOrder() {
        // Generic errors come while reading; sentinel lines only after the whole file.
        assertError("sentinel bogus\nport 99999\n", line: 2, "argument must be between 0 and 65535 inclusive")
        // Pre-monitor lines, then monitors, then the rest, whatever their place in the file.
        assertError("sentinel bogus\nsentinel monitor m 127.0.0.1 1 0\nsentinel myid x\n", line: 3,
                    "Malformed Sentinel id in myid option.")
        assertError("sentinel bogus\nsentinel monitor m 127.0.0.1 1 0\n", line: 2, "Quorum must be 1 or greater.")
    }

    func testFatalReportIsRedisExactText() {
        XCTAssertThrowsError(try ConfigFile.parse("port 1\n  sentinel monitor mymaster 127.0.0.1 6379 0  \n")) { error in
            XCTAssertEqual((error as? ConfigError)?.fatalReport, """

                *** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***
                Reading the configuration file, at line 2
                >>> 'sentinel monitor mymaster 127.0.0.1 6379 0'
                Quorum must be 1 or greater.

                """)
        }
    }
}
