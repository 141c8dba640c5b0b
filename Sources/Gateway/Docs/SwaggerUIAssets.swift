import Foundation
import NIOCore

/// Swagger UI's files (`swagger-ui-bundle.js`, `swagger-ui.css`), read once at start from
/// `SWAGGER_UI_DIR`. They come from a registry package when the project is built or installed
/// (`ops/local/swagger-ui.sh`, the Dockerfile), never from the repository.
struct SwaggerUIAssets: Sendable {
    /// The version the install script takes (from the `fastapi-offline` wheel); the CDN
    /// fallback names the same version, with Subresource Integrity hashes of the same files.
    static let version = "5.32.6"
    static let bundleIntegrity = "sha384-EYdOaiRwn44zNjrw+Tfs06qYz9BGQVo2f4/pLY5i7VorbjnZNhdplAbTBk8FXHUJ"
    static let stylesIntegrity = "sha384-9Q2fpS+xeS4ffJy6CagnwoUl+4ldAYhOs9pgZuEKxypVModhmZFzeMlvVsAjf7uT"

    let bundle: ByteBuffer
    let styles: ByteBuffer

    /// The files in `directory`, or nil when either is missing (the page then uses the CDN).
    init?(directory: String) {
        let folder = URL(fileURLWithPath: directory, isDirectory: true)
        guard let bundle = try? Data(contentsOf: folder.appendingPathComponent("swagger-ui-bundle.js")),
            let styles = try? Data(contentsOf: folder.appendingPathComponent("swagger-ui.css"))
        else { return nil }
        self.bundle = ByteBuffer(data: bundle)
        self.styles = ByteBuffer(data: styles)
    }

    /// `swagger-ui` beside the running executable, where `make build` and the image put it.
    static var defaultDirectory: String {
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
        return executable.deletingLastPathComponent().appendingPathComponent("swagger-ui").path
    }
}
