import Foundation
import NIOCore
import Store
import Testing

/// Pure rules of webhooks: the Standard Webhooks signature and which addresses are private.
@Suite("Webhook signing and the network guard")
struct WebhookSigningTests {
    /// The example of the Standard Webhooks specification (its README's test vector).
    @Test func signaturesMatchTheSpecificationsExample() throws {
        let secret = try #require(WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let signature = secret.signature(
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Data(#"{"test": 2432232314}"#.utf8))
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        #expect(WebhookSecret("whsec_short") == nil)
        let generated = WebhookSecret.generate()
        #expect(WebhookSecret(generated.text) == generated && generated.text != WebhookSecret.generate().text)
    }

    @Test func nonPublicAddressesAreNamed() throws {
        let cases: [(String, String?)] = [
            ("127.0.0.1", "loopback"), ("127.255.0.9", "loopback"), ("::1", "loopback"), ("10.1.2.3", "private"),
            ("172.16.0.1", "private"), ("172.31.255.255", "private"), ("172.32.0.1", nil), ("192.168.0.1", "private"),
            ("169.254.169.254", "metadata"), ("169.254.1.1", "link-local"), ("fe80::1", "link-local"), ("100.64.0.1", "shared (CGNAT)"),
            ("100.128.0.1", nil), ("0.0.0.0", "unspecified"), ("::", "unspecified"), ("224.0.0.1", "multicast"), ("fc00::1", "private"),
            ("fd00:ec2::254", "metadata"), ("::ffff:10.0.0.1", "private"), ("::ffff:8.8.8.8", nil), ("64:ff9b::7f00:1", "loopback"),
            ("2002:7f00:1::", "loopback"), ("8.8.8.8", nil), ("2606:4700:4700::1111", nil), ("192.0.2.1", "documentation"),
        ]
        for (address, category) in cases {
            #expect(NetworkAddressGuard.category(of: try SocketAddress(ipAddress: address, port: 443)) == category, "\(address)")
        }
        let open = NetworkAddressGuard(allowPrivateNetworks: true)
        #expect(open.refusal(for: try SocketAddress(ipAddress: "127.0.0.1", port: 80)) == nil)
    }
}
