import Foundation
import Testing

@testable import Payments

/// Stripe's webhook signature, checked against signatures made independently (Python's `hmac`
/// with the same inputs gives the fixed vector) and against forgeries.
@Suite("Stripe signatures")
struct StripeSignatureTests {
    let body = Array(#"{"id":"evt_1","type":"payment_intent.succeeded"}"#.utf8)
    let secret = "whsec_test_secret"
    let time = Date(timeIntervalSince1970: 1_796_380_000)

    /// `python3 -c 'import hmac,hashlib; print(hmac.new(b"whsec_test_secret",
    /// b"1796380000." + body, hashlib.sha256).hexdigest())'`.
    static let vector = "835472cfcd6108c8e9a4e586b78053720c9c33dfd16c3afb405e6164fc4587aa"

    @Test func acceptsItsOwnHeaderAndAnyOfSeveralSignatures() throws {
        let header = StripeSignature.header(body: body, secret: secret, time: time)
        #expect(header == "t=1796380000,v1=" + Self.vector)
        #expect(try StripeSignature.verify(header: header, body: body, secrets: [secret], now: time) == time)
        let other = StripeSignature.header(body: body, secret: "whsec_other", time: time)
        let both = header + "," + other.split(separator: ",")[1]
        #expect(throws: Never.self) { try StripeSignature.verify(header: both, body: body, secrets: ["whsec_other"], now: time) }
        #expect(throws: Never.self) { try StripeSignature.verify(header: header, body: body, secrets: ["whsec_new", secret], now: time) }
    }

    @Test func refusesForgedStaleAndMalformed() {
        let header = StripeSignature.header(body: body, secret: secret, time: time)
        #expect(throws: StripeSignature.Failure.mismatch) {
            try StripeSignature.verify(header: header, body: body + [0x20], secrets: [self.secret], now: self.time)
        }
        #expect(throws: StripeSignature.Failure.mismatch) {
            try StripeSignature.verify(header: header, body: body, secrets: ["whsec_wrong"], now: self.time)
        }
        #expect(throws: StripeSignature.Failure.stale) {
            try StripeSignature.verify(header: header, body: body, secrets: [self.secret], now: self.time + 301)
        }
        #expect(throws: StripeSignature.Failure.stale) {
            try StripeSignature.verify(header: header, body: body, secrets: [self.secret], now: self.time - 301)
        }
        for bad in ["", "t=1", "v1=00", "t=abc,v1=" + String(repeating: "0", count: 64), "t=1,v1=zz", "t=1,v1=0011"] {
            #expect(throws: StripeSignature.Failure.self) { try StripeSignature.verify(header: bad, body: body, secrets: [self.secret]) }
        }
        // A v0 (Stripe's test scheme) or another scheme is not a v1.
        let v0 = header.replacingOccurrences(of: "v1=", with: "v0=")
        #expect(throws: StripeSignature.Failure.malformed) {
            try StripeSignature.verify(header: v0, body: body, secrets: [self.secret], now: self.time)
        }
    }
}
