import Foundation
import SentinelServer
import XCTest

final class ConfigStoreTests: XCTestCase {
    var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "vigil-store-\(getpid())-\(Int.random(in: 0..<1_000_000))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func testWriteReplacesContentAtomicallyAndLeavesNoTemporaryFile() throws {
        let path = directory + "/sentinel.conf"
        FileManager.default.createFile(atPath: path, contents: Data("port 1\n".utf8))
        let store = ConfigStore(path: path)
        try store.checkWritable()
        try store.write("port 2\nsentinel myid x\n")
        XCTAssertEqual(try store.read(), "port 2\nsentinel myid x\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["sentinel.conf"])
    }

    func testMissingAndUnwritableFilesAreReportedAsRedisDoes() throws {
        let missing = ConfigStore(path: directory + "/none.conf")
        XCTAssertThrowsError(try missing.checkWritable()) { error in
            XCTAssertEqual("\(error)", "Fatal error, can't open config file '\(self.directory!)/none.conf': No such file or directory")
        }
        let path = directory + "/readonly.conf"
        FileManager.default.createFile(atPath: path, contents: Data("port 1\n".utf8), attributes: [.posixPermissions: 0o444])
        if getuid() != 0 {
            XCTAssertThrowsError(try ConfigStore(path: path).checkWritable()) { error in
                XCTAssertTrue("\(error)".hasPrefix("Sentinel config file \(path) is not writable: "))
            }
        }
    }

    func testStaleTemporaryFilesOfTheConfigAreRemovedAndNothingElse() throws {
        let path = directory + "/sentinel.conf"
        for name in ["sentinel.conf", "sentinel.conf.tmp-a1B2c3", "other.conf.tmp-a1B2c3", "sentinel.conf.tmp-notes.txt"] {
            FileManager.default.createFile(atPath: directory + "/" + name, contents: Data("x".utf8))
        }
        ConfigStore(path: path).removeStaleTemporaryFiles()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory).sorted(),
                       ["other.conf.tmp-a1B2c3", "sentinel.conf", "sentinel.conf.tmp-notes.txt"])
    }

    func testWritingWhereTheConfigIsADirectoryFailsCleanly() throws {
        let path = directory + "/config-dir"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        XCTAssertThrowsError(try ConfigStore(path: path).write("port 1\n"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["config-dir"], "the temporary file is removed")
    }
}
