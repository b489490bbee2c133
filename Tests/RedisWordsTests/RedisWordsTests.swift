import RedisWords
import XCTest

/// sdssplitargs as Redis 7.0 applies it to config lines and inline commands.
final class RedisWordsTests: XCTestCase {
    func words(_ line: String) -> [String]? {
        RedisWords.split(Array(line.utf8))?.map { String(decoding: $0, as: UTF8.self) }
    }

    func testSpacesSeparateWordsAndBlankLinesHaveNone() {
        XCTAssertEqual(words("  set  key\tvalue \r"), ["set", "key", "value"])
        XCTAssertEqual(words(" \t\u{0B}"), [])
        XCTAssertEqual(words(""), [])
    }

    func testVerticalTabAndFormFeedStayInsideAPlainWordButSeparateOthers() {
        XCTAssertEqual(words("ECHO\tx\u{0B}q\u{0C}r"), ["ECHO", "x\u{0B}q\u{0C}r"])
        XCTAssertEqual(words("a \u{0B}\u{0C} b"), ["a", "b"])
        XCTAssertEqual(words("\"q\"\u{0B}next"), ["q", "next"])
    }

    func testDoubleQuotesTakeEscapesAndHexBytes() {
        XCTAssertEqual(RedisWords.split(Array(#""a\n\r\t\b\a\"\\\q" "\x41\xfF" "\xZZ""#.utf8)),
                       [[97, 10, 13, 9, 8, 7, 34, 92, 113], [65, 255], Array("xZZ".utf8)])
        XCTAssertEqual(words(#""""#), [""])
        XCTAssertEqual(words(#"pre"fix word" next"#), ["prefix word", "next"])
    }

    func testSingleQuotesTakeOnlyAnEscapedQuote() {
        XCTAssertEqual(words(#"'it\'s' '\n'"#), ["it's", #"\n"#])
    }

    func testUnbalancedQuotesAndAQuoteEndingAWordEarlyAreRefused() {
        XCTAssertNil(words(#""open"#))
        XCTAssertNil(words("'open"))
        XCTAssertNil(words(#""closed"glued"#))
        XCTAssertNil(words("'closed'glued"))
        XCTAssertNil(words(#""ends in a backslash\"#))
    }
}
