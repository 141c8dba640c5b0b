import HTTPTypes
import Hummingbird
import NIOCore
import ServiceHTTP

/// Serves the OpenAPI document and an interactive page for it.
///
/// The page runs Swagger UI from the gateway's own copy (so it works on a machine with no
/// internet); without one it falls back to a pinned CDN version with integrity hashes. No
/// inline script, and no token is kept in the browser (`persistAuthorization: false`).
struct DocsController<Context: RequestContext> {
    let document: APIDocument
    let assets: SwaggerUIAssets?

    static var contentSecurityPolicy: HTTPField.Name { HTTPField.Name("Content-Security-Policy")! }

    func addRoutes(to router: MethodAwareRouter<Context>) {
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: document.json))
        }
        router.get("/openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(string: document.yaml)))
        }
        let page = ByteBuffer(string: Self.page(local: assets != nil))
        router.get("/docs") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/html; charset=utf-8", Self.contentSecurityPolicy: Self.policy(local: assets != nil)],
                body: .init(byteBuffer: page)
            )
        }
        router.get("/docs/assets/{file}") { _, context in
            let (body, type): (ByteBuffer, String)
            switch try context.parameters.require("file") {
            case "init.js": (body, type) = (ByteBuffer(string: Self.initScript), "text/javascript; charset=utf-8")
            case "swagger-ui-bundle.js" where assets != nil: (body, type) = (assets!.bundle, "text/javascript; charset=utf-8")
            case "swagger-ui.css" where assets != nil: (body, type) = (assets!.styles, "text/css; charset=utf-8")
            default: throw APIError(.notFound, "No such file.")
            }
            return Response(
                status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=3600"], body: .init(byteBuffer: body))
        }
    }

    /// Swagger UI fetches the document and sends requests to this origin only; its bundle may
    /// set inline styles. With the CDN fallback, the CDN is allowed for the two files.
    static func policy(local: Bool) -> String {
        let cdn: ContentSecurityPolicy.FetchDirectiveValue = .uri("https://cdn.jsdelivr.net")
        let policy: ContentSecurityPolicy = [
            .defaultSrc(.none), local ? .scriptSrc(.self) : .scriptSrc(.self, cdn),
            local ? .styleSrc(.self, .unsafeInline) : .styleSrc(.self, .unsafeInline, cdn), .imgSrc(.self, "data:"),
            .connectSrc(.self), .frameAncestors(.none), .baseURI(.none), .formAction(.none),
        ]
        return policy.description
    }

    static func page(local: Bool) -> String {
        let cdn = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@\(SwaggerUIAssets.version)"
        let styles =
            local
            ? #"<link rel="stylesheet" href="/docs/assets/swagger-ui.css">"#
            : #"<link rel="stylesheet" href="\#(cdn)/swagger-ui.css" integrity="\#(SwaggerUIAssets.stylesIntegrity)" crossorigin="anonymous">"#
        let bundle =
            local
            ? #"<script src="/docs/assets/swagger-ui-bundle.js"></script>"#
            : #"<script src="\#(cdn)/swagger-ui-bundle.js" integrity="\#(SwaggerUIAssets.bundleIntegrity)" crossorigin="anonymous"></script>"#
        return """
            <!doctype html>
            <html lang="en">
            <head>
              <meta charset="utf-8">
              <meta name="viewport" content="width=device-width, initial-scale=1">
              <title>Order platform API</title>
              \(styles)
            </head>
            <body>
              <main id="swagger-ui"><p>Loading the API viewer… The document itself is at <a href="/openapi.json">/openapi.json</a>.</p></main>
              \(bundle)
              <script src="/docs/assets/init.js"></script>
            </body>
            </html>
            """
    }

    /// Starts the viewer, or says why it cannot (the bundle did not load).
    static var initScript: String {
        """
        "use strict";
        window.addEventListener("load", function () {
          var root = document.getElementById("swagger-ui");
          if (typeof window.SwaggerUIBundle !== "function") {
            root.innerHTML = '<p>The API viewer could not be loaded. The document is at <a href="/openapi.json">/openapi.json</a>.</p>';
            return;
          }
          root.textContent = "";
          window.ui = window.SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true, persistAuthorization: false });
        });
        """
    }
}
