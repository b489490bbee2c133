/// Redis's glob matching (stringmatchlen): `*`, `?`, `[...]` with ranges and `^` negation, `\` escapes.
public enum Glob {
    /// Recursion over `*` is bounded so a hostile pattern cannot take unbounded time.
    static let maxStarBacktracks = 10_000

    public static func matches(_ pattern: String, _ text: String, caseInsensitive: Bool = false) -> Bool {
        let p = Array((caseInsensitive ? pattern.lowercased() : pattern).unicodeScalars)
        let s = Array((caseInsensitive ? text.lowercased() : text).unicodeScalars)
        var budget = maxStarBacktracks
        return match(p[...], s[...], budget: &budget)
    }

    private static func match(_ pattern: ArraySlice<Unicode.Scalar>, _ text: ArraySlice<Unicode.Scalar>, budget: inout Int) -> Bool {
        var p = pattern
        var s = text
        while let head = p.first {
            switch head {
            case "*":
                while p.first == "*" { p = p.dropFirst() }
                if p.isEmpty { return true }
                var rest = s
                while true {
                    budget -= 1
                    if budget < 0 { return false }
                    if match(p, rest, budget: &budget) { return true }
                    if rest.isEmpty { return false }
                    rest = rest.dropFirst()
                }
            case "?":
                guard !s.isEmpty else { return false }
                s = s.dropFirst()
                p = p.dropFirst()
            case "[":
                guard let c = s.first else { return false }
                guard let (matched, remaining) = matchClass(p.dropFirst(), c) else { return false }
                if !matched { return false }
                p = remaining
                s = s.dropFirst()
            default:
                var literal = head
                if head == "\\", p.count >= 2 {
                    p = p.dropFirst()
                    literal = p.first!
                }
                guard s.first == literal else { return false }
                s = s.dropFirst()
                p = p.dropFirst()
            }
        }
        return s.isEmpty
    }

    /// Matches `c` against a class body starting after `[`; returns the pattern after `]`.
    private static func matchClass(_ body: ArraySlice<Unicode.Scalar>, _ c: Unicode.Scalar) -> (Bool, ArraySlice<Unicode.Scalar>)? {
        var p = body
        let negate = p.first == "^"
        if negate { p = p.dropFirst() }
        var matched = false
        while let head = p.first, head != "]" {
            if head == "\\", p.count >= 2 {
                p = p.dropFirst()
                if p.first == c { matched = true }
                p = p.dropFirst()
            } else if p.count >= 3, p[p.index(after: p.startIndex)] == "-" {
                let low = head
                let high = p[p.index(p.startIndex, offsetBy: 2)]
                let (start, end) = low.value <= high.value ? (low, high) : (high, low)
                if c.value >= start.value && c.value <= end.value { matched = true }
                p = p.dropFirst(3)
            } else {
                if head == c { matched = true }
                p = p.dropFirst()
            }
        }
        // An unterminated class ends the pattern, as in Redis.
        if p.first == "]" { p = p.dropFirst() }
        return (negate ? !matched : matched, p)
    }
}
