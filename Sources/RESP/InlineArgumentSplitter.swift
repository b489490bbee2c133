/// Splits an inline command line the way Redis's sdssplitargs does: blanks separate words;
/// "..." understands \n \r \t \b \a \xHH and \<any>; '...' understands \' only; a closing quote
/// must be followed by a blank or the end of the line. Returns nil for unbalanced quotes.
enum InlineArgumentSplitter {
    private enum Mode { case plain, doubleQuoted, singleQuoted }

    static func split<Line: Collection>(_ line: Line) -> [[UInt8]]? where Line.Element == UInt8 {
        // Redis hands the line to a C string function, so everything after a NUL byte is ignored.
        let text = Array(line.prefix { $0 != 0 })
        var words: [[UInt8]] = []
        var index = 0
        while true {
            while index < text.count && isBlank(text[index]) { index += 1 }
            guard index < text.count else { return words }
            guard let (word, next) = readWord(text, from: index) else { return nil }
            words.append(word)
            index = next
        }
    }

    /// Reads one word starting at a non-blank byte: the word and the index after it.
    private static func readWord(_ text: [UInt8], from start: Int) -> ([UInt8], Int)? {
        var word: [UInt8] = []
        var mode = Mode.plain
        var index = start
        while index < text.count {
            let byte = text[index]
            let following: UInt8? = index + 1 < text.count ? text[index + 1] : nil
            switch mode {
            case .plain:
                switch byte {
                // Only these end an unquoted word (not \v or \f, which Redis keeps inside it).
                case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                    return (word, index + 1)
                case UInt8(ascii: "\""): mode = .doubleQuoted
                case UInt8(ascii: "'"): mode = .singleQuoted
                default: word.append(byte)
                }
            case .doubleQuoted:
                if byte == UInt8(ascii: "\\"), following == UInt8(ascii: "x"), index + 3 < text.count,
                    let high = hexValue(text[index + 2]), let low = hexValue(text[index + 3])
                {
                    word.append(high << 4 | low)
                    index += 3
                } else if byte == UInt8(ascii: "\\"), let escaped = following {
                    word.append(unescaped(escaped))
                    index += 1
                } else if byte == UInt8(ascii: "\"") {
                    return closingQuote(word, at: index, in: text)
                } else {
                    word.append(byte)
                }
            case .singleQuoted:
                if byte == UInt8(ascii: "\\"), following == UInt8(ascii: "'") {
                    word.append(UInt8(ascii: "'"))
                    index += 1
                } else if byte == UInt8(ascii: "'") {
                    return closingQuote(word, at: index, in: text)
                } else {
                    word.append(byte)
                }
            }
            index += 1
        }
        // The line ended: fine for a plain word, unbalanced inside quotes.
        return mode == .plain ? (word, index) : nil
    }

    private static func closingQuote(_ word: [UInt8], at index: Int, in text: [UInt8]) -> ([UInt8], Int)? {
        if index + 1 < text.count && !isBlank(text[index + 1]) { return nil }
        return (word, index + 1)
    }

    /// C's isspace: space, \t, \n, \v, \f, \r.
    static func isBlank(_ byte: UInt8) -> Bool { byte == 32 || (9...13).contains(byte) }

    private static func unescaped(_ byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "n"): return 10
        case UInt8(ascii: "r"): return 13
        case UInt8(ascii: "t"): return 9
        case UInt8(ascii: "b"): return 8
        case UInt8(ascii: "a"): return 7
        default: return byte
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
