import NIOConcurrencyHelpers

/// A continuation that the first of several racers resumes; later racers are ignored.
final class RaceOnce<T: Sendable>: Sendable {
    private let continuation = NIOLockedValueBox<CheckedContinuation<T, Never>?>(nil)

    func arm(_ continuation: CheckedContinuation<T, Never>) {
        self.continuation.withLockedValue { $0 = continuation }
    }

    /// Resumes with `value` if nobody did yet; returns whether this call won.
    @discardableResult
    func finish(_ value: T) -> Bool {
        guard
            let continuation = continuation.withLockedValue({ box -> CheckedContinuation<T, Never>? in
                defer { box = nil }
                return box
            })
        else { return false }
        continuation.resume(returning: value)
        return true
    }
}
