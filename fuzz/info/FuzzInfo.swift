// libFuzzer target for INFO handling: InfoReport's parser, and a Sentinel core fed random INFO
// replies from its masters and replicas through handle(.replyReceived(_, .info, _)).
//
// The input is sections separated by NUL bytes. In each section, byte 0 picks the link of a master or
// replica the core has sent INFO on (in the order of its first INFO: mymaster, its replica, other,
// other's replica, then replicas it learns of), byte 1 says what happens first:
// bit 6 answers the pings sent so far, bit 5 all of them but those to the first link (mymaster's
// master, so that it goes down and a replica can be promoted), bits 0-4 advance time by that many
// 100 ms ticks; bit 7 sends the reply as an error instead of a bulk string. The rest is the INFO text.
// Invariants: no trap; afterwards the core answers SENTINEL commands, and the config it renders
// loads again and is stable under rewrite (see CoreDriver).
import SentinelCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzInfo(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    var driver = CoreDriver()
    for section in bytes.split(separator: 0, omittingEmptySubsequences: true) where section.count >= 2 {
        let selector = Int(section[section.startIndex])
        let control = section[section.startIndex + 1]
        let text = String(decoding: section.dropFirst(2), as: UTF8.self)
        _ = InfoReport(parsing: text)
        if control & 0x40 != 0 {
            driver.answerPings()
        } else if control & 0x20 != 0 {
            driver.answerPings(except: driver.firstCommandLink)
        }
        driver.advance(milliseconds: 100 * Int64(control & 0x1f))
        guard !driver.infoLinks.isEmpty else { continue }
        let link = driver.infoLinks[selector % driver.infoLinks.count]
        let value: RedisValue = control & 0x80 != 0 ? .error(text) : .string(text)
        driver.absorb(driver.sentinel.handle(.replyReceived(link, .info, value), now: driver.now))
    }
    driver.advance(milliseconds: 100)
    driver.checkAnswersAndConfig()
    return 0
}
