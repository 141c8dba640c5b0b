import HTTPTypes
import Hummingbird

/// Wraps a `Router` to remember which methods each path serves, so that another method on a
/// known path answers 405 with `Allow` instead of Hummingbird's 404.
public final class MethodAwareRouter<Context: RequestContext>: RouterMethods, @unchecked Sendable {
    public let router: Router<Context>
    /// Registration happens on one task at start-up, before the router serves anything.
    private var methods: [String: (path: RouterPath, methods: [HTTPRequest.Method])] = [:]

    public init(_ router: Router<Context>) {
        self.router = router
    }

    @discardableResult
    public func on<Responder: HTTPResponder>(
        _ path: RouterPath, method: HTTPRequest.Method, responder: Responder
    ) -> Self where Responder.Context == Context {
        router.on(path, method: method, responder: responder)
        methods[path.description, default: (path, [])].methods.append(method)
        return self
    }

    @discardableResult
    public func add(middleware: any MiddlewareProtocol<Request, Response, Context>) -> Self {
        router.add(middleware: middleware)
        return self
    }

    /// Every registered path (as `RouterPath` describes it) with the methods it serves.
    public var routes: [(path: String, methods: [HTTPRequest.Method])] {
        methods.map { ($0.key, $0.value.methods) }
    }

    /// Adds the 405 answers; call once, after every route is registered.
    public func addMethodNotAllowedResponders() {
        // HEAD follows GET (the router's `autoGenerateHeadEndpoints` answers it wherever GET is).
        let candidates: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete, .options, .trace, HTTPRequest.Method("QUERY")!]
        for (_, entry) in methods {
            let allowed = entry.methods.contains(.get) ? entry.methods + [.head] : entry.methods
            let allow = allowed.map(\.rawValue).joined(separator: ", ")
            for method in candidates where !entry.methods.contains(method) {
                router.on(entry.path, method: method) { _, _ -> Response in
                    throw APIError(.methodNotAllowed, "This resource allows \(allow).", headers: [.allow: allow])
                }
            }
        }
    }
}
