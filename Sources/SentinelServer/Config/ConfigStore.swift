import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The config file on disk. Writes are atomic and durable as Redis makes them (§2.2): a temp file
/// `<path>.tmp-XXXXXX` beside it (close-on-exec), fsync, fchmod 0644 & ~umask, rename over the
/// file, fsync of the directory. On any failure the temp file is removed and the old file stands.
public struct ConfigStore: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Read in chunks of this size: a sentinel config is a few kilobytes.
    static let readChunkBytes = 64 * 1024
    /// The mode Redis gives a rewritten config before the umask applies.
    static let fileMode: mode_t = 0o644
    /// Random temp names to try before giving up (glibc's mkostemp tries many more; a clash is rare).
    static let temporaryNameAttempts = 100
    /// The process umask, read once (reading it means setting it, which is not thread-safe later).
    static let processUmask: mode_t = {
        let mask = umask(0o022)
        umask(mask)
        return mask
    }()

    public let path: String

    /// `path` is absolute: Redis makes it so before `dir` changes the working directory.
    public init(path: String) {
        self.path = path
        _ = Self.processUmask
    }

    var directory: String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let dir = String(path[..<slash])
        return dir.isEmpty ? "/" : dir
    }

    /// Redis's start-up checks of the file, with its messages (verified against redis-sentinel
    /// 7.0.15): a file that cannot be opened (Redis's config loader fails first), a read-only file.
    /// No path at all is the daemon's to refuse: it knows before a store exists.
    public func checkWritable() throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(description: "Fatal error, can't open config file '\(path)': \(Self.lastError())") }
        close(fd)
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
        var chunk = [UInt8](repeating: 0, count: Self.readChunkBytes)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
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
        let (fd, tempPath) = try createTemporaryFile()
        var renamed = false
        defer {
            close(fd)
            if !renamed { unlink(tempPath) }
        }
        try writeAll(fd, Array(text.utf8), tempPath)
        guard fsync(fd) == 0 else { throw Failure(description: "cannot fsync \(tempPath): \(Self.lastError())") }
        guard fchmod(fd, Self.fileMode & ~Self.processUmask) == 0 else {
            throw Failure(description: "cannot chmod \(tempPath): \(Self.lastError())")
        }
        guard rename(tempPath, path) == 0 else {
            throw Failure(description: "cannot rename \(tempPath) to \(path): \(Self.lastError())")
        }
        renamed = true
        try fsyncDirectory()
    }

    /// mkostemp(O_CLOEXEC) as Redis uses it (Glibc does not export it to Swift): a new file with a
    /// random suffix, created exclusively, retried when the name is taken.
    private func createTemporaryFile() throws -> (Int32, String) {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        for _ in 0..<Self.temporaryNameAttempts {
            let suffix = String((0..<6).map { _ in alphabet.randomElement()! })
            let tempPath = "\(path).tmp-\(suffix)"
            let fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd >= 0 { return (fd, tempPath) }
            if errno != EEXIST { break }
        }
        throw Failure(description: "cannot create a temporary file beside \(path): \(Self.lastError())")
    }

    /// Makes the rename itself durable.
    private func fsyncDirectory() throws {
        let dirFD = open(directory, O_RDONLY | O_CLOEXEC)
        guard dirFD >= 0 else { throw Failure(description: "cannot open directory \(directory): \(Self.lastError())") }
        defer { close(dirFD) }
        guard fsync(dirFD) == 0 else { throw Failure(description: "cannot fsync directory \(directory): \(Self.lastError())") }
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8], _ name: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "cannot write \(name): \(Self.lastError())")
            }
            offset += written
        }
    }

    static func lastError() -> String { String(cString: strerror(errno)) }
}
