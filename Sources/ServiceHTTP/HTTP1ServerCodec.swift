import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// HTTP/1.1 between NIO's request decoder and Hummingbird: requests read as swift-nio-extras'
/// `HTTP1ToHTTPServerCodec` reads them, responses written straight from their `HTTPFields` into
/// bytes. The two handlers it replaces (that codec and NIO's `HTTPResponseEncoder`) copied every
/// field into NIO's `HTTPHeaders` and wrote it four writes at a time: 31,000 instructions of a
/// read's 476,000. The bytes are the same as theirs (`HTTP1ServerCodecTests` compares them): the
/// status line with NIO's reason phrase, the framing fixed as NIO fixes it (no body for 1xx, 204
/// and 304, nor for an answer to HEAD or CONNECT; a body without `Content-Length` chunked), a
/// body's write for a HEAD request refused as NIO refuses it.
public final class HTTP1ServerCodec: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPServerRequestPart
    public typealias InboundOut = HTTPRequestPart
    public typealias OutboundIn = HTTPResponsePart
    public typealias OutboundOut = IOData

    /// The methods of requests read and not yet answered, oldest first (HTTP/1.1 answers in order).
    private var methods = CircularBuffer<HTTPMethod>(initialCapacity: 2)
    /// Whether the response being written frames its body in chunks.
    private var chunked = false
    /// Whether the response being written answers HEAD or CONNECT: no body bytes go out.
    private var bodiless = false

    public init() {}

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            methods.append(head.method)
            do {
                context.fireChannelRead(wrapInboundOut(.head(try HTTPRequest(head, secure: false, splitCookie: false))))
            } catch {
                context.fireErrorCaught(error)
            }
        case .body(let body):
            context.fireChannelRead(wrapInboundOut(.body(body)))
        case .end(let trailers):
            context.fireChannelRead(wrapInboundOut(.end(trailers.map { HTTPFields($0, splitCookie: false) })))
        }
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let response):
            writeHead(response, context: context, promise: promise)
        case .body(let body):
            if bodiless {
                promise?.fail(NIOHTTPResponseEncoderError.responseBodyNotAllowed)
            } else if chunked && body.readableBytes > 0 {
                var size = context.channel.allocator.buffer(capacity: 16)
                size.writeString(String(body.readableBytes, radix: 16))
                size.writeStaticString("\r\n")
                context.write(wrapOutboundOut(.byteBuffer(size)), promise: nil)
                context.write(wrapOutboundOut(.byteBuffer(body)), promise: nil)
                // Writes complete in order: the last one's promise answers for the three.
                context.write(wrapOutboundOut(.byteBuffer(Self.crlf)), promise: promise)
            } else {
                context.write(wrapOutboundOut(.byteBuffer(body)), promise: promise)
            }
        case .end(let trailers):
            bodiless = false
            if chunked {
                var end = context.channel.allocator.buffer(capacity: trailers == nil ? 5 : 256)
                end.writeStaticString("0\r\n")
                Self.write(trailers ?? [:], to: &end)
                context.write(wrapOutboundOut(.byteBuffer(end)), promise: promise)
            } else if let promise {
                // Nothing to write, but its promise must not be answered before the writes ahead of it.
                context.write(wrapOutboundOut(.byteBuffer(context.channel.allocator.buffer(capacity: 0))), promise: promise)
            }
        }
    }

    /// The status line and fields of `response`, framed as NIO's encoder frames them.
    private func writeHead(_ response: HTTPResponse, context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        let code = response.status.code
        var respondingToConnect = false
        // An interim answer (1xx but 101) is followed by the final one to the same request.
        if !(100..<200).contains(code) || code == 101, !methods.isEmpty {
            let method = methods.removeFirst()
            bodiless = method == .HEAD || method == .CONNECT
            respondingToConnect = method == .CONNECT
        }
        var fields = response.headerFields
        let status = HTTPResponseStatus(statusCode: code, reasonPhrase: response.status.reasonPhrase)
        if respondingToConnect || !status.mayHaveResponseBody {
            if fields.contains(.contentLength) { fields[values: .contentLength] = [] }
            if fields.contains(.transferEncoding) { fields[values: .transferEncoding] = [] }
            chunked = false
        } else if fields.contains(.contentLength) {
            if fields.contains(.transferEncoding) { fields[values: .transferEncoding] = [] }
            chunked = false
        } else {
            // As NIO's `replaceOrAdd`: every other value gone, the field last, its name as NIO spells it.
            if fields.contains(.transferEncoding) { fields[values: .transferEncoding] = [] }
            fields.append(HTTPField(name: Self.transferEncoding, value: "chunked"))
            chunked = true
        }
        if bodiless { chunked = false }
        var head = context.channel.allocator.buffer(capacity: 0)
        Self.write(fields, after: (String(code), status.reasonPhrase), to: &head)
        context.write(wrapOutboundOut(.byteBuffer(head)), promise: promise)
    }

    /// The status line when given, each field as `name: value` and a line end, and the blank line
    /// that ends them (a head, or the trailers after the last chunk), copied in one pass over bytes
    /// reserved for them.
    static func write(_ fields: HTTPFields, after statusLine: (code: String, reason: String)? = nil, to buffer: inout ByteBuffer) {
        var size = 2
        if let statusLine { size += 9 + statusLine.code.utf8.count + 1 + statusLine.reason.utf8.count + 2 }
        for field in fields { size += field.name.rawName.utf8.count + 2 + field.value.utf8.count + 2 }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { out in
            var at = 0
            func put(_ text: String) {
                var text = text
                text.withUTF8 { bytes in
                    guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
                    out.baseAddress!.advanced(by: at).copyMemory(from: base, byteCount: bytes.count)
                    at += bytes.count
                }
            }
            func put(_ text: StaticString) {
                out.baseAddress!.advanced(by: at).copyMemory(from: text.utf8Start, byteCount: text.utf8CodeUnitCount)
                at += text.utf8CodeUnitCount
            }
            if let statusLine {
                put("HTTP/1.1 " as StaticString)
                put(statusLine.code)
                put(" " as StaticString)
                put(statusLine.reason)
                put("\r\n" as StaticString)
            }
            for field in fields {
                put(field.name.rawName)
                put(": " as StaticString)
                put(field.value)
                put("\r\n" as StaticString)
            }
            put("\r\n" as StaticString)
            return at
        }
    }

    static let transferEncoding = HTTPField.Name("transfer-encoding")!
    static let crlf = ByteBuffer(string: "\r\n")
}
