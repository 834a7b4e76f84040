//! The time operations see, which tests can set.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};

/// The current time for scheduling decisions: the system clock, unless a
/// test has set a time. Clones share the setting, so setting it on one
/// [`Kodo`](crate::Kodo) sets it for the running server.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    fixed: Arc<RwLock<Option<DateTime<Utc>>>>,
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        let fixed = *self.fixed.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        fixed.unwrap_or_else(Utc::now)
    }

    /// Sets the time `now` returns until the next call; `None` goes back to
    /// the system clock.
    pub fn set(&self, time: Option<DateTime<Utc>>) {
        *self.fixed.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = time;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_time_is_shared_by_clones() {
        let clock = Clock::default();
        let clone = clock.clone();
        let time: DateTime<Utc> = "2027-01-02T03:04:05Z".parse().unwrap();
        clock.set(Some(time));
        assert_eq!(clone.now(), time);
        clock.set(None);
        assert_ne!(clone.now(), time);
    }
}
