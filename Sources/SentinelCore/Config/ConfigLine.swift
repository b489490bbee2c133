import RedisWords

/// A config line's words, read as Redis reads them (sdssplitargs) and written back (sdscatrepr).
enum ConfigLine {
    /// The line's words by Redis's rules (RedisWords, shared with the inline request parser); nil when
    /// its quotes are unbalanced.
    static func split(_ line: Substring) -> [String]? {
        RedisWords.split(Array(line.utf8))?.map { String(decoding: $0, as: UTF8.self) }
    }

    /// Quotes a word only when reading it back needs it (spaces, quotes, control bytes, empty).
    static func word(_ text: String) -> String {
        let plain = !text.isEmpty && text.utf8.allSatisfy { $0 > 32 && $0 < 127 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "'") }
        return plain ? text : RedisRepr.quoted(text)
    }
}
