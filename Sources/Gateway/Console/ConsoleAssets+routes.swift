import Hummingbird

extension ConsoleAssets {
    /// Serves the hashed stylesheet and script, cached for a year.
    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("/assets/{file}") { request, _ -> Response in
            guard let asset = asset(at: request.uri.path) else { throw HTTPError(.notFound) }
            return Response(
                status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "public, max-age=31536000, immutable"],
                body: .init(byteBuffer: asset.body)
            )
        }
    }
}
