//! A circuit breaker for Akismet: after repeated failures stop calling for a while, then let one
//! probe through; each failed probe doubles the pause up to a ceiling.

/// Breaker settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BreakerConfig {
    /// Consecutive failures that open the circuit.
    pub failures: u32,
    /// First pause, in milliseconds.
    pub open_ms: i64,
    /// Longest pause, in milliseconds.
    pub max_open_ms: i64,
}

impl Default for BreakerConfig {
    fn default() -> BreakerConfig {
        BreakerConfig {
            failures: 5,
            open_ms: 30_000,
            max_open_ms: 600_000,
        }
    }
}

/// What the breaker says about a call now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permit {
    /// Closed: call.
    Call,
    /// Half-open: this call is the probe.
    Probe,
    /// Open: do not call.
    Refused,
}

/// The breaker's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Calls flow.
    Closed,
    /// No calls until the given time (ms).
    Open {
        /// When a probe may go.
        until_ms: i64,
    },
    /// One probe is in flight.
    HalfOpen,
}

/// A circuit breaker driven by an outside clock.
#[derive(Debug, Clone)]
pub struct Breaker {
    config: BreakerConfig,
    state: State,
    consecutive: u32,
    pause_ms: i64,
    probe_started_ms: i64,
}

impl Breaker {
    /// A closed breaker.
    pub fn new(config: BreakerConfig) -> Breaker {
        Breaker {
            config,
            state: State::Closed,
            consecutive: 0,
            pause_ms: config.open_ms,
            probe_started_ms: 0,
        }
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// Asks to make a call at `now_ms`.
    pub fn permit(&mut self, now_ms: i64) -> Permit {
        match self.state {
            State::Closed => Permit::Call,
            State::Open { until_ms } if now_ms >= until_ms => {
                self.state = State::HalfOpen;
                self.probe_started_ms = now_ms;
                Permit::Probe
            }
            State::Open { .. } => Permit::Refused,
            // A probe that never reported back (its task was dropped) must not wedge the breaker.
            State::HalfOpen if now_ms - self.probe_started_ms > self.config.max_open_ms => {
                self.probe_started_ms = now_ms;
                Permit::Probe
            }
            State::HalfOpen => Permit::Refused,
        }
    }

    /// A call succeeded.
    pub fn success(&mut self) {
        self.state = State::Closed;
        self.consecutive = 0;
        self.pause_ms = self.config.open_ms;
    }

    /// A call failed; `retry_after_ms` (from a 429) lengthens the pause.
    pub fn failure(&mut self, now_ms: i64, retry_after_ms: Option<i64>) {
        self.consecutive = self.consecutive.saturating_add(1);
        let open = match self.state {
            State::HalfOpen => {
                self.pause_ms = (self.pause_ms * 2).min(self.config.max_open_ms);
                true
            }
            State::Open { .. } => false,
            State::Closed => self.consecutive >= self.config.failures || retry_after_ms.is_some(),
        };
        if open {
            let pause = self.pause_ms.max(retry_after_ms.unwrap_or(0));
            self.state = State::Open {
                until_ms: now_ms + pause,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> BreakerConfig {
        BreakerConfig {
            failures: 3,
            open_ms: 1_000,
            max_open_ms: 4_000,
        }
    }

    #[test]
    fn opens_after_consecutive_failures_and_probes() {
        let mut b = Breaker::new(cfg());
        b.failure(0, None);
        b.failure(0, None);
        assert_eq!(b.permit(0), Permit::Call);
        b.failure(0, None);
        assert_eq!(b.permit(10), Permit::Refused);
        assert_eq!(b.permit(1_000), Permit::Probe);
        assert_eq!(b.permit(1_001), Permit::Refused, "one probe at a time");
        b.failure(1_001, None);
        assert_eq!(b.state(), State::Open { until_ms: 3_001 });
        assert_eq!(b.permit(3_001), Permit::Probe);
        b.failure(3_001, None);
        assert_eq!(b.permit(7_000), Permit::Refused);
        assert_eq!(b.permit(7_001), Permit::Probe); // capped at 4 s
        b.success();
        assert_eq!(b.permit(7_002), Permit::Call);
        b.failure(7_002, None);
        assert_eq!(
            b.permit(7_003),
            Permit::Call,
            "counts restart after a success"
        );
    }

    #[test]
    fn rate_limit_opens_at_once_for_retry_after() {
        let mut b = Breaker::new(cfg());
        b.failure(0, Some(60_000));
        assert_eq!(b.permit(59_999), Permit::Refused);
        assert_eq!(b.permit(60_000), Permit::Probe);
    }

    #[test]
    fn lost_probe_does_not_wedge() {
        let mut b = Breaker::new(cfg());
        for _ in 0..3 {
            b.failure(0, None);
        }
        assert_eq!(b.permit(1_000), Permit::Probe);
        assert_eq!(b.permit(2_000), Permit::Refused);
        assert_eq!(b.permit(5_001), Permit::Probe);
    }
}
