//! The token bucket that keeps one sender to its rate in SMS segments per
//! second.
//!
//! The bucket contains one segment plus [`SLACK`] of sending (at least 1
//! token) and refills continuously. A message costs its segment count and
//! is sent only when the bucket contains that many tokens. A message longer
//! than the whole bucket may still go when the bucket is full, leaving the
//! bucket in debt until the refill pays it back, so over any interval of
//! `t` seconds a sender sends at most `capacity + rate * t` segments plus
//! the overshoot of one such message.
//!
//! The bucket is that small so that no second, not even the first after an
//! idle spell, carries much more than `rate` segments: a bucket of one
//! second would allow twice the rate in that first second. The slack lets a
//! dispatcher wake a few milliseconds late without losing tokens.
//!
//! Dispatchers fill the bucket at [`sending_rate`], 0.5 % below the rate the
//! admin set. The margin covers the slack and the few milliseconds by which
//! requests reach Twilio earlier or later than they were claimed, so that
//! Twilio counts at most the set rate in any one second.
//!
//! The functions here are pure and take the current time as an argument;
//! [`crate::messages::claim_within_rate`] stores the bucket in PostgreSQL
//! and reads the clock from the database, so every dispatcher shares it.

use chrono::{DateTime, Utc};
use std::time::Duration;

/// A sender's bucket: the tokens it held at `refilled_at`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    pub tokens: f64,
    pub refilled_at: DateTime<Utc>,
}

/// Sending time the bucket contains beyond one segment.
pub const SLACK: Duration = Duration::from_millis(5);

/// The share of the configured rate that dispatchers send at.
pub const RATE_MARGIN: f64 = 0.995;

/// Returns the rate, in segments per second, at which dispatchers fill a
/// sender's bucket when the admin set `configured`.
pub fn sending_rate(configured: f64) -> f64 {
    configured * RATE_MARGIN
}

/// Returns the maximum tokens of a bucket at `rate` segments per second.
pub fn capacity(rate: f64) -> f64 {
    1.0 + rate * SLACK.as_secs_f64()
}

impl Bucket {
    /// Returns a full bucket, as a sender starts.
    pub fn full(rate: f64, now: DateTime<Utc>) -> Bucket {
        Bucket {
            tokens: capacity(rate),
            refilled_at: now,
        }
    }

    /// Returns the bucket as it is at `now`. A clock that went backwards
    /// adds nothing.
    pub fn refill(self, rate: f64, now: DateTime<Utc>) -> Bucket {
        if now <= self.refilled_at {
            return Bucket {
                tokens: self.tokens.min(capacity(rate)),
                refilled_at: self.refilled_at,
            };
        }
        let elapsed = (now - self.refilled_at).to_std().unwrap_or_default().as_secs_f64();
        Bucket {
            tokens: (self.tokens + elapsed * rate).min(capacity(rate)),
            refilled_at: now,
        }
    }

    /// Returns how many of `costs`, taken in order, the bucket pays for now.
    /// The count stops at the first message it cannot pay for, so a later,
    /// cheaper message never overtakes a more urgent one.
    pub fn affordable(&self, rate: f64, costs: impl IntoIterator<Item = u32>) -> usize {
        let mut tokens = self.tokens;
        let mut count = 0;
        for cost in costs {
            let cost = f64::from(cost.max(1));
            let oversized_on_full = count == 0 && cost > capacity(rate) && tokens >= capacity(rate);
            if cost <= tokens + f64::EPSILON || oversized_on_full {
                tokens -= cost;
                count += 1;
            } else {
                break;
            }
        }
        count
    }

    /// Returns the bucket after sending `segments`.
    pub fn spend(self, segments: u32) -> Bucket {
        Bucket {
            tokens: self.tokens - f64::from(segments),
            refilled_at: self.refilled_at,
        }
    }

