import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// One SMTP session: greeting, `EHLO`, STARTTLS when offered (or TLS from the start), `AUTH`
/// when credentials are given, then any number of messages over the same connection, each
/// pipelined when the server offers PIPELINING, and `QUIT`.
public final class SMTPConnection: @unchecked Sendable {
    let channel: any Channel
    let replies: SMTPReplyHandler
    let configuration: SMTPConfiguration
    /// What the server's `EHLO` reply offered (upper-cased keywords with their parameters).
    private(set) var extensions: [String: String] = [:]

    init(channel: any Channel, replies: SMTPReplyHandler, configuration: SMTPConfiguration) {
        self.channel = channel
        self.replies = replies
        self.configuration = configuration
    }

    /// Connects and says hello (upgrading to TLS and signing in as configured).
    public static func open(
        _ configuration: SMTPConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> SMTPConnection {
        let replies = SMTPReplyHandler()
        var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
        if let file = configuration.trustedCertificatesFile { tlsConfiguration.additionalTrustRoots = [.file(file)] }
        let tls: NIOSSLContext
        do {
            tls = try NIOSSLContext(configuration: tlsConfiguration)
        } catch {
            throw SMTPError(code: nil, message: "the trusted certificates could not be read", isTransient: false)
        }
        let host = configuration.host
        let implicit = configuration.security == .implicitTLS
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.milliseconds(Int64(configuration.connectTimeout.components.seconds * 1000)))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if implicit {
                            try channel.pipeline.syncOperations.addHandler(
                                NIOSSLClientHandler(context: tls, serverHostname: Self.serverName(host)))
                        }
                        try channel.pipeline.syncOperations.addHandler(replies)
                    }
                }
                .connect(host: host, port: configuration.port).get()
        } catch {
            throw SMTPError(code: nil, message: "could not connect to the mail server", isTransient: true)
        }
        let connection = SMTPConnection(channel: channel, replies: replies, configuration: configuration)
        do {
            try await connection.hello(tls: tls)
            return connection
        } catch {
            try? await channel.close()
            throw error
        }
    }

    /// A name for TLS's SNI and certificate check: none for an address literal.
    static func serverName(_ host: String) -> String? {
        (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
    }

    private func hello(tls: NIOSSLContext) async throws {
        try await expect(await next(), "greeting")
        try await ehlo()
        if configuration.security == .startTLSWhenOffered, extensions["STARTTLS"] != nil {
            try await expect(await command("STARTTLS"), "STARTTLS")
            try await channel.pipeline.addHandler(
                NIOSSLClientHandler(context: tls, serverHostname: Self.serverName(configuration.host)), position: .first
            ).get()
            try await ehlo()
        }
        if let username = configuration.username, let password = configuration.password {
            try await authenticate(username: username, password: password)
        }
    }

    private func ehlo() async throws {
        let reply = try await command("EHLO \(configuration.clientName)")
        try expect(reply, "EHLO")
        extensions = [:]
        for line in reply.lines.dropFirst() {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard let keyword = parts.first else { continue }
            extensions[keyword.uppercased()] = parts.count > 1 ? String(parts[1]) : ""
        }
    }

    private func authenticate(username: String, password: String) async throws {
        let mechanisms = Set((extensions["AUTH"] ?? "").uppercased().split(separator: " ").map(String.init))
        if mechanisms.contains("PLAIN") || !mechanisms.contains("LOGIN") {
            let token = Data("\0\(username)\0\(password)".utf8).base64EncodedString()
            try expect(await command("AUTH PLAIN \(token)"), "AUTH")
        } else {
            let first = try await command("AUTH LOGIN")
            guard first.code == 334 else { throw SMTPError.refused(first, to: "AUTH") }
            let second = try await command(Data(username.utf8).base64EncodedString())
            guard second.code == 334 else { throw SMTPError.refused(second, to: "AUTH") }
            try expect(await command(Data(password.utf8).base64EncodedString()), "AUTH")
        }
    }

    /// Hands one message over; returns once the server accepted it (its `250` after the data).
    /// Throws ``SMTPError`` with the server's code when it refuses (4xx: try again later).
    public func send(_ message: MailMessage) async throws {
        let data = message.rendered()
        let envelope = ["MAIL FROM:<\(message.from.address)>"] + message.recipients.map { "RCPT TO:<\($0.address)>" } + ["DATA"]
        var replies: [SMTPReply] = []
        if extensions["PIPELINING"] != nil {
            // Every envelope command at once, then the replies in order (RFC 2920).
            replies = try await commands(envelope)
        } else {
            for line in envelope {
                let reply = try await command(line)
                replies.append(reply)
                if !reply.isPositive { break }
            }
        }
        for (reply, line) in zip(replies, envelope) where !reply.isPositive {
            if replies.last?.code == 354 {
                // The server waits for data that must not be sent (a recipient was refused):
                // only closing the connection ends that without delivering anything.
                try? await channel.close()
            } else {
                _ = try? await command("RSET")
            }
            throw SMTPError.refused(reply, to: String(line.prefix { $0 != " " && $0 != ":" }))
        }
        guard replies.last?.code == 354 else {
            throw SMTPError(code: replies.last?.code, message: "DATA was not accepted", isTransient: true)
        }
        var buffer = channel.allocator.buffer(capacity: data.count + 16)
        buffer.writeBytes(MailMessage.dotStuffed(data))
        buffer.writeString("\r\n.\r\n")
        let accepted = try await write(buffer)
        try expect(accepted, "message")
    }

    /// Whether the connection can take another message (not closed by either side).
    public var isUsable: Bool { channel.isActive }

    /// Says goodbye and closes the connection.
    public func close() async {
        _ = try? await command("QUIT")
        try? await channel.close()
    }

    // MARK: The wire

    private func expect(_ reply: SMTPReply, _ what: String) throws {
        guard reply.isPositive else { throw SMTPError.refused(reply, to: what) }
    }

    private func next() async throws -> SMTPReply {
        let promise = channel.eventLoop.makePromise(of: SMTPReply.self)
        channel.eventLoop.execute { self.replies.expect(promise) }
        return try await withTimeout(promise.futureResult)
    }

    private func command(_ line: String) async throws -> SMTPReply {
        var buffer = channel.allocator.buffer(capacity: line.utf8.count + 2)
        buffer.writeString(line + "\r\n")
        return try await write(buffer)
    }

    /// Writes several commands at once and reads their replies in order.
    private func commands(_ lines: [String]) async throws -> [SMTPReply] {
        let promises = (0..<lines.count).map { _ in channel.eventLoop.makePromise(of: SMTPReply.self) }
        var buffer = channel.allocator.buffer(capacity: 256)
        for line in lines { buffer.writeString(line + "\r\n") }
        let written = channel.eventLoop.submit {
            for promise in promises { self.replies.expect(promise) }
        }.flatMap { self.channel.writeAndFlush(buffer) }
        try await written.get()
        var replies: [SMTPReply] = []
        for promise in promises { replies.append(try await withTimeout(promise.futureResult)) }
        return replies
    }

    /// Writes `buffer` and waits for the one reply it asks for.
    private func write(_ buffer: ByteBuffer) async throws -> SMTPReply {
        let promise = channel.eventLoop.makePromise(of: SMTPReply.self)
        let written = channel.eventLoop.submit { self.replies.expect(promise) }.flatMap { self.channel.writeAndFlush(buffer) }
        do {
            try await written.get()
        } catch {
            throw SMTPError(code: nil, message: "the connection to the mail server failed", isTransient: true)
        }
        return try await withTimeout(promise.futureResult)
    }

    private func withTimeout(_ future: EventLoopFuture<SMTPReply>) async throws -> SMTPReply {
        let timeout = channel.eventLoop.scheduleTask(in: .seconds(configuration.replyTimeout.components.seconds)) {
            self.channel.close(promise: nil)
        }
        defer { timeout.cancel() }
        do {
            return try await future.get()
        } catch let error as SMTPError {
            throw error
        } catch {
            throw SMTPError(code: nil, message: "the mail server did not answer", isTransient: true)
        }
    }
}
