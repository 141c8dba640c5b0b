import Foundation

/// A throwaway self-signed certificate for 127.0.0.1 (made by the `openssl` command), for TLS
/// peers on loopback; its certificate file is also the trust root a client is given.
public struct TestCertificate: Sendable {
    /// PEM file of the certificate.
    public var certificate: String
    /// PEM file of its private key.
    public var key: String

    /// Makes one in a folder of its own (EC P-256, valid for a day, `IP:127.0.0.1`).
    public static func make() async throws -> TestCertificate {
        let folder = try TestChildren.folder("certificate-\(UUID().uuidString)")
        let made = TestCertificate(
            certificate: folder.appendingPathComponent("cert.pem").path, key: folder.appendingPathComponent("key.pem").path)
        let result = try await ChildProcess.run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", made.key, "-out", made.certificate,
            ])
        guard result.status == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "openssl failed: \(result.standardError)"])
        }
        return made
    }
}
