import Foundation
import Metrics

extension Metrics.Timer {
    /// Records the time from `start` to `now` (never negative: clocks of two hosts may disagree).
    public func recordElapsed(since start: Date, now: Date = Date()) {
        recordNanoseconds(Int64(max(0, now.timeIntervalSince(start)) * 1e9))
    }
}
