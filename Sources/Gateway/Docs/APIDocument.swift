import Foundation
import NIOCore
import Yams

/// The OpenAPI document of the gateway (`Resources/openapi.yaml`), as written and as JSON.
///
/// Written by hand in YAML; tests hold it to the code (every route named, every response they
/// receive valid against it), so the two cannot drift apart silently.
struct APIDocument: Sendable {
    /// The document as written.
    let yaml: String
    /// The same document as JSON (anchors and merge keys resolved).
    let json: ByteBuffer

    /// The document bundled with the gateway.
    static func bundled() throws -> APIDocument {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "openapi.yaml"])
        }
        return try APIDocument(yaml: String(contentsOf: url, encoding: .utf8))
    }

    init(yaml: String) throws {
        self.yaml = yaml
        let object = Self.jsonCompatible(try Yams.load(yaml: yaml) as Any)
        json = ByteBuffer(data: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
    }

    /// The document as Foundation JSON values (`[String: Any]` at the top).
    func object() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(buffer: json)) as? [String: Any] ?? [:]
    }

    /// YAML mappings may have non-string keys (`200:`); JSON objects may not.
    private static func jsonCompatible(_ value: Any) -> Any {
        switch value {
        case let mapping as [AnyHashable: Any]:
            Dictionary(uniqueKeysWithValues: mapping.map { ("\($0.key.base)", jsonCompatible($0.value)) })
        case let sequence as [Any]:
            sequence.map(jsonCompatible)
        default:
            value
        }
    }
}
