import Testing

@testable import Store

/// The claim loop's view of Redis's clock and of which partitions to ask, without Redis: the
/// claims' answers are given by hand, as late as a loaded machine reads them.
@Suite("Claim cursor")
struct ClaimCursorTests {
    /// Every partition answered: `due` is partition 0's next job, the others are empty.
    static func answered(partitions: Int, due: Int?, serverNow: Int, sentAt: Int) -> ClaimCursor {
        var cursor = ClaimCursor(partitions: partitions, fullScanEvery: .seconds(60))
        _ = cursor.partitionsToClaim(horizon: 0)
        for partition in 0..<partitions {
            cursor.claimed(partition: partition, next: partition == 0 ? due : nil, serverNow: serverNow, sentAt: sentAt)
        }
        return cursor
    }

    @Test func aReplyReadLateDoesNotMakeTheEstimateTrailRedisClock() {
        // Redis's clock is 1 s ahead of this machine's; the claim was sent 500 ms ago and Redis
        // ran it at once: its reply sat unread for those 500 ms.
        let sentAt = ClaimCursor.localMilliseconds() - 500
        let serverNow = sentAt + 1000
        let cursor = Self.answered(partitions: 4, due: nil, serverNow: serverNow, sentAt: sentAt)
        let redisNow = ClaimCursor.localMilliseconds() + 1000
        // Measured from the reply's reading, the estimate would be 500 ms behind.
        #expect(cursor.now >= redisNow)
        #expect(cursor.now < redisNow + 100)
    }

    @Test func aJobJustDueOnRedisClockIsAskedForAtOnceAfterALateReply() {
        let sentAt = ClaimCursor.localMilliseconds() - 500
        let serverNow = sentAt + 1000
        // A wake-up tells of a job in partition 2 due on Redis's clock right now.
        var cursor = Self.answered(partitions: 4, due: nil, serverNow: serverNow, sentAt: sentAt)
        cursor.woke(partition: 2, dueMilliseconds: ClaimCursor.localMilliseconds() + 1000)
        #expect(cursor.partitionsToClaim(horizon: cursor.now) == [2])
        #expect(cursor.hasWork(horizon: cursor.now))
    }

    @Test func aPartitionWithNothingDueByTheHorizonIsNotAsked() {
        let now = ClaimCursor.localMilliseconds()
        var cursor = Self.answered(partitions: 4, due: now + 60_000, serverNow: now, sentAt: now)
        #expect(cursor.partitionsToClaim(horizon: cursor.now).isEmpty)
        #expect(cursor.nextDue == now + 60_000)
        #expect(cursor.partitionsToClaim(horizon: cursor.now + 61_000) == [0])
    }
}
