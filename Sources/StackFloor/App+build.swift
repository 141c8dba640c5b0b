import Foundation
import Hummingbird
import ProcessSupport
import ServiceHTTP
import StoreClients

/// The floor's one route over the same clients, pools and HTTP server as the gateway's.
func buildApplication(_ platform: PlatformConfiguration, port: Int) -> some ApplicationProtocol {
    let clients = StoreClients(platform, label: "stack-floor")
    let (database, redis) = (clients.database, clients.redis)
    let router = Router()
    router.get("/api/orders/:id") { _, context -> Response in
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { return Response(status: .badRequest) }
        _ = try await redis.send("GET", "floor:session", logger: context.logger)
        guard let cell = try await database.execute(FloorOrderStatement(id: id), logger: context.logger).first else {
            return Response(status: .notFound)
        }
        return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: cell))
    }
    return Application(
        router: router,
        server: .http1OnEventLoops(),
        configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "stack-floor"),
        services: [OrderedServices([database, redis], logger: clients.logger)],
        logger: clients.logger
    )
}
