//! How many Akismet calls the month allows by now, and how much of the unsure band may use them.
//!
//! With a monthly limit `L` and a month of `D` days, a day's share is `L/D`. By time `t` the month
//! may have used `L·(t − start)/(end − start) + burst` calls (burst: `burst_days` shares), never
//! more than `L`, and no single UTC day more than `daily_cap` shares. Inside that allowance the
//! unsure band narrows as the headroom shrinks: with a full burst in hand every unsure comment may
//! go out; with half of it only the more uncertain half of the band; so when calls are scarce they
//! go to the comments the model is least sure of.

use ferret_store::{month_bounds, Budget, CallLimits};

/// The budget settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pacer {
    /// The plan's monthly limit; `None` for unlimited plans.
    pub monthly_limit: Option<u64>,
    /// Spread the limit over the month.
    pub pacing: bool,
    /// Calls that may run ahead of the even pace, in days' shares.
    pub burst_days: f64,
    /// Most calls in one UTC day, in days' shares.
    pub daily_cap: f64,
}

impl Default for Pacer {
    fn default() -> Pacer {
        Pacer {
            monthly_limit: None,
            pacing: true,
            burst_days: 1.0,
            daily_cap: 2.0,
        }
    }
}

impl Pacer {
    fn day_share(&self, limit: u64, now: i64) -> f64 {
        let (start, end) = month_bounds(now);
        limit as f64 * 86_400.0 / (end - start) as f64
    }

    /// The caps a call reserved at `now` must respect.
    pub fn limits(&self, now: i64) -> CallLimits {
        let Some(limit) = self.monthly_limit else {
            return CallLimits::default();
        };
        if !self.pacing {
            return CallLimits {
                monthly: Some(limit),
                ..CallLimits::default()
            };
        }
        let (start, end) = month_bounds(now);
        let share = self.day_share(limit, now);
        let elapsed = (now - start) as f64 / (end - start) as f64;
        let paced = (limit as f64 * elapsed + share * self.burst_days).floor() as u64;
        let daily = (share * self.daily_cap).floor().max(1.0) as u64;
        CallLimits {
            monthly: Some(limit),
            paced: Some(paced.clamp(1, limit)),
            daily: Some(daily),
        }
    }

    /// The share of the unsure band (0..=1, measured from its most uncertain point) that may be
    /// escalated now, given what has been used.
    pub fn band_fraction(&self, now: i64, used: Budget) -> f64 {
        let Some(limit) = self.monthly_limit else {
            return 1.0;
        };
        let l = self.limits(now);
        let month_room = l.paced.unwrap_or(limit).min(limit) as f64 - used.month_used as f64;
        let day_room = l
            .daily
            .map_or(f64::INFINITY, |d| d as f64 - used.day_used as f64);
        let room = month_room.min(day_room);
        if room < 1.0 {
            return 0.0;
        }
        let full = if self.pacing {
            (self.day_share(limit, now) * self.burst_days).max(1.0)
        } else {
            // Unpaced: narrow over the last tenth of the month's limit.
            (limit as f64 / 10.0).max(1.0)
        };
        (room / full).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JAN_2026: i64 = 1_767_225_600;

    fn pacer(limit: u64) -> Pacer {
        Pacer {
            monthly_limit: Some(limit),
            ..Pacer::default()
        }
    }

    #[test]
    fn allowance_grows_with_the_month() {
        let p = pacer(3_100); // 100 a day in a 31-day month
        let l = p.limits(JAN_2026);
        assert_eq!(l.paced, Some(100)); // one day's burst at the start
        assert_eq!(l.daily, Some(200));
        let l = p.limits(JAN_2026 + 15 * 86_400 + 43_200);
        assert_eq!(l.paced, Some(1_650));
        assert_eq!(p.limits(JAN_2026 + 31 * 86_400 - 1).paced, Some(3_100));
    }

    #[test]
    fn unlimited_and_unpaced() {
        assert_eq!(Pacer::default().limits(JAN_2026), CallLimits::default());
        assert_eq!(
            Pacer::default().band_fraction(JAN_2026, Budget::default()),
            1.0
        );
        let p = Pacer {
            pacing: false,
            ..pacer(500)
        };
        assert_eq!(p.limits(JAN_2026).paced, None);
        assert_eq!(p.limits(JAN_2026).monthly, Some(500));
    }

    #[test]
    fn band_narrows_as_headroom_shrinks() {
        let p = pacer(3_100);
        let f = |used| {
            p.band_fraction(
                JAN_2026,
                Budget {
                    month_used: used,
                    day_used: used,
                },
            )
        };
        assert_eq!(f(0), 1.0);
        assert!((f(50) - 0.5).abs() < 1e-9);
        assert_eq!(f(100), 0.0);
        assert!(f(90) < f(80));
    }

    #[test]
    fn tiny_limits_still_allow_a_call() {
        let p = pacer(1);
        assert_eq!(p.limits(JAN_2026).paced, Some(1));
        assert_eq!(p.limits(JAN_2026).daily, Some(1));
        assert!(p.band_fraction(JAN_2026, Budget::default()) > 0.0);
    }
}
