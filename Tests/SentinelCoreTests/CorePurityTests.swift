import XCTest

/// The core decides and never does I/O (ARCHITECTURE.md): it must not import I/O or Foundation, and
/// neither may RedisWords, the one target it imports.
final class CorePurityTests: XCTestCase {
    func testCoreImportsNothingButTheStandardLibrary() throws {
        try checkImports(of: "SentinelCore")
    }

    func testRedisWordsImportsNothingButTheStandardLibrary() throws {
        try checkImports(of: "RedisWords")
    }

    func checkImports(of target: String) throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/" + target).standardized.resolvingSymlinksInPath()
        let files = try XCTUnwrap(FileManager.default.enumerator(atPath: sources.path)).compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") }
        XCTAssertFalse(files.isEmpty)
        let forbidden = ["Foundation", "NIO", "NIOCore", "NIOPosix", "Dispatch", "Glibc", "Darwin", "RESP"]
        for file in files {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(whereSeparator: \.isNewline) where line.trimmingCharacters(in: .whitespaces).hasPrefix("import ") {
                let module = line.split(separator: " ").last.map(String.init) ?? ""
                XCTAssertFalse(forbidden.contains(module), "\(file) imports \(module)")
            }
        }
    }
}
