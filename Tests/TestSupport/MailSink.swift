import Foundation

/// `Tests/Peers/smtp_sink.py`: a real SMTP server (aiosmtpd) on loopback that keeps every
/// message it accepts, parsed by Python's `email` package.
public final class MailSink: StoppablePeer {
    public let port: Int
    let pid: pid_t
    public let folder: URL

    /// One accepted message as Python's `email` package read it.
    public struct Message: Decodable, Sendable {
        public struct Part: Decodable, Sendable {
            public var type: String
            public var charset: String?
            public var body: String
        }

        public var mailFrom: String
        public var rcptTos: [String]
        public var from: String
        public var to: String
        public var subject: String
        public var messageID: String
        public var contentType: String
        public var parts: [Part]
        public var rawLinesOver998: Bool

        enum CodingKeys: String, CodingKey {
            case from, to, subject, parts
            case mailFrom = "mail_from"
            case rcptTos = "rcpt_tos"
            case messageID = "message_id"
            case contentType = "content_type"
            case rawLinesOver998 = "raw_lines_over_998"
        }
    }

    /// How the sink speaks beyond plain SMTP.
    public struct Options: Sendable {
        /// TLS with this certificate: after STARTTLS (required before MAIL) or from the first byte.
        public var tls: (mode: TLSMode, certificate: TestCertificate)?
        /// Whether `EHLO` offers PIPELINING (as real servers do).
        public var pipelining = true

        public enum TLSMode: String, Sendable { case starttls, implicit }

        public init(tls: (mode: TLSMode, certificate: TestCertificate)? = nil, pipelining: Bool = true) {
            self.tls = tls
            self.pipelining = pipelining
        }
    }

    /// Starts a sink; with `user` and `password`, AUTH is required.
    public static func start(user: String? = nil, password: String? = nil, options: Options = Options()) async throws -> MailSink {
        let folder = try TestChildren.folder("mail-sink-\(UUID().uuidString)")
        var settings: [String: Any] = ["pipelining": options.pipelining]
        if let (mode, certificate) = options.tls {
            settings.merge(["tls": mode.rawValue, "cert": certificate.certificate, "key": certificate.key]) { $1 }
        }
        try JSONSerialization.data(withJSONObject: settings).write(to: folder.appendingPathComponent("options.json"))
        var arguments = [folder.path]
        if let user, let password { arguments += ["0", user, password] }
        let pid = try PythonPeers.start("smtp_sink.py", arguments: arguments, logFile: folder.appendingPathComponent("log").path)
        do {
            return MailSink(port: try await PythonPeers.port(in: folder.appendingPathComponent("port").path), pid: pid, folder: folder)
        } catch {
            await PythonPeers.stop(pid)
            throw error
        }
    }

    init(port: Int, pid: pid_t, folder: URL) {
        self.port = port
        self.pid = pid
        self.folder = folder
    }

    /// Runs `body` with a started sink, stopping it however `body` ends.
    public static func with<T: Sendable>(
        user: String? = nil, password: String? = nil, options: Options = Options(), _ body: (MailSink) async throws -> T
    ) async throws -> T {
        try await PythonPeers.with({ try await start(user: user, password: password, options: options) }, body)
    }

    public func stop() async {
        await PythonPeers.stop(pid)
        try? FileManager.default.removeItem(at: folder)
    }

    /// `smtp://127.0.0.1:<port>`.
    public var url: String { "smtp://127.0.0.1:\(port)" }

    /// `smtps://127.0.0.1:<port>` (for a sink speaking TLS from the first byte).
    public var implicitTLSURL: String { "smtps://127.0.0.1:\(port)" }

    /// The next `count` messages fail at the end of their data with `code`.
    public func failNext(_ count: Int, code: Int = 451) throws {
        let data = try JSONSerialization.data(withJSONObject: ["fail": count, "code": code])
        try data.write(to: folder.appendingPathComponent("control.json"))
    }

    /// Every message accepted so far, in order.
    public func messages() throws -> [Message] {
        guard let text = try? String(contentsOf: folder.appendingPathComponent("messages.jsonl"), encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Message.self, from: Data($0.utf8)) }
    }
}
