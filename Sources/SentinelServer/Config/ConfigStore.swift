import Foundation

/// The config file on disk. Writes are atomic and durable: a temp file beside it, fsync, rename over
/// the file, fsync of the directory; on any failure the temp file is removed and the old file stands.
public struct ConfigStore: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public let path: String

    public init(path: String) {
        self.path = path
    }

    var directory: String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let dir = String(path[..<slash])
        return dir.isEmpty ? "/" : dir
    }

    /// Redis's start-up checks: the file must exist and be writable.
    public func checkWritable() throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw Failure(description: "Fatal error, can't open config file '\(path)': No such file or directory")
        }
        guard access(path, W_OK) == 0 else {
            throw Failure(description: "Sentinel config file \(path) is not writable: \(Self.lastError()). Exiting...")
        }
    }

    /// Temp files a killed process left beside the config (`<file>.tmp-XXXXXX`): never the config
    /// itself, since the rename that would have made one the config did not happen. Removed at start-up.
    public func removeStaleTemporaryFiles() {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for entry in entries where entry.hasPrefix(name + ".tmp-") && entry.count == name.count + 11 {
            unlink(directory + "/" + entry)
        }
    }

    public func read() throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(description: "cannot open \(path): \(Self.lastError())") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "cannot read \(path): \(Self.lastError())")
            }
            if count == 0 { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public func write(_ text: String) throws {
        var template = Array("\(path).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        if fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        guard fd >= 0 else { throw Failure(description: "cannot create a temporary file beside \(path): \(Self.lastError())") }
        let tempPath = String(cString: template)
        var renamed = false
        defer {
            close(fd)
            if !renamed { unlink(tempPath) }
        }
        try writeAll(fd, Array(text.utf8), tempPath)
        guard fsync(fd) == 0 else { throw Failure(description: "cannot fsync \(tempPath): \(Self.lastError())") }
        let mask = umask(0)
        umask(mask)
        fchmod(fd, 0o644 & ~mask)
        guard rename(tempPath, path) == 0 else { throw Failure(description: "cannot rename \(tempPath) to \(path): \(Self.lastError())") }
        renamed = true
        let dirFD = open(directory, O_RDONLY | O_CLOEXEC)
        guard dirFD >= 0 else { throw Failure(description: "cannot open directory \(directory): \(Self.lastError())") }
        defer { close(dirFD) }
        guard fsync(dirFD) == 0 else { throw Failure(description: "cannot fsync directory \(directory): \(Self.lastError())") }
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8], _ name: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "cannot write \(name): \(Self.lastError())")
            }
            offset += written
        }
    }

    static func lastError() -> String { String(cString: strerror(errno)) }
}
