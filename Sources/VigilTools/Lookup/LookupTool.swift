import SentinelCore

/// `vigil lookup`: asks every sentinel, prints `host port` agreed by a majority; exits 1 (with why
/// on standard error) when they disagree or too few answer.
public enum LookupTool {
    public static func run(
        masterName name: String, sentinels: [Address], timeoutMilliseconds: Int64, credentials: SentinelQuery.Credentials?
    ) -> Int32 {
        // One at a time, each with its own deadline: a handful of sentinels, so the worst case is
        // the number of sentinels times the timeout.
        let answers = sentinels.map { sentinel in
            MasterLookup.Answer(
                sentinel: sentinel.description,
                outcome: SentinelQuery.askMaster(
                    named: name, at: sentinel, credentials: credentials, timeoutMilliseconds: Int(timeoutMilliseconds)))
        }
        switch MasterLookup.decide(answers) {
        case .agreed(let address, let epoch, let votes):
            print("\(address.host) \(address.port)")
            if votes < sentinels.count {
                Console.error("vigil lookup: \(votes) of \(sentinels.count) sentinels agree (config epoch \(epoch))\n")
            }
            return 0
        case .failed(let why):
            return Console.fail("vigil lookup: \(name): \(why)\n", code: 1)
        }
    }
}
