import Foundation
import ProcessSupport
import Store

/// The proxies whose `X-Forwarded-For` is believed (`TRUSTED_PROXIES`: IPs or CIDRs, v4 or v6).
struct TrustedProxies: Sendable {
    /// One network: its address bytes and prefix length.
    struct Network: Sendable, Equatable {
        var bytes: [UInt8]
        var prefix: Int

        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == bytes.count else { return false }
            var remaining = prefix
            for (a, b) in zip(address, bytes) {
                guard remaining > 0 else { return true }
                let bits = min(8, remaining)
                let mask: UInt8 = bits == 8 ? 0xFF : ~(0xFF >> UInt8(bits))
                if a & mask != b & mask { return false }
                remaining -= bits
            }
            return true
        }
    }

    let networks: [Network]

    init(_ entries: [String]) throws(ConfigurationError) {
        networks = try entries.map { entry throws(ConfigurationError) in
            let parts = entry.split(separator: "/", maxSplits: 1).map(String.init)
            guard let bytes = Self.parse(parts[0]) else {
                throw ConfigurationError(key: "TRUSTED_PROXIES", reason: "has an entry that is not an IP or CIDR: \"\(entry)\"")
            }
            let maxPrefix = bytes.count * 8
            let prefix = parts.count == 2 ? Int(parts[1]) : maxPrefix
            guard let prefix, (0...maxPrefix).contains(prefix) else {
                throw ConfigurationError(key: "TRUSTED_PROXIES", reason: "has a bad prefix length in \"\(entry)\"")
            }
            return Network(bytes: bytes, prefix: prefix)
        }
    }

    func trusts(_ address: String) -> Bool {
        guard let bytes = Self.parse(address) else { return false }
        return networks.contains { $0.contains(bytes) }
    }

    /// The client address: the peer, unless the peer is a trusted proxy, in which case the
    /// right-most `X-Forwarded-For` entry that is not itself a trusted proxy.
    func clientAddress(peer: String?, forwardedFor: String?) -> String {
        guard let peer else { return "unknown" }
        guard trusts(peer), let forwardedFor else { return peer }
        let hops = forwardedFor.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() where Self.parse(hop) != nil {
            if !trusts(hop) { return hop }
        }
        return hops.first(where: { Self.parse($0) != nil }) ?? peer
    }

    /// Address bytes of an IPv4 or IPv6 literal.
    static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}
