import Foundation

/// Hostname resolution for `resolve-hostnames yes` (§6), as Redis's anetResolve does it: getaddrinfo
/// over IPv4 and IPv6, the first answer in numeric form. Blocking, as in Redis; the core asks only
/// when an address is created or reconnected, and only for names that are not already IPs.
enum HostResolver {
    static func resolve(_ host: String) -> String? {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &results) == 0, let first = results else { return nil }
        defer { freeaddrinfo(results) }
        var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard getnameinfo(first.pointee.ai_addr, first.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0
        else { return nil }
        return String(cString: buffer)
    }
}
