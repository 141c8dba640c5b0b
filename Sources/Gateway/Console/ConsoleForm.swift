import Foundation
import Hummingbird
import ServiceHTTP
import Store

/// Reading the console's forms and writing its links: what every page's controller shares.
enum ConsoleForm {
    /// Decodes a form body (already read and CSRF-checked by ``ConsoleSessionMiddleware``).
    static func decode<T: Decodable>(_ type: T.Type, _ request: Request, context: AppRequestContext) async throws -> T {
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        do {
            return try URLEncodedFormDecoder().decode(T.self, from: String(buffer: body))
        } catch {
            throw APIError(.badRequest, "The form could not be read.")
        }
    }

    /// Field problems by field name, for a form shown again with what was typed.
    static func problems(_ error: InvalidInput) -> [String: String] {
        Dictionary(error.fields.map { ($0.field, $0.message) }, uniquingKeysWith: { first, _ in first })
    }

    /// The field problems of the API's answer to a refusal (its wording, once, in
    /// ``DomainProblems``).
    static func problems(_ answer: APIError) -> [String: String] {
        Dictionary((answer.errors ?? []).map { ($0.field, $0.message) }, uniquingKeysWith: { first, _ in first })
    }

    /// A field left blank (or only spaces) as nil.
    static func optional(_ text: String?) -> String? {
        text.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
    }

    /// A local path to return to after signing in (never another site).
    static func safeReturn(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\") else { return "/dashboard" }
        return next
    }

    /// `pairs` as a query string, every value percent-encoded.
    static func query(_ pairs: [(String, String)]) -> String {
        pairs.map { $0.0 + "=" + ($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") }.joined(separator: "&")
    }
}
