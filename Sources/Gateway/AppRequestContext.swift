import Foundation
import Hummingbird

/// The gateway's request context. Later issues add the authenticated identity here.
struct AppRequestContext: RequestContext {
    /// No API body comes near this; anything larger is refused with 413 before it is read.
    static let maxBodyBytes = 1 << 20

    var coreContext: CoreRequestContextStorage

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }

    var maxUploadSize: Int { Self.maxBodyBytes }

    /// JSON out without `\/` escapes, as clients of the replaced system expect.
    var responseEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return encoder
    }
}
