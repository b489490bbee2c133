import Foundation
import VigilTestSupport
import XCTest

/// ACL users on Vigil's port with the real redis-cli, kept in the config file across a restart.
final class AccessControlIntegrationTests: XCTestCase {
    var topology: LocalDeployment!

    override func setUpWithError() throws {
        topology = try LocalDeployment(name: name.filter { $0.isLetter })
    }

    override func tearDown() {
        topology.stopAll()
    }

    func cli(_ port: Int, user: String? = nil, password: String? = nil, _ arguments: String...) -> [String] {
        var words: [String] = []
        if let password { words += (user.map { ["--user", $0] } ?? []) + ["--pass", password, "--no-auth-warning"] }
        return redisCLIArguments(port, words + arguments)
    }

    func testUsersLockDownThePortAndSurviveARestart() throws {
        try topology.startReplicationGroup(replicas: 0)
        let port = try LoopbackPorts.next()
        let path = topology.writeSentinelConfig(port: port)
        let vigil = try topology.startSentinel(port: port, configPath: path)
        XCTAssertEqual(cli(port, "ACL", "SETUSER", "admin", "on", ">adminpw", "+@all", "&*"), ["OK"])
        XCTAssertEqual(cli(port, "ACL", "SETUSER", "app", "on", ">apppw", "+sentinel|get-master-addr-by-name", "+ping"), ["OK"])
        XCTAssertEqual(cli(port, "ACL", "SETUSER", "default", "off"), ["OK"])
        XCTAssertEqual(cli(port, "SENTINEL", "MASTERS").first, "NOAUTH Authentication required.", "an unauthenticated client learns nothing")
        XCTAssertEqual(cli(port, user: "app", password: "wrong", "PING").prefix(2),
                       ["AUTH failed: WRONGPASS invalid username-password pair or user is disabled.", "NOAUTH Authentication required."])
        XCTAssertEqual(cli(port, user: "app", password: "apppw", "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"),
                       ["127.0.0.1", String(topology.masterPort)])
        XCTAssertEqual(cli(port, user: "app", password: "apppw", "SENTINEL", "RESET", "*").first,
                       "NOPERM this user has no permissions to run the 'sentinel|reset' command")
        let file = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(file.contains("user default off nopass ~* &* +@all"), file)
        XCTAssertTrue(file.contains("user app on #"), file)
        XCTAssertFalse(file.contains("apppw"), "only password hashes are written")

        vigil.stop()
        let restarted = try ManagedProcess(name: "vigil-again", executable: Binaries.vigil, arguments: [path], directory: topology.directory)
        topology.adopt(restarted)
        XCTAssertTrue(waitUntil(timeout: 10) { self.cli(port, "PING").first == "NOAUTH Authentication required." }, restarted.output)
        XCTAssertEqual(cli(port, user: "admin", password: "adminpw", "ACL", "WHOAMI"), ["admin"])
        XCTAssertEqual(cli(port, user: "app", password: "apppw", "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"),
                       ["127.0.0.1", String(topology.masterPort)])
    }

    func testBadUserLineStopsStartupWithTheLine() throws {
        let path = topology.directory + "/bad-user.conf"
        try "port \(try LoopbackPorts.next())\nuser app on >pw +nosuchcommand\nsentinel monitor m 127.0.0.1 6379 1\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let vigil = try ManagedProcess(name: "bad", executable: Binaries.vigil, arguments: [path], directory: topology.directory)
        XCTAssertTrue(vigil.waitForExit(timeout: 10))
        XCTAssertEqual(vigil.process.terminationStatus, 1)
        XCTAssertTrue(vigil.output.contains(">>> 'user app on >pw +nosuchcommand'"), vigil.output)
        XCTAssertTrue(vigil.output.contains("Error in user declaration 'app': Unknown command or category name in ACL"), vigil.output)
    }
}
