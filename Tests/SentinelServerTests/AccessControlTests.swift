import NIOCore
import NIOEmbedded
import RESP
import SentinelCore
@testable import SentinelServer
import XCTest

/// ACL users on Vigil's own port, over the real connection handler.
final class AccessControlTests: XCTestCase {
    var target: RecordingTarget!

    func makeChannel(requirepass: String? = nil, users: [[String]] = []) throws -> (EmbeddedChannel, ClientServerContext) {
        target = RecordingTarget()
        let configuration = ClientServerConfiguration(bind: ["127.0.0.1"], port: 26379, requirepass: requirepass, users: users, configPath: "/tmp/x.conf")
        let context = ClientServerContext(configuration: configuration, target: target)
        return (try clientChannel(context), context)
    }

    func newConnection(_ context: ClientServerContext) throws -> EmbeddedChannel {
        try clientChannel(context, port: 2)
    }

    func testSetUserAuthenticatesAndLimitsCommands() throws {
        let (admin, context) = try makeChannel()
        XCTAssertEqual(try exchange(admin, "ACL SETUSER watcher on >pw +ping +sentinel|get-master-addr-by-name +sentinel|masters\r\n"), "+OK\r\n")
        XCTAssertEqual(target.savedUsers.last?.map(\.first), ["default", "watcher"], "users reach the config file before the reply")
        let hash = SHA256.hex(of: Array("pw".utf8))
        XCTAssertEqual(target.savedUsers.last?.last, ["watcher", "on", "#\(hash)", "resetchannels", "-@all", "+ping", "+sentinel|get-master-addr-by-name", "+sentinel|masters"])
        let watcher = try newConnection(context)
        XCTAssertEqual(try exchange(watcher, "AUTH watcher nope\r\n"), "-WRONGPASS invalid username-password pair or user is disabled.\r\n")
        XCTAssertEqual(try exchange(watcher, "AUTH watcher pw\r\n"), "+OK\r\n")
        XCTAssertEqual(try exchange(watcher, "ACL WHOAMI\r\n"), "-NOPERM this user has no permissions to run the 'acl|whoami' command\r\n")
        XCTAssertEqual(try exchange(watcher, "PING\r\n"), "+PONG\r\n")
        XCTAssertEqual(try exchange(watcher, "SENTINEL masters\r\n"), "*1\r\n*2\r\n$4\r\nname\r\n$8\r\nmymaster\r\n")
        XCTAssertEqual(try exchange(watcher, "SENTINEL failover mymaster\r\n"), "-NOPERM this user has no permissions to run the 'sentinel|failover' command\r\n")
        XCTAssertEqual(try exchange(watcher, "SUBSCRIBE +switch-master\r\n"), "-NOPERM this user has no permissions to run the 'subscribe' command\r\n")
        XCTAssertEqual(try exchange(admin, "ACL SETUSER watcher +subscribe &+switch-master\r\n"), "+OK\r\n")
        XCTAssertEqual(try exchange(watcher, "SUBSCRIBE +sdown\r\n"), "-NOPERM this user has no permissions to access one of the channels used as arguments\r\n")
        XCTAssertTrue(try exchange(watcher, "SUBSCRIBE +switch-master\r\n").hasPrefix("*3\r\n$9\r\nsubscribe\r\n"))
    }

    func testListGetUserUsersAndDelete() throws {
        let (admin, context) = try makeChannel()
        XCTAssertEqual(try exchange(admin, "ACL SETUSER alice on >secret +@all ~* &*\r\n"), "+OK\r\n")
        let hash = SHA256.hex(of: Array("secret".utf8))
        let aliceLine = "user alice on #\(hash) ~* &* +@all"
        XCTAssertEqual(try exchange(admin, "ACL LIST\r\n"),
                       "*2\r\n$34\r\nuser default on nopass ~* &* +@all\r\n$\(aliceLine.utf8.count)\r\n\(aliceLine)\r\n")
        XCTAssertEqual(try exchange(admin, "ACL USERS\r\n"), "*2\r\n$7\r\ndefault\r\n$5\r\nalice\r\n")
        XCTAssertTrue(try exchange(admin, "ACL GETUSER alice\r\n").hasPrefix("*12\r\n$5\r\nflags\r\n*4\r\n$2\r\non\r\n$7\r\nallkeys\r\n$11\r\nallchannels\r\n$11\r\nallcommands\r\n"))
        XCTAssertEqual(try exchange(admin, "ACL GETUSER nobody\r\n"), "$-1\r\n")
        let alice = try newConnection(context)
        XCTAssertEqual(try exchange(alice, "AUTH alice secret\r\nACL WHOAMI\r\n"), "+OK\r\n$5\r\nalice\r\n")
        XCTAssertEqual(try exchange(admin, "ACL DELUSER default\r\n"), "-ERR The 'default' user cannot be removed\r\n")
        XCTAssertEqual(try exchange(admin, "ACL DELUSER alice nobody\r\n"), ":1\r\n")
        XCTAssertFalse(alice.isActive, "a deleted user's connections are closed")
        XCTAssertEqual(target.savedUsers.last?.map(\.first), ["default"])
    }

    func testBadModifiersChangeNothing() throws {
        let (admin, _) = try makeChannel()
        XCTAssertEqual(try exchange(admin, "ACL SETUSER bob on >pw +nosuchcommand\r\n"),
                       "-ERR Error in ACL SETUSER modifier '+nosuchcommand': Unknown command or category name in ACL\r\n")
        XCTAssertEqual(try exchange(admin, "ACL SETUSER bob on #abc\r\n"),
                       "-ERR Error in ACL SETUSER modifier '#abc': The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters\r\n")
        XCTAssertEqual(try exchange(admin, "ACL SETUSER bob bogus\r\n"), "-ERR Error in ACL SETUSER modifier 'bogus': Syntax error\r\n")
        XCTAssertEqual(try exchange(admin, "ACL USERS\r\n"), "*1\r\n$7\r\ndefault\r\n")
        target.savesSucceed = false
        XCTAssertEqual(try exchange(admin, "ACL SETUSER carol on nopass\r\n"), "-ERR Failed to save the users to the config file; nothing changed\r\n")
        XCTAssertEqual(try exchange(admin, "ACL USERS\r\n"), "*1\r\n$7\r\ndefault\r\n")
    }

    func testDefaultUserOffOrWithPasswordLocksNewConnectionsOut() throws {
        let (_, context) = try makeChannel(users: [["default", "off"], ["ops", "on", ">pw", "+@all", "&*"]])
        let anonymous = try newConnection(context)
        XCTAssertEqual(try exchange(anonymous, "SENTINEL masters\r\n"), "-NOAUTH Authentication required.\r\n", "learns nothing, not even the master list")
        XCTAssertEqual(try exchange(anonymous, "AUTH default pw\r\n"), "-WRONGPASS invalid username-password pair or user is disabled.\r\n")
        XCTAssertEqual(try exchange(anonymous, "AUTH ops pw\r\nSENTINEL masters\r\n"), "+OK\r\n*1\r\n*2\r\n$4\r\nname\r\n$8\r\nmymaster\r\n")
        let (_, guarded) = try makeChannel(requirepass: "s3cret")
        let client = try newConnection(guarded)
        XCTAssertEqual(try exchange(client, "ROLE\r\n"), "-NOAUTH Authentication required.\r\n")
        XCTAssertEqual(try exchange(client, "AUTH default s3cret\r\nACL WHOAMI\r\n"), "+OK\r\n$7\r\ndefault\r\n")
    }
}
