import Foundation
import NIOCore
import NIOPosix
import ProcessSupport
import ServiceHTTP

/// `stack-floor`: the least any gateway built on this stack can do for `GET /api/orders/{id}` and
/// `POST /api/orders`, served so the benchmark can set it beside the gateway and pgbench
/// (`bench/run.sh`: `get_order_floor`, `create_order_floor`).
///
/// A read is one Redis round trip (a `GET`: cheaper than the session and rate-limit script the
/// gateway must run) and pgbench's own order statement; a create the same `GET`, pgbench's own
/// transaction (its variables picked at random as pgbench picks them, the body not read) and
/// the schedule's `ZADD` before the commit. Prepared statements, through the same clients, pools
/// and event loops as the gateway; the last statement's cell is sent back as it came, with no
/// token checked, no JSON read or written, no middleware and no deadline. Whatever share of
/// pgbench this reaches bounds what the gateway can reach on the same machine. Not a service to
/// deploy: it answers anyone.
@main
struct StackFloor {
    static func main() async {
        // As the gateway: requests' tasks on the event loops that own their sockets.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        let platform = await loadConfiguration(PlatformConfiguration.init)
        let environment = ProcessInfo.processInfo.environment
        let port = Int(environment["PORT"] ?? "") ?? 18_600
        let scripts = environment["FLOOR_PGBENCH_DIR"] ?? "bench/pgbench"
        guard let sql = FloorOrderStatement.sql(fromPGBenchScript: scripts + "/get_order.sql"),
            FloorCreateScript.load(path: scripts + "/create_order.sql")
        else {
            failStartup("FLOOR_PGBENCH_DIR must name the bench's pgbench scripts (bench/pgbench)", status: 78)
        }
        FloorOrderStatement.text.withLockedValue { $0 = sql }
        // The bench's customers and products, as pgbench is told them with -D.
        let picks = (users: Int(environment["FLOOR_USERS"] ?? "") ?? 64, products: Int(environment["FLOOR_PRODUCTS"] ?? "") ?? 100)
        await serve(platform, port: port, picks: picks)
    }

    /// Off the main actor `main` runs on, as the gateway's command: the application is built
    /// where the service group will run it.
    static func serve(_ platform: PlatformConfiguration, port: Int, picks: (users: Int, products: Int)) async {
        await ServiceProcess.run(platform) { _ in buildApplication(platform, port: port, picks: picks) }
    }
}
