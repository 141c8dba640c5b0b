import Foundation
import Redis

/// The Lua scripts shipped as resources (`*/Scripts/*.lua`, beside the code that runs them), read
/// once. A script that uses `now_ms` or `now_us` gets `Scripts/redis-clock.lua` in front: the one
/// place that reads Redis's clock.
enum BundledScripts {
    /// The script `name`, after the files of local functions it calls (`using`, in that order):
    /// one function's text shared by the scripts that run it alone and with others.
    static func load(_ name: String, using functions: [String] = []) -> RedisScript {
        let source = (functions.map(text) + [text(name)]).joined(separator: "\n")
        let usesClock = source.contains("now_ms") || source.contains("now_us")
        return RedisScript(usesClock ? clock + source : source)
    }

    static let clock = text("redis-clock")

    private static func text(_ name: String) -> String {
        guard let url = Bundle.module.url(forResource: name, withExtension: "lua"),
            let source = try? String(contentsOf: url, encoding: .utf8)
        else { preconditionFailure("the Lua script \(name).lua is missing from the Store bundle") }
        return source
    }
}
