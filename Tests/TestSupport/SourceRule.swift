import Foundation

/// A rule the project's own sources must keep, written as a regular expression of what breaks it
/// (for the checks a target boundary or a lint rule would otherwise make).
public struct SourceRule: Sendable {
    /// What breaks the rule, as a regular expression over one line.
    public let forbidden: String

    public init(forbidding pattern: String) {
        self.forbidden = pattern
    }

    /// The lines of `text` that break the rule (comments are not code).
    public func violations(in text: String) -> [String] {
        let pattern = try! Regex(forbidden)
        return text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { line in
            !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") && line.contains(pattern)
        }
    }

    /// The checkout's root, from a test file's `#filePath` (`Tests/<Target>/…`).
    public static func root(of filePath: String = #filePath) -> URL {
        var url = URL(fileURLWithPath: filePath)
        while url.pathComponents.count > 1, url.lastPathComponent != "Tests" { url.deleteLastPathComponent() }
        return url.deletingLastPathComponent()
    }

    /// The Swift files below `folder` of the checkout, with their paths from its root.
    public static func swiftFiles(under folder: String, filePath: String = #filePath) -> [(path: String, url: URL)] {
        let root = root(of: filePath)
        let base = root.appendingPathComponent(folder)
        let files = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        return files.filter { $0.pathExtension == "swift" }.map { (String($0.path.dropFirst(root.path.count + 1)), $0) }
    }
}
