import SentinelCore
import XCTest

/// `maxclients`, `timeout` and `client-output-buffer-limit`: read, refused and rewritten as Redis 7.0
/// does (the strings were taken from redis-sentinel 7.0.15 given the same lines).
final class ClientDirectivesTests: XCTestCase {
    func testDefaultsAreRedis() throws {
        let config = try ConfigFile.parse("port 26379\n")
        XCTAssertEqual(config.maxClients, 10_000)
        XCTAssertEqual(config.clientIdleTimeoutSeconds, 0)
        XCTAssertEqual(config.clientOutputBufferLimits.normal, OutputBufferLimit(hardBytes: 0, softBytes: 0, softSeconds: 0))
        XCTAssertEqual(config.clientOutputBufferLimits.replica, OutputBufferLimit(hardBytes: 256 << 20, softBytes: 64 << 20, softSeconds: 60))
        XCTAssertEqual(config.clientOutputBufferLimits.pubsub, OutputBufferLimit(hardBytes: 32 << 20, softBytes: 8 << 20, softSeconds: 60))
    }

    func testValuesAndUnits() throws {
        let config = try ConfigFile.parse("""
            maxclients 4294967295
            timeout 300
            client-output-buffer-limit PUBSUB 1MB 2Kb 3
            client-output-buffer-limit normal 1g 5k 0 slave 7b 0 +9
            client-output-buffer-limit

            """)
        XCTAssertEqual(config.maxClients, 4_294_967_295)
        XCTAssertEqual(config.clientIdleTimeoutSeconds, 300)
        XCTAssertEqual(config.clientOutputBufferLimits.pubsub, OutputBufferLimit(hardBytes: 1 << 20, softBytes: 2_048, softSeconds: 3))
        XCTAssertEqual(config.clientOutputBufferLimits.normal, OutputBufferLimit(hardBytes: 1_000_000_000, softBytes: 5_000, softSeconds: 0))
        XCTAssertEqual(config.clientOutputBufferLimits.replica, OutputBufferLimit(hardBytes: 7, softBytes: 0, softSeconds: 9))
    }

    func testBadValuesAreRefusedWithRedisErrors() {
        let cases: [(String, String)] = [
            ("maxclients 0", "argument must be between 1 and 4294967295 inclusive"),
            ("maxclients 4294967296", "argument must be between 1 and 4294967295 inclusive"),
            ("maxclients -1", "argument must be between 1 and 4294967295 inclusive"),
            ("maxclients 10k", "argument couldn't be parsed into an integer"),
            ("maxclients 010", "argument couldn't be parsed into an integer"),
            ("maxclients", "wrong number of arguments"),
            ("maxclients 1 2", "wrong number of arguments"),
            ("timeout -1", "argument must be between 0 and 2147483647 inclusive"),
            ("timeout 2147483648", "argument must be between 0 and 2147483647 inclusive"),
            ("timeout x", "argument couldn't be parsed into an integer"),
            ("client-output-buffer-limit pubsub 1mb 0", "Wrong number of arguments in buffer limit configuration."),
            ("client-output-buffer-limit pubsub 1 2 3 normal 1 2", "Wrong number of arguments in buffer limit configuration."),
            ("client-output-buffer-limit master 0 0 0", "Invalid client class specified in buffer limit configuration."),
            ("client-output-buffer-limit foo 0 0 0", "Invalid client class specified in buffer limit configuration."),
            ("client-output-buffer-limit pubsub 1xb 0 0", "Error in hard, soft or soft_seconds setting in buffer limit configuration."),
            ("client-output-buffer-limit pubsub -1 0 0", "Error in hard, soft or soft_seconds setting in buffer limit configuration."),
            ("client-output-buffer-limit pubsub 1 0 -1", "Error in hard, soft or soft_seconds setting in buffer limit configuration."),
            ("client-output-buffer-limit pubsub 1 0 1x", "Error in hard, soft or soft_seconds setting in buffer limit configuration."),
        ]
        for (line, reason) in cases {
            XCTAssertThrowsError(try ConfigFile.parse("port 26379\n\(line)\n"), line) { error in
                XCTAssertEqual(error as? ConfigError, ConfigError(line: 2, text: line, reason: reason))
            }
        }
    }

    /// Redis's rewrite: lines take the places of the option's old lines in order, defaults only where a
    /// line was, sizes in the largest exact unit (what redis-sentinel 7.0.15 wrote for this file).
    func testRewriteWritesThemAsRedisDoes() throws {
        let file = """
            port 26379
            client-output-buffer-limit pubsub 32mb 8mb 60
            maxclients 100
            timeout 0
            client-output-buffer-limit PUBSUB 1MB 2Kb 3
            client-output-buffer-limit normal 1000 0 0 replica 256mb 64mb 60

            """
        let config = try ConfigFile.parse(file)
        let rewritten = ConfigFile.rewrite(existing: file, with: config)
        XCTAssertEqual(Array(rewritten.split(separator: "\n").prefix(6)), [
            "port 26379", "client-output-buffer-limit normal 1000 0 0", "maxclients 100", "timeout 0",
            "client-output-buffer-limit replica 256mb 64mb 60", "client-output-buffer-limit pubsub 1mb 2kb 3",
        ])
        XCTAssertEqual(try ConfigFile.parse(rewritten), config)
        XCTAssertFalse(ConfigFile.rewrite(existing: "port 26379\n", with: SentinelConfig()).contains("client-output-buffer-limit"))
        var changed = SentinelConfig()
        changed.maxClients = 64
        changed.clientIdleTimeoutSeconds = 5
        changed.clientOutputBufferLimits.normal = OutputBufferLimit(hardBytes: 3 << 30, softBytes: 1_025, softSeconds: 1)
        let appended = ConfigFile.rewrite(existing: "port 26379\n", with: changed)
        for line in ["maxclients 64", "timeout 5", "client-output-buffer-limit normal 3gb 1025 1"] {
            XCTAssertTrue(appended.contains("\n\(line)\n"), appended)
        }
        XCTAssertEqual(try ConfigFile.parse(appended).clientOutputBufferLimits, changed.clientOutputBufferLimits)
    }
}