    /// Returns how long until the bucket pays for a message of `cost`
    /// segments (a message longer than the bucket waits until it is full).
    pub fn wait_for(&self, rate: f64, cost: u32) -> Duration {
        let needed = f64::from(cost.max(1)).min(capacity(rate)) - self.tokens;
        if needed <= 0.0 {
            return Duration::ZERO;
        }
        Duration::try_from_secs_f64(needed / rate).unwrap_or(Duration::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(millis: i64) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(1_800_000_000_000 + millis).unwrap()
    }

    #[test]
    fn full_bucket_holds_one_segment_and_slack() {
        assert_eq!(Bucket::full(1_000.0, at(0)).tokens, 6.0);
        assert_eq!(Bucket::full(100.0, at(0)).tokens, 1.5);
        assert_eq!(Bucket::full(0.5, at(0)).tokens, 1.0025, "at least one segment");
    }

    #[test]
    fn refill_adds_rate_times_elapsed() {
        let bucket = Bucket { tokens: 0.0, refilled_at: at(0) };
        assert_eq!(bucket.refill(400.0, at(5)).tokens, 2.0);
        assert_eq!(bucket.refill(400.0, at(5)).refilled_at, at(5));
        assert_eq!(bucket.refill(0.25, at(2_000)).tokens, 0.5);
    }

    #[test]
    fn refill_stops_at_capacity() {
        let bucket = Bucket { tokens: 3.0, refilled_at: at(0) };
        assert_eq!(bucket.refill(400.0, at(60_000)).tokens, 3.0);
    }

    #[test]
    fn clock_going_back_adds_nothing() {
        let bucket = Bucket { tokens: 1.0, refilled_at: at(1_000) };
        let refilled = bucket.refill(4.0, at(0));
        assert_eq!(refilled.tokens, 1.0);
        assert_eq!(refilled.refilled_at, at(1_000));
    }

    #[test]
    fn affordable_counts_segments() {
        let bucket = Bucket::full(1_000.0, at(0));
        assert_eq!(bucket.affordable(1_000.0, [1, 1, 1, 1, 1, 1, 1]), 6);
        assert_eq!(bucket.affordable(1_000.0, [2, 2, 2, 2]), 3, "two-segment messages cost two");
        assert_eq!(bucket.affordable(1_000.0, [2, 2, 1, 1, 1]), 4);
    }

    #[test]
    fn affordable_keeps_order() {
        let bucket = Bucket { tokens: 2.0, refilled_at: at(0) };
        assert_eq!(bucket.affordable(1_000.0, [3, 1, 1]), 0, "a cheaper message never overtakes");
    }

    #[test]
    fn fractional_rate_sends_one_then_waits() {
        let rate = 0.5;
        let bucket = Bucket::full(rate, at(0));
        assert_eq!(bucket.affordable(rate, [1, 1]), 1);
        let after = bucket.spend(1);
        assert_eq!(after.affordable(rate, [1]), 0);
        // The full bucket had 1.0025 tokens, so 0.0025 are left.
        assert_eq!(after.wait_for(rate, 1), Duration::from_millis(1_995));
        assert_eq!(after.refill(rate, at(1_990)).affordable(rate, [1]), 0);
        assert_eq!(after.refill(rate, at(2_000)).affordable(rate, [1]), 1);
    }

    #[test]
    fn oversized_message_goes_on_full_bucket() {
        let rate = 200.0;
        let bucket = Bucket::full(rate, at(0));
        assert_eq!(bucket.tokens, 2.0);
        assert_eq!(bucket.affordable(rate, [3, 1]), 1, "only the long message");
        let after = bucket.spend(3);
        assert_eq!(after.tokens, -1.0);
        assert_eq!(after.wait_for(rate, 1), Duration::from_millis(10));
        assert_eq!(after.refill(rate, at(10)).affordable(rate, [3]), 0);
        assert_eq!(after.refill(rate, at(15)).affordable(rate, [3]), 1);
    }

    #[test]
    fn steady_backlog_keeps_each_second_at_rate() {
        // A dispatcher that wakes up to 4 ms late on each wait sends at
        // most the configured 100 messages, and at least 98, in every
        // whole second of a long backlog.
        let rate = sending_rate(100.0);
        let mut bucket = Bucket::full(rate, at(0));
        let mut now = 0;
        let mut sent_at = Vec::new();
        while now < 10_000 {
            bucket = bucket.refill(rate, at(now));
            if bucket.affordable(rate, [1]) == 1 {
                bucket = bucket.spend(1);
                sent_at.push(now);
            }
            let wait_ms = bucket.wait_for(rate, 1).as_micros().div_ceil(1_000) as i64;
            let late_ms = now % 5;
            now += wait_ms.max(1) + late_ms;
        }
        for second in 0..10 {
            let count = sent_at.iter().filter(|at| **at / 1_000 == second).count();
            assert!(count <= 100, "second {second}: {count} messages");
            assert!(count >= 98, "second {second}: {count} messages");
        }
    }

    #[test]
    fn long_run_never_exceeds_rate() {
        // Drain a long queue of mixed lengths at a simulated 1 ms tick and
        // check the total against capacity + rate * elapsed + one overshoot.
        let rate = 3.0;
        let costs: Vec<u32> = (0..2_000).map(|i| 1 + (i % 4)).collect();
        let mut bucket = Bucket::full(rate, at(0));
        let mut next = 0;
        let mut sent = 0u64;
        for tick in 0..20_000 {
            bucket = bucket.refill(rate, at(tick));
            let count = bucket.affordable(rate, costs[next..].iter().copied());
            for cost in &costs[next..next + count] {
                bucket = bucket.spend(*cost);
                sent += u64::from(*cost);
            }
            next += count;
            let allowed = capacity(rate) + rate * tick as f64 / 1_000.0 + 4.0;
            assert!(sent as f64 <= allowed, "sent {sent} segments by {tick} ms, allowed {allowed}");
        }
        assert!(sent >= 55, "the queue keeps moving: {sent} segments in 20 s");
    }
}
