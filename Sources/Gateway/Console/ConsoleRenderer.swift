import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// Renders the console's pages: one Mustache template per page (in `Resources/Console/Templates`),
/// each extending `layout`, with the frame every page shares (navigation, the signed-in user, the
/// CSRF token, the asset names, a notice) under `frame` and the page's own values under `page`.
struct ConsoleRenderer: Sendable {
    let library: MustacheLibrary
    let assets: ConsoleAssets

    static func bundled() async throws -> ConsoleRenderer {
        guard let url = Bundle.module.url(forResource: "Console/Templates", withExtension: nil) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Console/Templates"])
        }
        return ConsoleRenderer(library: try await MustacheLibrary(directory: url.path), assets: try ConsoleAssets.bundled())
    }

    /// The headers of every console page: no inline script or style anywhere, no framing, no
    /// referrer beyond this site, never cached.
    static let pageHeaders: HTTPFields = [
        .contentType: "text/html; charset=utf-8",
        HTTPField.Name("Content-Security-Policy")!: ContentSecurityPolicy([
            .defaultSrc(.self), .scriptSrc(.self), .styleSrc(.self), .imgSrc(.self, "data:", .scheme(.https)), .connectSrc(.self),
            .fontSrc(.self), .formAction(.self), .frameAncestors(.none), .baseURI(.none), .objectSrc(.none),
        ]).description,
        HTTPField.Name("Referrer-Policy")!: "same-origin",
        HTTPField.Name("X-Frame-Options")!: "DENY",
        .cacheControl: "no-store",
    ]

    /// A page's values as dictionaries and arrays, read by one reflection of each value: the
    /// templates then find every name with a hash lookup, where Mustache would reflect the whole
    /// struct again for each name it looks up (most of a page's rendering time). nil values
    /// are left out, so their sections do not open.
    static func tree(_ value: Any) -> Any? {
        switch value {
        case is String, is Bool, is Int, is Double, is [String: String]: return value
        case let array as [Any]: return array.compactMap(tree)
        default:
            let mirror = Mirror(reflecting: value)
            switch mirror.displayStyle {
            case .optional: return mirror.children.first.flatMap { tree($0.value) }
            case .struct, .class:
                var fields: [String: Any] = [:]
                for child in mirror.children {
                    if let label = child.label, let field = tree(child.value) { fields[label] = field }
                }
                return fields
            default: return value
            }
        }
    }

    /// The page `template` with `page`'s values, as a response with `status`.
    func render(_ template: String, page: Any, frame: ConsoleFrame, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:])
        -> Response
    {
        var frame = frame
        frame.stylesheet = assets.stylesheet.path
        frame.script = assets.script.path
        let values: [String: Any] = ["frame": Self.tree(frame) ?? [:], "page": Self.tree(page) ?? [:]]
        let html = library.render(values, withTemplate: template) ?? "<!doctype html><title>Error</title>"
        var all = Self.pageHeaders
        for field in headers { all.append(field) }
        return Response(status: status, headers: all, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
