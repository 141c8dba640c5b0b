import Crypto
import Foundation

/// Stripe's webhook signature: `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
/// "t.body">[,v1=…]` (several `v1` while a secret rolls over; other schemes ignored).
public enum StripeSignature {
    /// Why a signed request is refused.
    public enum Failure: Error, Sendable, Equatable {
        /// No `t` or no `v1`, or one that is not hex.
        case malformed
        /// `t` is further than the tolerance from now (a replay, or a clock far off).
        case stale
        /// No `v1` is the body's under any of the secrets.
        case mismatch
    }

    /// Checks `header` against `body` under any of `secrets` (the current one and, while it
    /// rolls over, the previous): the signed time must lie within `tolerance` of `now`.
    /// Comparisons take the same time whatever the bytes. Returns the signed time.
    @discardableResult
    public static func verify(
        header: String, body: some DataProtocol, secrets: [String], tolerance: TimeInterval = 300, now: Date = Date()
    ) throws(Failure) -> Date {
        var timestamp: Int64?
        var signatures: [[UInt8]] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            let (key, value) = (pair[0].trimmingCharacters(in: .whitespaces), pair[1].trimmingCharacters(in: .whitespaces))
            if key == "t" {
                timestamp = Int64(value)
            } else if key == "v1" {
                guard let bytes = hexBytes(value), bytes.count == SHA256.byteCount else { throw .malformed }
                signatures.append(bytes)
            }
        }
        guard let timestamp, !signatures.isEmpty else { throw .malformed }
        let signedAt = Date(timeIntervalSince1970: TimeInterval(timestamp))
        guard abs(signedAt.timeIntervalSince(now)) <= tolerance else { throw .stale }
        var payload = Array("\(timestamp).".utf8)
        payload.append(contentsOf: body)
        for secret in secrets where !secret.isEmpty {
            let key = SymmetricKey(data: Array(secret.utf8))
            for signature in signatures
            where HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: payload, using: key) {
                return signedAt
            }
        }
        throw .mismatch
    }

    /// The header Stripe would send for `body` at `time` under `secret` (tests and tools).
    public static func header(body: some DataProtocol, secret: String, time: Date) -> String {
        let timestamp = Int64(time.timeIntervalSince1970)
        var payload = Array("\(timestamp).".utf8)
        payload.append(contentsOf: body)
        let code = HMAC<SHA256>.authenticationCode(for: payload, using: SymmetricKey(data: Array(secret.utf8)))
        return "t=\(timestamp),v1=" + code.map { String(format: "%02x", $0) }.joined()
    }

    static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
