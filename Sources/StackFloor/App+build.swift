import Foundation
import Hummingbird
import NIOCore
import ProcessSupport
import ServiceHTTP
import StoreClients

/// The floor's three routes over the same clients, pools and HTTP server as the gateway's.
func buildApplication(_ platform: PlatformConfiguration, port: Int, picks: (users: Int, products: Int)) -> some ApplicationProtocol {
    let clients = StoreClients(platform, label: "stack-floor")
    let (database, redis) = (clients.database, clients.redis)
    let router = Router()
    // The liveness probe's answer from the router alone: what `health_live` costs without the
    // gateway's middleware, deadline and headers.
    let live = ByteBuffer(string: #"{"status":"ok"}"#)
    router.get("/health/live") { _, _ -> Response in
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: live))
    }
    router.get("/api/orders/:id") { _, context -> Response in
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { return Response(status: .badRequest) }
        _ = try await redis.send("GET", "floor:session", logger: context.logger)
        guard let cell = try await database.execute(FloorOrderStatement(id: id), logger: context.logger).first else {
            return Response(status: .notFound)
        }
        return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: cell))
    }
    router.post("/api/orders") { _, context -> Response in
        _ = try await redis.send("GET", "floor:session", logger: context.logger)
        let chosen = FloorCreateScript.picks(users: picks.users, products: picks.products)
        let cell = try await database.transaction(logger: context.logger) { connection in
            _ = try await connection.execute(FloorCreateStatement<0>(picks: chosen), logger: context.logger)
            _ = try await connection.execute(FloorCreateStatement<1>(picks: chosen), logger: context.logger)
            let placed = try await connection.execute(FloorCreateStatement<2>(picks: chosen), logger: context.logger)
            // As a placement schedules its move: before the commit.
            try await redis.send("ZADD", "floor:schedule", "\(chosen["k"] ?? 0)", "\(chosen["k"] ?? 0)", logger: context.logger)
            return placed.first ?? nil
        }
        return Response(
            status: .created, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: cell ?? ByteBuffer()))
    }
    return Application(
        router: router,
        server: .http1OnEventLoops(),
        configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "stack-floor"),
        services: [OrderedServices([database, redis], logger: clients.logger)],
        logger: clients.logger
    )
}
