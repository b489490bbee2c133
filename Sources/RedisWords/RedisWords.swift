/// Redis's word splitter (sdssplitargs), the one reader of quoted words for both the config file
/// (SentinelCore's ConfigFile) and inline commands (RESP's RESPRequestParser): spaces separate words;
/// "..." allows \n \r \t \b \a \xHH and \<char> escapes; '...' allows \'; a closing quote must be
/// followed by a space or the end of the line. Stdlib only, so the core can use it and stay pure.
public enum RedisWords {
    /// The words of `line`, or nil when a quote is unbalanced (or a closing quote ends a word early).
    public static func split(_ line: [UInt8]) -> [[UInt8]]? {
        var words: [[UInt8]] = []
        var index = 0
        // Bounded: every pass of either loop consumes at least one byte of the line.
        while true {
            while index < line.count && isSpace(line[index]) { index += 1 }
            guard index < line.count else { return words }
            var word: [UInt8] = []
            var quote: UInt8? = nil
            var done = false
            while !done {
                guard index < line.count else {
                    if quote != nil { return nil }
                    break
                }
                let byte = line[index]
                if quote == UInt8(ascii: "\"") {
                    if byte == UInt8(ascii: "\\"), index + 3 < line.count, line[index + 1] == UInt8(ascii: "x"),
                        let high = hexValue(line[index + 2]), let low = hexValue(line[index + 3])
                    {
                        word.append(high << 4 | low)
                        index += 3
                    } else if byte == UInt8(ascii: "\\"), index + 1 < line.count {
                        index += 1
                        word.append(unescaped(line[index]))
                    } else if byte == UInt8(ascii: "\"") {
                        if index + 1 < line.count && !isSpace(line[index + 1]) { return nil }
                        done = true
                    } else {
                        word.append(byte)
                    }
                } else if quote == UInt8(ascii: "'") {
                    if byte == UInt8(ascii: "\\"), index + 1 < line.count, line[index + 1] == UInt8(ascii: "'") {
                        index += 1
                        word.append(UInt8(ascii: "'"))
                    } else if byte == UInt8(ascii: "'") {
                        if index + 1 < line.count && !isSpace(line[index + 1]) { return nil }
                        done = true
                    } else {
                        word.append(byte)
                    }
                } else if endsPlainWord(byte) {
                    done = true
                } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                    quote = byte
                } else {
                    word.append(byte)
                }
                index += 1
            }
            words.append(word)
        }
    }

    /// C's isspace: space, \t, \n, \v, \f, \r. It skips blanks between words and must follow a
    /// closing quote.
    static func isSpace(_ byte: UInt8) -> Bool { byte == 32 || (9...13).contains(byte) }

    /// What ends an unquoted word in sdssplitargs: space, \t, \n and \r only, so \v and \f stay
    /// inside the word (redis-server answers `ECHO x\vq` with the three bytes `x\vq`).
    static func endsPlainWord(_ byte: UInt8) -> Bool { byte == 32 || byte == 9 || byte == 10 || byte == 13 }

    /// The byte a backslash escape inside "..." stands for.
    static func unescaped(_ byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "n"): return 10
        case UInt8(ascii: "r"): return 13
        case UInt8(ascii: "t"): return 9
        case UInt8(ascii: "b"): return 8
        case UInt8(ascii: "a"): return 7
        default: return byte
        }
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
