import Foundation

/// One versioned SQL file from `Sources/Store/Migrations`, named `NNNN_description.sql`.
public struct Migration: Sendable, Equatable {
    public var version: Int
    public var name: String
    public var sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// The migrations shipped with this build, in version order.
    public static func bundled() throws -> [Migration] {
        guard let directory = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw MigrationError(.missingFiles, "the Migrations resource folder is missing from the bundle")
        }
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
        return try files.filter { $0.pathExtension == "sql" }.map { url in
            let stem = url.deletingPathExtension().lastPathComponent
            guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]) else {
                throw MigrationError(.missingFiles, "\(url.lastPathComponent) is not named NNNN_description.sql")
            }
            return Migration(
                version: version, name: String(stem[stem.index(after: underscore)...]), sql: try String(contentsOf: url, encoding: .utf8))
        }.sorted { $0.version < $1.version }
    }
}
