import Foundation
import TestSupport
import Testing

@testable import SMTP

/// Our SMTP client against a real SMTP server on loopback (aiosmtpd, `Tests/Peers/smtp_sink.py`),
/// whose messages Python's `email` package parses; and its MIME rules on their own.
@Suite("SMTP client", .timeLimit(.minutes(2)))
struct SMTPClientTests {
    func message(to address: String = "ana@example.com", name: String = "Ana", subject: String, text: String, html: String, id: String)
        -> MailMessage
    {
        MailMessage(
            from: MailAddress("shop@example.com", name: "The Shop"), to: [MailAddress(address, name: name)], subject: subject,
            messageID: id,
            date: Date(timeIntervalSince1970: 1_796_000_000), text: text, html: html)
    }

    /// Two messages over one connection, non-ASCII subject and name, a line starting with a dot
    /// and a long line: they arrive intact, both parts, with the Message-ID given.
    @Test func messagesArriveIntactOverOneConnection() async throws {
        try await MailSink.with { sink in
            let configuration = try #require(SMTPConfiguration(url: sink.url))
            let connection = try await SMTPConnection.open(configuration)
            let long = String(repeating: "ünïcödé ", count: 200)
            try await connection.send(
                message(
                    name: "Zoë Ångström", subject: "Order 3f2a9c1e shipped — tracking ÅB-123 ✓",
                    text: ".starts with a dot\n..two\n\(long)\nend",
                    html: "<p>Hello <b>Zoë</b></p>\n.dot", id: "41.5e0c2b7a@shop.example"))
            try await connection.send(message(subject: "Plain", text: "second", html: "<p>second</p>", id: "42.5e0c2b7a@shop.example"))
            await connection.close()
            let messages = try sink.messages()
            #expect(messages.count == 2)
            let first = try #require(messages.first)
            #expect(first.subject == "Order 3f2a9c1e shipped — tracking ÅB-123 ✓")
            #expect(first.to.contains("Zoë Ångström") && first.rcptTos == ["ana@example.com"] && first.mailFrom == "shop@example.com")
            #expect(first.messageID == "<41.5e0c2b7a@shop.example>")
            #expect(first.contentType == "multipart/alternative")
            #expect(first.parts.map(\.type) == ["text/plain", "text/html"])
            let text = try #require(first.parts.first?.body).replacingOccurrences(of: "\r\n", with: "\n")
            #expect(text.hasPrefix(".starts with a dot\n..two\n"), "dot-stuffing undone by the server, the text as written")
            #expect(text.contains(long))
            #expect(first.parts.last?.body.contains("<b>Zoë</b>") == true)
            #expect(!first.rawLinesOver998)
            #expect(messages.last?.subject == "Plain")
        }
    }

    /// A 4xx at the end of the data is a transient refusal with its code; the next try works.
    @Test func aTemporaryRefusalIsTransient() async throws {
        try await MailSink.with { sink in
            try sink.failNext(1, code: 451)
            let configuration = try #require(SMTPConfiguration(url: sink.url))
            let connection = try await SMTPConnection.open(configuration)
            let mail = message(subject: "Retry me", text: "x", html: "<p>x</p>", id: "7.5e0c2b7a@shop.example")
            do {
                try await connection.send(mail)
                Issue.record("the scripted 451 was not reported")
            } catch let error as SMTPError {
                #expect(error.code == 451 && error.isTransient)
            }
            try await connection.send(mail)
            await connection.close()
            #expect(try sink.messages().map(\.subject) == ["Retry me"])
        }
    }

    @Test func authenticatesWithPlain() async throws {
        try await MailSink.with(user: "mailer", password: "s3cret pass") { sink in
            let configuration = try #require(SMTPConfiguration(url: "smtp://mailer:s3cret%20pass@127.0.0.1:\(sink.port)"))
            let connection = try await SMTPConnection.open(configuration)
            try await connection.send(message(subject: "Signed in", text: "x", html: "<p>x</p>", id: "8.a@shop.example"))
            await connection.close()
            #expect(try sink.messages().count == 1)
            let wrong = try #require(SMTPConfiguration(url: "smtp://mailer:nope@127.0.0.1:\(sink.port)"))
            await #expect(throws: SMTPError.self) { _ = try await SMTPConnection.open(wrong) }
        }
    }

    // MARK: Pipelining and TLS

    /// A server that does not offer PIPELINING gets one command at a time; one that does (as the
    /// sink by default, and real servers) gets the envelope at once: both take the messages.
    @Test func pipelinesOnlyWhenOffered() async throws {
        for offered in [true, false] {
            try await MailSink.with(options: .init(pipelining: offered)) { sink in
                let connection = try await SMTPConnection.open(try #require(SMTPConfiguration(url: sink.url)))
                #expect((connection.extensions["PIPELINING"] != nil) == offered)
                for n in 1...3 {
                    try await connection.send(message(subject: "Message \(n)", text: "x", html: "<p>x</p>", id: "\(n).p@shop.example"))
                }
                await connection.close()
                #expect(try sink.messages().map(\.subject) == ["Message 1", "Message 2", "Message 3"])
            }
        }
    }

    /// STARTTLS (the sink refuses MAIL before it) to a certificate chaining to `SMTP_CA_FILE`;
    /// without that trust the connection is refused before anything is sent.
    @Test func upgradesWithStartTLSAndChecksTheCertificate() async throws {
        let certificate = try await TestCertificate.make()
        try await MailSink.with(options: .init(tls: (.starttls, certificate))) { sink in
            var configuration = try #require(SMTPConfiguration(url: sink.url))
            await #expect(throws: SMTPError.self, "a certificate nothing vouches for") {
                _ = try await SMTPConnection.open(configuration)
            }
            configuration.trustedCertificatesFile = certificate.certificate
            let connection = try await SMTPConnection.open(configuration)
            try await connection.send(message(subject: "Sealed", text: "x", html: "<p>x</p>", id: "9.t@shop.example"))
            await connection.close()
            #expect(try sink.messages().map(\.subject) == ["Sealed"])
        }
    }

    /// `smtps://`: TLS from the first byte.
    @Test func speaksTLSFromTheFirstByte() async throws {
        let certificate = try await TestCertificate.make()
        try await MailSink.with(options: .init(tls: (.implicit, certificate))) { sink in
            var configuration = try #require(SMTPConfiguration(url: sink.implicitTLSURL))
            #expect(configuration.security == .implicitTLS)
            configuration.trustedCertificatesFile = certificate.certificate
            let connection = try await SMTPConnection.open(configuration)
            try await connection.send(message(subject: "Sealed from the start", text: "x", html: "<p>x</p>", id: "10.t@shop.example"))
            await connection.close()
            #expect(try sink.messages().map(\.subject) == ["Sealed from the start"])
        }
    }

    // MARK: MIME on its own

    @Test func renderedMessagesAreSevenBitWithShortLines() {
        let bytes = message(subject: "Ünïcode", text: String(repeating: "é", count: 300) + " \n=end", html: "<p>ok</p>", id: "1@x")
            .rendered()
        #expect(bytes.allSatisfy { $0 < 128 })
        let lines = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.utf8.count <= 78 })
        #expect(lines.contains("Subject: =?UTF-8?B?w5xuw69jb2Rl?="))
        #expect(MailMessage.encodedWord(String(repeating: "ü", count: 40)).split(separator: " ").allSatisfy { $0.count <= 75 })
    }
}
