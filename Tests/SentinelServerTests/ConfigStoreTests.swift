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
        // The read-only directory test may leave a directory we cannot delete from.
        chmod(directory, 0o755)
        try? FileManager.default.removeItem(atPath: directory)
    }

    func testWriteReplacesContentAtomicallyAndLeavesNoTemporaryFile() throws {
        let path = directory + "/sentinel.conf"
        FileManager.default.createFile(atPath: path, contents: Data("port 1\n".utf8))
        let store = ConfigStore(path: path)
        try store.checkWritable()
        try store.write("port 2\nsentinel myid x\n")
        XCTAssertEqual(try store.read(), "port 2\nsentinel myid x\n")
        try store.write("port 3\n")
        XCTAssertEqual(try store.read(), "port 3\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["sentinel.conf"])
    }

    func testWrittenFileHasRedisMode() throws {
        let path = directory + "/sentinel.conf"
        let store = ConfigStore(path: path)
        try store.write("port 1\n")
        let mask = umask(0o022)
        umask(mask)
        let mode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)
        XCTAssertEqual(mode_t(mode.intValue), 0o644 & ~mask)
    }

    func testStartupChecksUseRedisMessages() throws {
        let missing = directory + "/none.conf"
        XCTAssertThrowsError(try ConfigStore(path: missing).checkWritable()) { error in
            XCTAssertEqual("\(error)", "Fatal error, can't open config file '\(missing)': No such file or directory")
        }
    }

    func testReadOnlyConfigIsRefusedWithRedisMessage() throws {
        // Root may write any file: as root, this test runs again as nobody (UnprivilegedRerun).
        if UnprivilegedRerun.ranInChild(self) { return }
        let path = directory + "/readonly.conf"
        FileManager.default.createFile(atPath: path, contents: Data("port 1\n".utf8), attributes: [.posixPermissions: 0o444])
        XCTAssertThrowsError(try ConfigStore(path: path).checkWritable()) { error in
            XCTAssertEqual("\(error)", "Sentinel config file \(path) is not writable: Permission denied. Exiting...")
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
        XCTAssertThrowsError(try ConfigStore(path: path).write("port 1\n")) { error in
            XCTAssertTrue("\(error)".contains("Is a directory"), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["config-dir"], "the temporary file is removed")
        XCTAssertThrowsError(try ConfigStore(path: path).read())
    }

    func testUnwritableDirectoryIsReportedAndTheOldFileStands() throws {
        // Root may write in any directory: as root, this test runs again as nobody (UnprivilegedRerun).
        if UnprivilegedRerun.ranInChild(self) { return }
        let path = directory + "/sentinel.conf"
        FileManager.default.createFile(atPath: path, contents: Data("port 1\n".utf8))
        XCTAssertEqual(chmod(directory, 0o555), 0)
        XCTAssertThrowsError(try ConfigStore(path: path).write("port 2\n")) { error in
            XCTAssertTrue("\(error)".hasSuffix("Permission denied"), "\(error)")
        }
        XCTAssertEqual(try ConfigStore(path: path).read(), "port 1\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["sentinel.conf"])
    }
}
