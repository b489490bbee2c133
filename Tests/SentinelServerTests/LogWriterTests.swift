import Foundation
import SentinelCore
@testable import SentinelServer
import XCTest

final class LogWriterTests: XCTestCase {
    func temporaryLogfile() -> String {
        NSTemporaryDirectory() + "vigil-log-\(getpid())-\(Int.random(in: 0..<1_000_000)).log"
    }

    func testRedisFormatLineHasPidRoleTimestampAndMark() throws {
        let path = temporaryLogfile()
        defer { unlink(path) }
        let writer = RedisLogWriter(logfile: path, level: .notice)
        writer.log(.warning, "+sdown master mymaster 127.0.0.1 6379")
        writer.log(.debug, "not written below the level")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let pattern = #"^\d+:X \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2}\.\d{3} # \+sdown master mymaster 127\.0\.0\.1 6379\n$"#
        XCTAssertNotNil(text.range(of: pattern, options: .regularExpression), text)
    }

    func testJSONLinesCarryEventAndMasterAndEscapeText() throws {
        let path = temporaryLogfile()
        defer { unlink(path) }
        let writer = RedisLogWriter(logfile: path, level: .notice, format: .json)
        writer.log(.objectivelyDown(.master("mymaster", Address(host: "127.0.0.1", port: 6379)), votes: 2, quorum: 2))
        writer.log(.notice, "a \"quoted\"\tline\\ with \u{1} control")
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        let event = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        XCTAssertEqual(event["event"] as? String, "+odown")
        XCTAssertEqual(event["master"] as? String, "mymaster")
        XCTAssertEqual(event["level"] as? String, "warning")
        XCTAssertEqual(event["message"] as? String, "+odown master mymaster 127.0.0.1 6379 #quorum 2/2")
        XCTAssertEqual(event["pid"] as? Int, Int(getpid()))
        XCTAssertNotNil((event["time"] as? String).flatMap { ISO8601DateFormatter().date(from: $0.replacingOccurrences(of: #"\.\d+"#, with: "", options: .regularExpression)) })
        let plain = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        XCTAssertEqual(plain["message"] as? String, "a \"quoted\"\tline\\ with \u{1} control")
        XCTAssertNil(plain["event"])
    }

    func testLogFormatDirective() throws {
        XCTAssertEqual(try ConfigFile.parse("vigil-log-format json\n").logFormat, .json)
        XCTAssertEqual(try ConfigFile.parse("port 26379\n").logFormat, .redis)
        XCTAssertThrowsError(try ConfigFile.parse("vigil-log-format xml\n")) { error in
            XCTAssertEqual((error as? ConfigError)?.reason, "argument must be 'redis' or 'json'")
        }
        let text = "vigil-log-format json\n"
        XCTAssertEqual(ConfigFile.rewrite(existing: text, with: try ConfigFile.parse(text)).split(separator: "\n").first, "vigil-log-format json")
    }
}
