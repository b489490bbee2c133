/// Redis 7.0's protected mode: with `protected-mode yes` and a default user that needs no password,
/// a client that is not on the loopback interface gets the DENIED line and is disconnected. Sentinel
/// mode defaults to `protected-mode no`; the check runs on every new connection, so a password set
/// later (ACL SETUSER default >...) lifts it at once, as in Redis.
enum ProtectedMode {
    static let denied =
        "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. "
        + "In this mode connections are only accepted from the loopback interface. If you want to connect from external computers "
        + "to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command "
        + "'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is "
        + "running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make "
        + "this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration "
        + "file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server "
        + "manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password "
        + "for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting "
        + "connections from the outside.\r\n"

    /// Whether a new connection from `peerIP` (nil when the address is unknown) is refused.
    static func refuses(protectedMode: Bool, defaultUserNeedsNoPassword: Bool, peerIP: String?) -> Bool {
        guard protectedMode && defaultUserNeedsNoPassword else { return false }
        guard let peerIP else { return true }
        return !isLoopback(peerIP)
    }

    /// 127.0.0.0/8 and ::1, as Redis's connIsLocal.
    static func isLoopback(_ ip: String) -> Bool {
        ip.hasPrefix("127.") || ip == "::1"
    }
}
