/// Splits a config line into words as Redis does (sdssplitargs): spaces separate words; "..." allows
/// \n \r \t \b \a \xHH and \<char> escapes; '...' allows \'; a closing quote must end the word.
enum ConfigLine {
    /// A line without the CRs before its end: a CR the line split left (a CRLF file, or stray CRs)
    /// is not part of what the line says, and a rewrite must not carry it into a line of its own.
    static func withoutTrailingCarriageReturns(_ line: Substring) -> Substring {
        var line = line
        while line.last == "\r" { line = line.dropLast() }
        return line
    }

    static func split(_ line: Substring) -> [String]? {
        let bytes = Array(line.utf8)
        var words: [String] = []
        var index = 0
        func isSpace(_ byte: UInt8) -> Bool { byte == 32 || (9...13).contains(byte) }
        while true {
            while index < bytes.count && isSpace(bytes[index]) { index += 1 }
            guard index < bytes.count else { return words }
            var word: [UInt8] = []
            var quote: UInt8? = nil
            var done = false
            while !done {
                guard index < bytes.count else {
                    if quote != nil { return nil }
                    break
                }
                let byte = bytes[index]
                if quote == UInt8(ascii: "\"") {
                    if byte == UInt8(ascii: "\\"), index + 3 < bytes.count, bytes[index + 1] == UInt8(ascii: "x"),
                        let high = hex(bytes[index + 2]), let low = hex(bytes[index + 3])
                    {
                        word.append(high << 4 | low)
                        index += 3
                    } else if byte == UInt8(ascii: "\\"), index + 1 < bytes.count {
                        index += 1
                        word.append(unescape(bytes[index]))
                    } else if byte == UInt8(ascii: "\"") {
                        if index + 1 < bytes.count && !isSpace(bytes[index + 1]) { return nil }
                        done = true
                    } else {
                        word.append(byte)
                    }
                } else if quote == UInt8(ascii: "'") {
                    if byte == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "'") {
                        index += 1
                        word.append(UInt8(ascii: "'"))
                    } else if byte == UInt8(ascii: "'") {
                        if index + 1 < bytes.count && !isSpace(bytes[index + 1]) { return nil }
                        done = true
                    } else {
                        word.append(byte)
                    }
                } else if isSpace(byte) {
                    done = true
                } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                    quote = byte
                } else {
                    word.append(byte)
                }
                index += 1
            }
            words.append(String(decoding: word, as: UTF8.self))
        }
    }

    static func unescape(_ byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "n"): return 10
        case UInt8(ascii: "r"): return 13
        case UInt8(ascii: "t"): return 9
        case UInt8(ascii: "b"): return 8
        case UInt8(ascii: "a"): return 7
        default: return byte
        }
    }

    static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Quotes a word only when reading it back needs it (spaces, quotes, control bytes, empty).
    static func word(_ text: String) -> String {
        let plain = !text.isEmpty && text.utf8.allSatisfy { $0 > 32 && $0 < 127 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "'") }
        return plain ? text : RedisRepr.quoted(text)
    }
}
