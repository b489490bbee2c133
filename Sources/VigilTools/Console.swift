import Foundation

/// What the tools print: progress for people watching, also through a pipe (tee, CI logs), so each
/// line goes out at once; and failures on standard error with the exit code that goes with them.
public enum Console {
    public static func say(_ text: String) {
        print(text)
        fflush(nil)
    }

    public static func error(_ message: String) {
        FileHandle.standardError.write(Data(message.utf8))
    }

    /// Writes `message` to standard error and returns `code`, for `return Console.fail(...)`.
    public static func fail(_ message: String, code: Int32) -> Int32 {
        error(message)
        return code
    }
}

/// A value on the command line that is not what its option takes, in one sentence.
public struct UsageProblem: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
