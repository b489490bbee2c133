import Foundation
import SentinelCore

/// Reads the files of an `include` line as Redis 7.0 does: a path with `*`, `?` or `[` is a glob
/// pattern and may match nothing; any other path must open. Paths are relative to the working
/// directory at that point of the file (a `dir` line above has changed it). Matches are read in
/// name order (Redis reads them in directory order, which is not stable).
enum IncludeReader {
    static func read(_ pattern: String) -> Result<[(path: String, text: String)], ConfigFile.IncludeFailure> {
        var paths = [pattern]
        if pattern.contains(where: { "*?[".contains($0) }) {
            var matches = glob_t()
            defer { globfree(&matches) }
            let status = glob(pattern, GLOB_ERR, nil, &matches)
            guard status == 0 else {
                if status == GLOB_NOMATCH { return .success([]) }
                return .failure(.init(reason: "Fatal error, can't read the files matching '\(pattern)'"))
            }
            paths = (0..<Int(matches.gl_pathc)).compactMap { matches.gl_pathv[$0].map { String(cString: $0) } }.sorted()
        }
        var files: [(path: String, text: String)] = []
        for path in paths {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                return .failure(.init(reason: "Fatal error, can't open config file '\(path)': \(String(cString: strerror(errno)))"))
            }
            close(fd)
            do {
                files.append((path, try ConfigStore(path: path).read()))
            } catch {
                return .failure(.init(reason: "Fatal error, can't open config file '\(path)': \(error)"))
            }
        }
        return .success(files)
    }
}
