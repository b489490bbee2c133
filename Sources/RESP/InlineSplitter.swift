/// The inline command splitter (sdssplitargs): spaces separate words; "..." allows \n \r \t \b \a
/// \xHH and \<char> escapes; '...' allows \'. A closing quote must be followed by a space or the end.
enum InlineSplitter {
    static func split(_ line: [UInt8]) -> [[UInt8]]? {
        var words: [[UInt8]] = []
        var index = 0
        func isSpace(_ byte: UInt8) -> Bool { byte == 32 || (9...13).contains(byte) }
        while true {
            while index < line.count && isSpace(line[index]) { index += 1 }
            guard index < line.count else { return words }
            var word: [UInt8] = []
            var inDouble = false
            var inSingle = false
            var done = false
            while !done {
                if inDouble {
                    guard index < line.count else { return nil }
                    let byte = line[index]
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
                } else if inSingle {
                    guard index < line.count else { return nil }
                    let byte = line[index]
                    if byte == UInt8(ascii: "\\"), index + 1 < line.count, line[index + 1] == UInt8(ascii: "'") {
                        index += 1
                        word.append(UInt8(ascii: "'"))
                    } else if byte == UInt8(ascii: "'") {
                        if index + 1 < line.count && !isSpace(line[index + 1]) { return nil }
                        done = true
                    } else {
                        word.append(byte)
                    }
                } else {
                    guard index < line.count else { break }
                    let byte = line[index]
                    if isSpace(byte) {
                        done = true
                    } else if byte == UInt8(ascii: "\"") {
                        inDouble = true
                    } else if byte == UInt8(ascii: "'") {
                        inSingle = true
                    } else {
                        word.append(byte)
                    }
                }
                if index < line.count { index += 1 }
            }
            words.append(word)
        }
    }

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
