import Hummingbird
import HummingbirdTesting
import ServiceHTTP
import Testing

/// The request id a response carries is the one every log line of the request carries, whether
/// the client sent it or Hummingbird made it.
@Suite("Request ids")
struct RequestIDTests {
    @Test func theResponsesIDIsTheLoggersID() async throws {
        let router = Router()
        router.add(middleware: RequestIDMiddleware<BasicRequestContext>())
        router.get("/id") { _, context in context.logger[metadataKey: "hb.request.id"]?.description ?? "" }
        try await Application(router: router).test(.router) { client in
            var seen: Set<String> = []
            for sent in [nil, "trace-abc-123", "evil\u{7F}id"] {
                let headers: HTTPFields = sent.map { [.requestID: $0] } ?? [:]
                try await client.execute(uri: "/id", method: .get, headers: headers) { response in
                    let id = try #require(response.headers[.requestID])
                    #expect(String(buffer: response.body) == id)
                    #expect(!id.isEmpty)
                    if sent == "trace-abc-123" { #expect(id == sent) } else { #expect(id != sent) }
                    seen.insert(id)
                }
            }
            #expect(seen.count == 3)
        }
    }
}
