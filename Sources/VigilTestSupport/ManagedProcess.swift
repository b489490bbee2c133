import Foundation

/// A child process started by a test and stopped by its PID (never by name), with its output in files.
public final class ManagedProcess: @unchecked Sendable {
    public let process = Process()
    public let outputPath: String
    public let name: String

    public init(name: String, executable: String, arguments: [String], directory: String, environment: [String: String] = [:]) throws {
        self.name = name
        outputPath = directory + "/\(name).out"
        FileManager.default.createFile(atPath: outputPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardOutput = output
        process.standardError = output
        try process.run()
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }
    public var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    public func signal(_ number: Int32) { if process.isRunning { kill(pid, number) } }
    public func pause() { signal(SIGSTOP) }
    public func resume() { signal(SIGCONT) }

    /// SIGTERM, then SIGKILL if it has not exited within the bound.
    public func stop(timeout: TimeInterval = 5) {
        guard process.isRunning else { return }
        kill(pid, SIGCONT)
        kill(pid, SIGTERM)
        if !waitForExit(timeout: timeout) {
            kill(pid, SIGKILL)
            _ = waitForExit(timeout: timeout)
        }
    }

    public func killHard() {
        guard process.isRunning else { return }
        kill(pid, SIGKILL)
        _ = waitForExit(timeout: 5)
    }

    @discardableResult
    public func waitForExit(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        return !process.isRunning
    }
}

/// Polls until `condition` holds or the timeout passes; bounded in time.
@discardableResult
public func waitUntil(timeout: TimeInterval, interval: TimeInterval = 0.05, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(useconds_t(interval * 1_000_000))
    }
    return condition()
}

/// Runs `vigil <arguments>` to completion: its exit status, standard output and standard error.
public func runVigil(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Binaries.vigil)
    process.arguments = arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outputData, as: UTF8.self), String(decoding: errorData, as: UTF8.self))
}
