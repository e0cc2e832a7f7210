import Testing
@testable import API

@Suite struct RateLimiterTests {
    @Test func tokenBucketRefillsAtTheRateUpToTheBurst() {
        let limiter = IngestRateLimiter()
        let s: Int64 = 1_000_000_000
        // Full bucket of 100 at start.
        #expect(limiter.take(keyID: "k", points: 100, rate: 10, burst: 100, now: 0) == nil)
        // Empty: 20 points need 2 s at 10/s.
        #expect(limiter.take(keyID: "k", points: 20, rate: 10, burst: 100, now: 0) == 2)
        // A refused batch takes nothing: after 2 s it passes.
        #expect(limiter.take(keyID: "k", points: 20, rate: 10, burst: 100, now: 2 * s) == nil)
        // Refill stops at the burst: 1 hour later only 100 are available.
        #expect(limiter.take(keyID: "k", points: 100, rate: 10, burst: 100, now: 3600 * s) == nil)
        #expect(limiter.take(keyID: "k", points: 1, rate: 10, burst: 100, now: 3600 * s) == 1)
        // Keys have their own buckets.
        #expect(limiter.take(keyID: "other", points: 100, rate: 10, burst: 100, now: 3600 * s) == nil)
    }

    @Test func aBatchLargerThanTheBurstPassesOnAFullBucket() {
        let limiter = IngestRateLimiter()
        #expect(limiter.take(keyID: "k", points: 5_000, rate: 10, burst: 100, now: 0) == nil)
        #expect(limiter.take(keyID: "k", points: 5_000, rate: 10, burst: 100, now: 0) == 10)
    }
}
