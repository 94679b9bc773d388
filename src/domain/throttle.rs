//! How repeated failed sign-ins slow down and then stop guessing: per typed
//! e-mail address (whether or not it has an account, so the answer never
//! tells) and per client address. Pure: the store keeps the counts.

use chrono::{NaiveDateTime, TimeDelta};

/// The failed sign-ins counted for one subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failures {
    pub count: u32,
    pub first_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
}

/// What to do with the next attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Go,
    /// Answer only after this long: guessing gets slow.
    SlowDown(std::time::Duration),
    /// No attempt is checked before this time, right or wrong.
    Locked(NaiveDateTime),
}

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Failures within `window` before answers slow down.
    pub slow_after: u32,
    /// Failures within `window` that lock the subject.
    pub lock_after: u32,
    pub window: TimeDelta,
    pub lock_for: TimeDelta,
}

/// For one typed e-mail address: a person mistyping a few times is not
/// slowed; a guesser gets ten tries a quarter of an hour.
pub const PER_EMAIL: Limits = Limits {
    slow_after: 3,
    lock_after: 10,
    window: TimeDelta::minutes(15),
    lock_for: TimeDelta::minutes(15),
};

/// For one client address, which an office may share: higher, so one
/// person's mistakes do not lock colleagues out, while one machine trying
/// many accounts is stopped.
pub const PER_CLIENT: Limits = Limits {
    slow_after: 10,
    lock_after: 50,
    window: TimeDelta::minutes(15),
    lock_for: TimeDelta::minutes(15),
};

/// For one client address sending a form anyone may send that mails the
/// secretariat (a problem report, an application to be listed): a few an
/// hour get through; more from the same address wait, so those forms
/// cannot flood the secretariat's mail.
pub const PER_SENDER: Limits = Limits {
    slow_after: u32::MAX,
    lock_after: 5,
    window: TimeDelta::hours(1),
    lock_for: TimeDelta::hours(1),
};

/// Whose posts of `form` are counted for a client address.
pub fn sender_subject(form: &str, address: &str) -> String {
    format!("{form}:{}", super::secret::digest(address))
}

/// Whose failures are counted for a typed e-mail address: its hash, so
/// whatever was typed (a password in the wrong box) is not kept.
pub fn email_subject(typed: &str) -> String {
    format!(
        "email:{}",
        super::secret::digest(&typed.trim().to_lowercase())
    )
}

/// Whose failures are counted for a client address.
pub fn client_subject(address: &str) -> String {
    format!("address:{}", super::secret::digest(address))
}

/// The longest an answer is held back.
const MAX_DELAY_SECONDS: u32 = 5;

impl Limits {
    /// Failures still counted at `now`: none once the window or the lock
    /// has passed.
    fn current(&self, failures: Option<Failures>, now: NaiveDateTime) -> Option<Failures> {
        failures.filter(|f| match f.locked_until {
            Some(until) => until > now,
            None => now - f.first_at < self.window,
        })
    }

    pub fn verdict(&self, failures: Option<Failures>, now: NaiveDateTime) -> Verdict {
        let Some(f) = self.current(failures, now) else {
            return Verdict::Go;
        };
        if let Some(until) = f.locked_until {
            return Verdict::Locked(until);
        }
        if f.count >= self.slow_after {
            let seconds = (f.count - self.slow_after + 1).min(MAX_DELAY_SECONDS);
            return Verdict::SlowDown(std::time::Duration::from_secs(seconds.into()));
        }
        Verdict::Go
    }

    /// The count after one more failure at `now`.
    pub fn after_failure(&self, failures: Option<Failures>, now: NaiveDateTime) -> Failures {
        let mut f = self.current(failures, now).unwrap_or(Failures {
            count: 0,
            first_at: now,
            locked_until: None,
        });
        f.count = f.count.saturating_add(1);
        if f.count >= self.lock_after && f.locked_until.is_none() {
            f.locked_until = Some(now + self.lock_for);
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(minutes: i64) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 24)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap()
            + TimeDelta::minutes(minutes)
    }

    #[test]
    fn failures_slow_down_then_lock_then_are_forgotten() {
        let mut f = None;
        for _ in 0..PER_EMAIL.slow_after {
            assert_eq!(PER_EMAIL.verdict(f, at(0)), Verdict::Go);
            f = Some(PER_EMAIL.after_failure(f, at(0)));
        }
        assert_eq!(
            PER_EMAIL.verdict(f, at(1)),
            Verdict::SlowDown(std::time::Duration::from_secs(1))
        );
        while PER_EMAIL.verdict(f, at(1)) != Verdict::Locked(at(16)) {
            f = Some(PER_EMAIL.after_failure(f, at(1)));
        }
        assert_eq!(f.unwrap().count, PER_EMAIL.lock_after);
        assert_eq!(PER_EMAIL.verdict(f, at(15)), Verdict::Locked(at(16)));
        assert_eq!(PER_EMAIL.verdict(f, at(16)), Verdict::Go);
        assert_eq!(PER_EMAIL.after_failure(f, at(16)).count, 1);
    }

    #[test]
    fn a_window_without_failures_starts_again() {
        let f = Some(PER_EMAIL.after_failure(None, at(0)));
        let later = PER_EMAIL.after_failure(f, at(20));
        assert_eq!((later.count, later.first_at), (1, at(20)));
    }

    proptest! {
        /// However failures come, the answer is never held back longer than
        /// the cap, and a subject locks exactly when it reaches the limit
        /// within the window.
        #[test]
        fn delays_are_bounded_and_locks_come_at_the_limit(
            gaps in prop::collection::vec(0i64..6, 1..60)
        ) {
            let mut f = None;
            let mut now = at(0);
            for gap in gaps {
                now += TimeDelta::minutes(gap);
                match PER_EMAIL.verdict(f, now) {
                    Verdict::SlowDown(d) => prop_assert!(d.as_secs() <= u64::from(MAX_DELAY_SECONDS)),
                    Verdict::Locked(until) => { prop_assert!(until > now); continue; }
                    Verdict::Go => {}
                }
                let next = PER_EMAIL.after_failure(f, now);
                prop_assert_eq!(next.locked_until.is_some(), next.count >= PER_EMAIL.lock_after);
                f = Some(next);
            }
        }
    }
}
