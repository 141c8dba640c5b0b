import Foundation
import NIOCore
import NIOPosix
import ProcessSupport
import ServiceHTTP

/// `stack-floor`: the least any gateway built on this stack can do for `GET /api/orders/{id}`,
/// served so the benchmark can set it beside the gateway and pgbench (`bench/run.sh`: `get_order_floor`).
///
/// One Redis round trip (a `GET`: cheaper than the session and rate-limit script the gateway
/// must run) and pgbench's own order statement, prepared, through the same clients, pools and
/// event loops as the gateway; the statement's cell is sent back as it came, with no token
/// checked, no JSON written, no middleware and no deadline. Whatever share of pgbench this
/// reaches bounds what the gateway can reach on the same machine. Not a service to deploy: it
/// answers anyone.
@main
struct StackFloor {
    static func main() async {
        // As the gateway: requests' tasks on the event loops that own their sockets.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        let platform = await loadConfiguration(PlatformConfiguration.init)
        let port = Int(ProcessInfo.processInfo.environment["PORT"] ?? "") ?? 18_600
        guard let path = ProcessInfo.processInfo.environment["FLOOR_SQL_FILE"], let sql = FloorOrderStatement.sql(fromPGBenchScript: path)
        else {
            failStartup("FLOOR_SQL_FILE must name bench/pgbench/get_order.sql", status: 78)
        }
        FloorOrderStatement.text.withLockedValue { $0 = sql }
        await serve(platform, port: port)
    }

    /// Off the main actor `main` runs on, as the gateway's command: the application is built
    /// where the service group will run it.
    static func serve(_ platform: PlatformConfiguration, port: Int) async {
        await ServiceProcess.run(platform) { _ in buildApplication(platform, port: port) }
    }
}
