import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle
import Testing

/// An application whose every response is checked against the OpenAPI document before the test
/// sees it; a response the document does not describe is recorded as a test issue.
struct ContractCheckedApplication<Base: ApplicationProtocol>: ApplicationProtocol where Base.Responder.Context == Base.Context {
    typealias Context = Base.Context
    let base: Base

    var responder: ContractCheckingResponder<Base.Responder> {
        get async throws { ContractCheckingResponder(base: try await base.responder) }
    }

    var server: HTTPServerBuilder { base.server }
    var eventLoopGroup: any EventLoopGroup { base.eventLoopGroup }
    var configuration: ApplicationConfiguration { base.configuration }
    var logger: Logger { base.logger }
    var services: [any Service] { base.services }
    var processesRunBeforeServerStart: [@Sendable () async throws -> Void] { base.processesRunBeforeServerStart }

    @Sendable func onServerRunning(_ channel: any Channel) async {
        await base.onServerRunning(channel)
    }
}

/// Passes each request on, reads the whole response, checks it, and hands it back unchanged.
struct ContractCheckingResponder<Base: HTTPResponder>: HTTPResponder {
    typealias Context = Base.Context
    let base: Base

    func respond(to request: Request, context: Context) async throws -> Response {
        var response = try await base.respond(to: request, context: context)
        // An event stream never ends by itself: its status is checked, its body left to flow.
        if response.headers[.contentType]?.hasPrefix("text/event-stream") == true {
            for violation in APIContract.shared.violations(
                method: request.method, path: request.uri.path, status: response.status.code,
                contentType: response.headers[.contentType], body: ByteBuffer()
            ) {
                Issue.record("Contract: \(violation)")
            }
            return response
        }
        let collector = BodyCollector()
        try await response.body.write(collector)
        let body = collector.buffer
        for violation in APIContract.shared.violations(
            method: request.method, path: request.uri.path, status: response.status.code,
            contentType: response.headers[.contentType], body: body
        ) {
            Issue.record("Contract: \(violation)")
        }
        response.body = ResponseBody(byteBuffer: body)
        return response
    }
}

/// A response body writer that keeps what is written.
final class BodyCollector: ResponseBodyWriter, @unchecked Sendable {
    /// Written by one response's writer only, before `buffer` is read.
    private(set) var buffer = ByteBuffer()

    func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        self.buffer.writeBuffer(&buffer)
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
