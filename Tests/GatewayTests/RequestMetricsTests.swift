import Hummingbird
import HummingbirdTesting
import Prometheus
import TestSupport
import Testing

@testable import Gateway

@Suite("Request metrics", .timeLimit(.minutes(1)))
struct RequestMetricsTests {
    /// A router with the metrics middleware alone, its metrics in a registry of its own.
    func app(_ registry: PrometheusCollectorRegistry) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: RequestMetricsMiddleware(factory: PrometheusMetricsFactory(registry: registry)))
        router.get("/orders/{id}") { _, _ -> String in
            // Counted as under way while it is answered.
            registry.text.contains(#"http_server_active_requests{http_request_method="GET"} 1.0"#) ? "under way" : "not counted"
        }
        router.get("/busy") { _, _ -> Response in Response(status: .serviceUnavailable) }
        router.get("/missing") { _, _ -> String in throw HTTPError(.notFound) }
        return Application(router: router)
    }

    // MARK: Counted when answered

    @Test func eachRequestIsCountedAndTimedUnderItsRouteMethodAndStatus() async throws {
        let registry = PrometheusCollectorRegistry()
        try await app(registry).test(.router) { client in
            for id in 1...3 {
                let response = try await client.execute(uri: "/orders/\(id)", method: .get)
                #expect(String(buffer: response.body) == "under way")
            }
        }
        let text = registry.text
        let labels = #"http_route="/orders/{id}",http_request_method="GET",http_response_status_code="200""#
        #expect(text.contains("hb_requests{\(labels)} 3"), "\(text)")
        #expect(text.contains("http_server_request_duration_count{\(labels)} 3"), "\(text)")
        #expect(text.contains(#"http_server_active_requests{http_request_method="GET"} 0.0"#), "\(text)")
        #expect(!text.contains("hb_request_errors{"), "a 200 is no error: \(text)")
    }

    @Test func anErrorStatusAnsweredOrThrownIsCountedAsAnError() async throws {
        let registry = PrometheusCollectorRegistry()
        try await app(registry).test(.router) { client in
            let busy = try await client.execute(uri: "/busy", method: .get)
            #expect(busy.status == .serviceUnavailable)
            let missing = try await client.execute(uri: "/missing", method: .get)
            #expect(missing.status == .notFound)
        }
        let text = registry.text
        #expect(text.contains(#"hb_request_errors{http_route="/busy",http_request_method="GET",error_type="503"} 1"#), "\(text)")
        #expect(text.contains(#"hb_request_errors{http_route="/missing",http_request_method="GET",error_type="404"} 1"#), "\(text)")
        #expect(
            text.contains(#"hb_requests{http_route="/missing",http_request_method="GET",http_response_status_code="404"} 1"#), "\(text)")
        #expect(text.contains(#"http_server_active_requests{http_request_method="GET"} 0.0"#), "\(text)")
    }
}
