import Foundation
import HTTPTypes
import NIOCore
import NIOFoundationCompat

@testable import Gateway

/// The gateway's OpenAPI document as a checker of responses: the status must be declared for the
/// operation, the content type must be one it declares, and a JSON body must match its schema.
struct APIContract: Sendable {
    let document: JSONValue
    let validator: JSONSchemaValidator

    /// The bundled document, read once per test process.
    static let shared: APIContract = {
        do {
            let document = try JSONValue.parse(Data(buffer: try APIDocument.bundled().json))
            return APIContract(document: document, validator: JSONSchemaValidator(document: document))
        } catch {
            fatalError("openapi.yaml does not load: \(error)")
        }
    }()

    /// The document's path template for a request path: literal segments beat `{parameters}`.
    func template(for path: String) -> String? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        var best: (template: String, literals: Int)?
        for template in document["paths"]?.object?.keys ?? [:].keys {
            let parts = template.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
            guard parts.count == segments.count else { continue }
            var literals = 0
            var matches = true
            for (part, segment) in zip(parts, segments) {
                if part.hasPrefix("{") && part.hasSuffix("}") {
                    if segment.isEmpty { matches = false }
                } else if part == segment {
                    literals += 1
                } else {
                    matches = false
                }
                if !matches { break }
            }
            if matches, literals > (best?.literals ?? -1) { best = (template, literals) }
        }
        return best?.template
    }

    /// What is wrong with this response for this request, by the document; empty when nothing.
    func violations(method: HTTPRequest.Method, path: String, status: Int, contentType: String?, body: ByteBuffer) -> [String] {
        let route = "\(method.rawValue) \(path) → \(status)"
        // A CORS preflight is the CORS protocol's, answered before any operation; not the API's.
        if method == .options, status == 204, body.readableBytes == 0 { return [] }
        // The web console's pages are not the API's; ConsoleTests check them.
        if ConsolePaths.owns(path) { return [] }
        let mediaType = contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let template = template(for: path), let operation = document["paths"]?[template]?[method.rawValue.lowercased()] else {
            // No such operation: only a problem saying so is right.
            guard status == 404 || status == 405 else { return ["\(route): the document has no such operation"] }
            return problemViolations(route: route, mediaType: mediaType, body: body)
        }
        guard var response = operation["responses"]?[String(status)] ?? operation["responses"]?["default"] else {
            return ["\(route): status \(status) is not declared for \(method.rawValue) \(template)"]
        }
        if let reference = response["$ref"]?.string, let resolved = validator.resolve(reference) { response = resolved }
        guard let content = response["content"]?.object else {
            return body.readableBytes == 0 ? [] : ["\(route): the document declares no body, but one came"]
        }
        guard let mediaType, let media = content[mediaType] else {
            return ["\(route): content type \(contentType ?? "none") is not declared (\(content.keys.sorted().joined(separator: ", ")))"]
        }
        guard mediaType.hasSuffix("json"), let schema = media["schema"] else { return [] }
        guard let value = try? JSONValue.parse(Data(buffer: body)) else { return ["\(route): the body is not JSON"] }
        return validator.violations(of: value, against: schema).map { "\(route): \($0)" }
    }

    private func problemViolations(route: String, mediaType: String?, body: ByteBuffer) -> [String] {
        guard mediaType == "application/problem+json" else { return ["\(route): not a problem+json answer"] }
        guard let value = try? JSONValue.parse(Data(buffer: body)) else { return ["\(route): the body is not JSON"] }
        return validator.violations(of: value, against: .object(["$ref": .string("#/components/schemas/Problem")])).map {
            "\(route): \($0)"
        }
    }
}
