// libFuzzer target for hello handling: a Sentinel core fed random hellos through receiveHello.
//
// The input is lines. A line starting with '#' is a pause: time advances by 100 ms for each byte of
// the line, with a tick every 100 ms; a 'p' in it answers the pings sent so far, an 's' all of them
// but those to mymaster's master (else masters and replicas fall silent and go down). Any other line
// is a hello payload.
// Invariants: no trap; afterwards the core answers SENTINEL commands, and the config it renders
// loads again and is stable under rewrite (see CoreDriver).
import SentinelCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHello(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    var driver = CoreDriver()
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        if line.hasPrefix("#") {
            if line.contains("p") {
                driver.answerPings()
            } else if line.contains("s") {
                driver.answerPings(except: driver.firstCommandLink)
            }
            driver.advance(milliseconds: 100 * Int64(line.utf8.count))
        } else {
            driver.absorb(driver.sentinel.receiveHello(String(line), now: driver.now))
        }
    }
    driver.advance(milliseconds: 100)
    driver.checkAnswersAndConfig()
    return 0
}
