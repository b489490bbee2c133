import RedisWords

/// A config line's words, read as Redis reads them (sdssplitargs) and written back (sdscatrepr).
enum ConfigLine {
    /// The line's words by Redis's rules (RedisWords, shared with the inline request parser); nil when
    /// its quotes are unbalanced.
    static func split(_ line: Substring) -> [String]? {
        RedisWords.split(Array(line.utf8))?.map { String(decoding: $0, as: UTF8.self) }
    }

    /// Redis's sdscatrepr: always quoted, with C escapes.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): result += "\\\\"
            case UInt8(ascii: "\""): result += "\\\""
            case 10: result += "\\n"
            case 13: result += "\\r"
            case 9: result += "\\t"
            case 7: result += "\\a"
            case 8: result += "\\b"
            case 32...126: result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789abcdef")
                result += "\\x" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 15)])
            }
        }
        return result + "\""
    }

    /// Quotes a word only when reading it back needs it (spaces, quotes, control bytes, empty).
    static func word(_ text: String) -> String {
        let plain = !text.isEmpty && text.utf8.allSatisfy { $0 > 32 && $0 < 127 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "'") }
        return plain ? text : quoted(text)
    }
}
