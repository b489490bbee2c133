// libFuzzer target for the config file parser and rewriter, through ConfigFile's public API only.
//
// The input is a config file. Invariants checked:
// - no trap: a config Vigil cannot accept is rejected with a ConfigError, never a crash;
// - parse, rewrite, parse again is stable: the second parse equals the first, and rewriting the
//   rewritten file with its own config changes no byte.
// The `dir` directive is parsed without changing directory (no changeDirectory callback), as in tests.
import SentinelCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    let first: SentinelConfig
    do {
        first = try ConfigFile.parse(text)
    } catch {
        // Rejected, as it may be; the error must still render.
        _ = error.fatalReport
        return 0
    }
    let rewritten = ConfigFile.rewrite(existing: text, with: first)
    let second: SentinelConfig
    do {
        second = try ConfigFile.parse(rewritten)
    } catch {
        fail("the rewritten file is rejected: \(error.fatalReport)\n--- rewritten file:\n\(rewritten)")
    }
    guard second == first else {
        fail("the rewritten file parses differently\n--- first: \(first)\n--- second: \(second)\n--- rewritten file:\n\(rewritten)")
    }
    let again = ConfigFile.rewrite(existing: rewritten, with: second)
    guard again == rewritten else {
        fail("a second rewrite changes the file\n--- first rewrite:\n\(rewritten)\n--- second rewrite:\n\(again)")
    }
    return 0
}

func fail(_ message: String) -> Never {
    fatalError("FuzzConfig: " + message)
}
