import Foundation
import Hummingbird
import HummingbirdTesting
import NIOFoundationCompat
import Store
import TestSupport

@testable import Gateway

/// A gateway application on the test stores, with `overrides` applied to its configuration;
/// every response it gives is checked against the OpenAPI document.
func makeGateway(_ overrides: [String: String] = [:]) async throws -> some ApplicationProtocol {
    _ = try await TestStores.migrated()
    let configuration = try GatewayConfiguration(settings: TestStores.settings(overrides))
    return ContractCheckedApplication(base: try await buildApplication(configuration))
}

extension TestResponse {
    /// The body as a decoded JSON object, for field-level assertions.
    var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any]
    }

    /// The body as a decoded JSON array of objects.
    var jsonArray: [[String: Any]]? {
        (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [[String: Any]]
    }
}
