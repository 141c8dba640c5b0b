import Configuration
import Foundation

/// Typed, strict reads of environment variables (and `.env`), failing with the variable's name.
///
/// swift-configuration merges the sources; parsing is strict here so that `PORT=80x` stops the
/// process instead of silently falling back to a default.
public struct Settings: Sendable {
    let reader: ConfigReader

    public init(reader: ConfigReader) {
        self.reader = reader
    }

    /// The process environment first, then `.env` in the working directory (or `ENV_FILE`) when present.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> Settings {
        let path = environment["ENV_FILE"] ?? ".env"
        let file = try await EnvironmentVariablesProvider(environmentFilePath: .init(path), allowMissing: true)
        return Settings(reader: ConfigReader(providers: [EnvironmentVariablesProvider(environmentVariables: environment), file]))
    }

    /// Settings from a dictionary only, for tests.
    public static func from(_ values: [String: String]) -> Settings {
        Settings(reader: ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: values)))
    }

    public func string(_ key: String, isSecret: Bool = false) -> String? {
        guard
            let value = reader.string(forKey: ConfigKey([key]), isSecret: isSecret)?
                .trimmingCharacters(in: .whitespaces), !value.isEmpty
        else { return nil }
        return value
    }

    public func string(_ key: String, default defaultValue: String) -> String {
        string(key) ?? defaultValue
    }

    public func required(_ key: String, isSecret: Bool = false) throws(ConfigurationError) -> String {
        guard let value = string(key, isSecret: isSecret) else {
            throw ConfigurationError(key: key, reason: "is required")
        }
        return value
    }

    public func int(_ key: String, default defaultValue: Int, range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let text = string(key) else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(
                key: key, reason: "must be a whole number from \(range.lowerBound) to \(range.upperBound) (got \"\(text)\")")
        }
        return value
    }

    /// A list given as JSON (`["a","b"]`) or comma-separated (`a,b`).
    public func list(_ key: String) throws(ConfigurationError) -> [String] {
        guard let text = string(key) else { return [] }
        if text.hasPrefix("[") {
            guard let data = text.data(using: .utf8),
                let values = try? JSONDecoder().decode([String].self, from: data)
            else { throw ConfigurationError(key: key, reason: "is not a valid JSON list of strings") }
            return values.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    public func choice<T: RawRepresentable<String>>(_ key: String, default defaultValue: T) throws(ConfigurationError) -> T
    where T: CaseIterable {
        guard let text = string(key)?.lowercased() else { return defaultValue }
        guard let value = T(rawValue: text) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError(key: key, reason: "must be one of \(allowed) (got \"\(text)\")")
        }
        return value
    }
}
