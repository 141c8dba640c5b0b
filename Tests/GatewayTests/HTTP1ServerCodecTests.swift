import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import ServiceHTTP
import Testing

/// `HTTP1ServerCodec` against the two handlers it replaces (NIO's pipeline with swift-nio-extras'
/// codec, as Hummingbird sets them up): the same requests read, the same bytes written, the same
/// writes refused, whatever the status, framing and method.
@Suite("HTTP/1 server codec")
struct HTTP1ServerCodecTests {
    /// What a pipeline made of some requests and the responses written to them.
    struct Outcome: Equatable {
        var requests: [String] = []
        var bytes: [UInt8] = []
        /// Each write's promise: nil when it succeeded, else the error's text.
        var writes: [String?] = []
    }

    func run(ours: Bool, requests: String, responses: [[HTTPResponsePart]]) throws -> Outcome {
        let channel = EmbeddedChannel()
        defer { _ = try? channel.finish() }
        if ours {
            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
            try channel.pipeline.syncOperations.addHandler(HTTP1ServerCodec())
        } else {
            try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false)
            try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
        }
        var outcome = Outcome()
        try channel.writeInbound(ByteBuffer(string: requests))
        while let part = try channel.readInbound(as: HTTPRequestPart.self) { outcome.requests.append("\(part)") }
        for parts in responses {
            for part in parts {
                let written = channel.writeAndFlush(part)
                var result: String?
                written.whenFailure { result = "\($0)" }
                outcome.writes.append(result)
            }
        }
        while let data = try channel.readOutbound(as: IOData.self) {
            guard case .byteBuffer(let buffer) = data else {
                Issue.record("a file region")
                continue
            }
            outcome.bytes += Array(buffer.readableBytesView)
        }
        return outcome
    }

    func expectSame(_ requests: String, _ responses: [[HTTPResponsePart]], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let theirs = try run(ours: false, requests: requests, responses: responses)
        let ours = try run(ours: true, requests: requests, responses: responses)
        #expect(ours.requests == theirs.requests, sourceLocation: sourceLocation)
        #expect(
            String(decoding: ours.bytes, as: UTF8.self) == String(decoding: theirs.bytes, as: UTF8.self), sourceLocation: sourceLocation)
        #expect(ours.writes == theirs.writes, sourceLocation: sourceLocation)
        #expect(!theirs.bytes.isEmpty, "something was written", sourceLocation: sourceLocation)
    }

    static let get = "GET /api/orders/1 HTTP/1.1\r\nHost: shop\r\nAuthorization: Bearer a.b.c\r\nCookie: a=1; b=2\r\n\r\n"

    static func response(_ status: HTTPResponse.Status, _ fields: HTTPFields = [:], body: [String] = [], trailers: HTTPFields? = nil)
        -> [HTTPResponsePart]
    {
        [.head(HTTPResponse(status: status, headerFields: fields))] + body.map { .body(ByteBuffer(string: $0)) } + [.end(trailers)]
    }

    // MARK: Statuses and framing

    @Test(arguments: [
        HTTPResponse.Status.ok, .created, .accepted, .noContent, .notModified, .badRequest, .unauthorized, .notFound,
        .contentTooLarge, .unprocessableContent, .tooManyRequests, .internalServerError, .serviceUnavailable,
        .init(code: 299, reasonPhrase: "Odd"), .init(code: 599, reasonPhrase: ""),
    ])
    func aStatusWithALengthIsWrittenAsNIOWritesIt(status: HTTPResponse.Status) throws {
        let fields: HTTPFields = [.contentType: "application/json", .contentLength: "2", HTTPField.Name("X-Request-ID")!: "r-1"]
        try expectSame(Self.get, [Self.response(status, fields, body: ["{}"])])
    }

    @Test func bodiesWithoutALengthAreChunkedWithTheirTrailers() throws {
        try expectSame(
            Self.get,
            [Self.response(.ok, [.contentType: "text/event-stream"], body: ["data: 1\n\n", "", String(repeating: "x", count: 5000)])])
        try expectSame(Self.get, [Self.response(.ok, [:], body: ["a"], trailers: [HTTPField.Name("Checksum")!: "abc"])])
        try expectSame(Self.get, [Self.response(.ok, [.transferEncoding: "gzip"], body: ["a"])])
        try expectSame(Self.get, [Self.response(.ok, [.transferEncoding: "gzip", .contentLength: "1"], body: ["a"])])
        try expectSame(Self.get, [Self.response(.noContent, [.transferEncoding: "chunked", .contentLength: "0"])])
    }

    // MARK: Methods

    @Test func aHeadRequestsAnswerHasItsFieldsAndNoBody() throws {
        let head = "HEAD /health/live HTTP/1.1\r\nHost: shop\r\n\r\n"
        try expectSame(head, [Self.response(.ok, [.contentLength: "18"], body: ["{\"status\":\"alive\"}"])])
        try expectSame(head, [Self.response(.ok, [:], body: ["refused"])])
        // Pipelined: each answer is framed for its own request.
        try expectSame(
            Self.get + head + Self.get,
            [
                Self.response(.ok, body: ["one"]), Self.response(.ok, [.contentLength: "3"], body: ["two"]),
                Self.response(.ok, body: ["three"]),
            ])
    }

    @Test func anInterimAnswerLeavesTheRequestToItsFinalOne() throws {
        let head = "HEAD /x HTTP/1.1\r\nHost: shop\r\nExpect: 100-continue\r\n\r\n"
        try expectSame(head, [[.head(HTTPResponse(status: .continue))], Self.response(.ok, [.contentLength: "1"], body: ["a"])])
    }

    @Test func aBodyInPartsKeepsItsBytesAndRequestsKeepTheirFields() throws {
        let post = "POST /api/orders HTTP/1.1\r\nHost: shop\r\nContent-Length: 7\r\nX-A: 1\r\nX-A: 2\r\n\r\n{\"a\":1}"
        try expectSame(post, [Self.response(.created, [.contentLength: "4", .location: "/api/orders/1"], body: ["a", "bc", "d"])])
        let chunkedPost = "POST /x HTTP/1.1\r\nHost: shop\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nT: 1\r\n\r\n"
        try expectSame(chunkedPost, [Self.response(.accepted, [.contentLength: "0"])])
    }
}
