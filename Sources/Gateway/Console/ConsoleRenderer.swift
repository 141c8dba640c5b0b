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
        HTTPField.Name("Content-Security-Policy")!:
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; connect-src 'self'; "
            + "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        HTTPField.Name("Referrer-Policy")!: "same-origin",
        HTTPField.Name("X-Frame-Options")!: "DENY",
        .cacheControl: "no-store",
    ]

    /// The page `template` with `page`'s values, as a response with `status`.
    func render(_ template: String, page: Any, frame: ConsoleFrame, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:])
        -> Response
    {
        var frame = frame
        frame.stylesheet = assets.stylesheet.path
        frame.script = assets.script.path
        let html = library.render(["frame": frame, "page": page], withTemplate: template) ?? "<!doctype html><title>Error</title>"
        var all = Self.pageHeaders
        for field in headers { all.append(field) }
        return Response(status: status, headers: all, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
