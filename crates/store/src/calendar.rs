//! UTC calendar arithmetic for the ledger: Akismet counts calls per calendar month in UTC.

/// `(year, month 1..=12, day 1..=31)` of a unix time in UTC (Howard Hinnant's `civil_from_days`).
pub fn civil_from_unix(t: i64) -> (i64, u32, u32) {
    let z = t.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Days since the epoch of a civil date (Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `[start, end)` in unix seconds of the UTC calendar month containing `t`.
pub fn month_bounds(t: i64) -> (i64, i64) {
    let (y, m, _) = civil_from_unix(t);
    let start = days_from_civil(y, m, 1) * 86_400;
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    (start, days_from_civil(ny, nm, 1) * 86_400)
}

/// `YYYY-MM` of `t` in UTC, the ledger's month key.
pub fn month_key(t: i64) -> String {
    let (y, m, _) = civil_from_unix(t);
    format!("{y:04}-{m:02}")
}

/// `YYYY-MM-DD` of `t` in UTC, the ledger's day key.
pub fn day_key(t: i64) -> String {
    let (y, m, d) = civil_from_unix(t);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(civil_from_unix(0), (1970, 1, 1));
        assert_eq!(civil_from_unix(1_767_225_600), (2026, 1, 1));
        assert_eq!(civil_from_unix(1_767_225_599), (2025, 12, 31));
        // 2028-02-29 exists (leap year).
        assert_eq!(civil_from_unix(1_835_395_200), (2028, 2, 29));
        assert_eq!(month_key(1_767_225_600), "2026-01");
        assert_eq!(day_key(1_767_225_599), "2025-12-31");
    }

    #[test]
    fn month_lengths() {
        let (s, e) = month_bounds(1_767_225_600 + 40 * 86_400); // February 2026
        assert_eq!((e - s) / 86_400, 28);
        let (s, e) = month_bounds(1_835_395_200); // February 2028
        assert_eq!((e - s) / 86_400, 29);
        let (s, e) = month_bounds(1_767_225_600 - 1); // December 2025
        assert_eq!((e - s) / 86_400, 31);
        assert_eq!(e, 1_767_225_600);
    }

    #[test]
    fn round_trip_every_day_for_years() {
        let mut t = -400 * 86_400;
        while t < 3_000 * 86_400 * 12 {
            let (y, m, d) = civil_from_unix(t);
            assert_eq!(days_from_civil(y, m, d) * 86_400, t);
            t += 86_400;
        }
    }
}
