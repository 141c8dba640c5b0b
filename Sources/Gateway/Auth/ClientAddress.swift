import Foundation

/// A client's IP address in one canonical spelling, and the key its rate limits count under.
///
/// Without this, `2001:db8::1` and `2001:0db8:0:0::1` are two counters, and so is every address
/// of a /64, which one subscriber (or one attacker) usually has whole.
struct ClientAddress: Sendable, Equatable {
    /// `inet_ntop`'s spelling; an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) as IPv4.
    var text: String
    /// IPv4: the address itself; IPv6: its /64 network, `2001:db8:1:2::/64`.
    var rateLimitKey: String

    static let unknown = ClientAddress(text: "unknown", rateLimitKey: "unknown")

    init(text: String, rateLimitKey: String) {
        self.text = text
        self.rateLimitKey = rateLimitKey
    }

    /// The canonical form of an address literal; text that is not one is kept as it is.
    init(_ raw: String) {
        guard var bytes = TrustedProxies.parse(raw) else {
            self.init(text: raw, rateLimitKey: raw)
            return
        }
        let mappedPrefix: [UInt8] = Array(repeating: 0, count: 10) + [0xFF, 0xFF]
        if bytes.count == 16, bytes.starts(with: mappedPrefix) { bytes = Array(bytes[12...]) }
        if bytes.count == 4 {
            let text = Self.format(bytes)
            self.init(text: text, rateLimitKey: text)
        } else {
            let network = Array(bytes[..<8]) + Array(repeating: 0, count: 8)
            self.init(text: Self.format(bytes), rateLimitKey: Self.format(network) + "/64")
        }
    }

    /// `inet_ntop` of 4 or 16 address bytes.
    static func format(_ bytes: [UInt8]) -> String {
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let ok = bytes.withUnsafeBytes { raw in inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil }
        return ok ? String(cString: buffer) : "unknown"
    }
}
