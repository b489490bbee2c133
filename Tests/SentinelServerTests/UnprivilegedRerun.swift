import Foundation
import XCTest

/// Root passes every permission check, and CI runs the tests as root: a test of a permission refusal
/// run as root proves nothing. Under root such a test runs itself again in a child process as
/// `nobody`: setpriv (util-linux) drops the user, the group, the supplementary groups and with them
/// every capability, then executes this test binary with only that test selected. The child runs
/// the test's body and its assertions; the parent checks that it ran and passed.
enum UnprivilegedRerun {
    static let setpriv = "/usr/bin/setpriv"
    static let user = "nobody"

    /// True when the test already ran as `nobody` in a child (the caller returns); false when this
    /// process is unprivileged and the caller runs the body itself.
    static func ranInChild(_ test: XCTestCase, function: String = #function, file: StaticString = #filePath, line: UInt = #line) -> Bool {
        guard getuid() == 0 else { return false }
        guard let account = getpwnam(user) else {
            XCTFail("running as root, and there is no user '\(user)' to run this permission test as", file: file, line: line)
            return true
        }
        guard FileManager.default.isExecutableFile(atPath: setpriv) else {
            XCTFail("running as root, and \(setpriv) (util-linux) is missing to run this permission test as '\(user)'", file: file, line: line)
            return true
        }
        // XCTest on Linux selects one test as `Module.Class/method`.
        let selected = String(reflecting: type(of: test)) + "/" + function.replacingOccurrences(of: "()", with: "")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: setpriv)
        process.arguments = [
            "--reuid=\(account.pointee.pw_uid)", "--regid=\(account.pointee.pw_gid)", "--clear-groups", "--inh-caps=-all",
            testBinary(), selected,
        ]
        // Root's home is closed to nobody.
        process.environment = ProcessInfo.processInfo.environment.merging(["HOME": NSTemporaryDirectory()]) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        do {
            try process.run()
        } catch {
            XCTFail("could not start \(setpriv): \(error)", file: file, line: line)
            return true
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // Skipped or failed in the child is a failure here: the test must have run and passed as nobody.
        XCTAssertEqual(process.terminationStatus, 0, "\(selected) as \(user):\n\(text)", file: file, line: line)
        XCTAssertTrue(text.contains("Executed 1 test, with 0 failures"), "\(selected) as \(user):\n\(text)", file: file, line: line)
        return true
    }

    /// This process's executable: the test binary `swift test` started.
    static func testBinary() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
