/// Which paths are the console's: everything the API, its documents and the health checks do
/// not own. Console paths are served by cookie and answered with pages; the others by bearer
/// token and answered with JSON.
enum ConsolePaths {
    static let apiPrefixes = ["/api/", "/docs", "/openapi.", "/health/"]

    static func owns(_ path: String) -> Bool {
        path != "/api" && !apiPrefixes.contains { path.hasPrefix($0) }
    }
}
