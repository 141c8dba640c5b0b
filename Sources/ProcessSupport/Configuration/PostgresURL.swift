import Foundation
import NIOSSL
import PostgresNIO

extension PostgresClient.Configuration {
    /// Parses `postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require]`,
    /// or, for a server on the same machine, `postgres://user@/database?host=/socket/directory`
    /// (as libpq reads it: the socket is the directory's `.s.PGSQL.<port>`; no TLS on it).
    public init(url: String, key: String = "DATABASE_URL") throws(ConfigurationError) {
        guard let components = URLComponents(string: url),
            components.scheme == "postgres" || components.scheme == "postgresql"
        else {
            throw ConfigurationError(key: key, reason: "must look like postgres://user:password@host:port/database")
        }
        let socketDirectory = components.queryItems?.first { $0.name == "host" }?.value
        if let socketDirectory {
            guard socketDirectory.hasPrefix("/"), components.host?.isEmpty ?? true else {
                throw ConfigurationError(
                    key: key, reason: "names host= with a host: host= is a socket's directory (postgres://user@/database?host=/path)")
            }
        } else {
            guard let host = components.host, !host.isEmpty else {
                throw ConfigurationError(key: key, reason: "must look like postgres://user:password@host:port/database")
            }
        }
        guard let user = components.user, !user.isEmpty else {
            throw ConfigurationError(key: key, reason: "must name a user (postgres://user@host/database)")
        }
        let database = String(components.path.dropFirst())
        guard !database.isEmpty else {
            throw ConfigurationError(key: key, reason: "must name a database after the host (postgres://user@host/database)")
        }
        let sslmode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "disable"
        let tls: TLS
        switch sslmode {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        default: throw ConfigurationError(key: key, reason: "has an unknown sslmode \"\(sslmode)\"")
        }
        let username = user.removingPercentEncoding ?? user
        let password = components.password.map { $0.removingPercentEncoding ?? $0 }
        let name = database.removingPercentEncoding ?? database
        if let socketDirectory {
            guard sslmode == "disable" else {
                throw ConfigurationError(
                    key: key, reason: "asks for TLS (sslmode=\(sslmode)) over a Unix socket, which has none: leave sslmode out")
            }
            let path = (socketDirectory.hasSuffix("/") ? socketDirectory : socketDirectory + "/") + ".s.PGSQL.\(components.port ?? 5432)"
            self.init(unixSocketPath: path, username: username, password: password, database: name)
        } else {
            self.init(
                host: components.host ?? "", port: components.port ?? 5432, username: username, password: password, database: name,
                tls: tls)
        }
    }
}
