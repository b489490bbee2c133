/// Redis's sdscatrepr: bytes in double quotes, with C escapes for quotes, backslashes and whatever
/// is not printable ASCII. Redis writes it wherever raw bytes could break a line: config values that
/// need quoting, ignored INFO fields, the first bytes of a client's query buffer in a log line.
public enum RedisRepr {
    public static func quoted(_ text: String) -> String { quoted(text.utf8) }

    public static func quoted<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var result = "\""
        for byte in bytes {
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
}
