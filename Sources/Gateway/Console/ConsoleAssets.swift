import Crypto
import Foundation
import NIOCore

/// The console's stylesheet and script, read once from the bundle and served under a name that
/// carries a hash of their content: cached for a year, and a new build gets new names.
struct ConsoleAssets: Sendable {
    struct Asset: Sendable {
        var path: String
        var body: ByteBuffer
        var contentType: String
    }

    let stylesheet: Asset
    let script: Asset

    static func bundled() throws -> ConsoleAssets {
        ConsoleAssets(
            stylesheet: try load("console", "css", type: "text/css; charset=utf-8"),
            script: try load("console", "js", type: "text/javascript; charset=utf-8")
        )
    }

    private static func load(_ name: String, _ ext: String, type: String) throws -> Asset {
        guard let url = Bundle.module.url(forResource: "Console/Assets/\(name)", withExtension: ext) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Console/Assets/\(name).\(ext)"])
        }
        let data = try Data(contentsOf: url)
        let hash = SHA256.hash(data: data).prefix(6).map { String(format: "%02x", $0) }.joined()
        return Asset(path: "/assets/\(name)-\(hash).\(ext)", body: ByteBuffer(data: data), contentType: type)
    }

    func asset(at path: String) -> Asset? {
        [stylesheet, script].first { $0.path == path }
    }
}
