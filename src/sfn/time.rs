//! Timestamps as the States Language writes them: RFC 3339 with an uppercase `T` and an
//! uppercase `Z` (or a numeric offset). Parsing for `Timestamp*` Choice rules and Wait
//! `Timestamp`; formatting for the context object and the history.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// An instant as nanoseconds since the Unix epoch (negative before 1970).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub(crate) i128);

impl Timestamp {
    pub fn now() -> Timestamp {
        Timestamp::from_system(SystemTime::now())
    }

    pub(crate) fn from_system(time: SystemTime) -> Timestamp {
        match time.duration_since(UNIX_EPOCH) {
            Ok(d) => Timestamp(d.as_nanos() as i128),
            Err(e) => Timestamp(-(e.duration().as_nanos() as i128)),
        }
    }

    pub(crate) fn from_millis(millis: i64) -> Timestamp {
        Timestamp(i128::from(millis) * 1_000_000)
    }

    pub(crate) fn epoch_millis(self) -> i64 {
        (self.0.div_euclid(1_000_000)) as i64
    }

    /// Time from now until this instant (zero when it has passed).
    pub(crate) fn until(self) -> Duration {
        let now = Timestamp::now();
        if self <= now {
            Duration::ZERO
        } else {
            Duration::from_nanos((self.0 - now.0).min(u64::MAX as i128) as u64)
        }
    }

    /// `2024-05-01T12:00:00.123Z`.
    pub(crate) fn to_rfc3339(self) -> String {
        let secs = self.0.div_euclid(1_000_000_000) as i64;
        let millis = (self.0.rem_euclid(1_000_000_000) / 1_000_000) as i64;
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    }

    /// Parses an RFC 3339 timestamp with the States Language's restrictions.
    pub(crate) fn parse(text: &str) -> Option<Timestamp> {
        let b = text.as_bytes();
        if b.len() < 20
            || b[4] != b'-'
            || b[7] != b'-'
            || b[10] != b'T'
            || b[13] != b':'
            || b[16] != b':'
        {
            return None;
        }
        let num = |range: std::ops::Range<usize>| -> Option<i64> {
            let s = text.get(range)?;
            s.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| s.parse().ok())?
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 60
        {
            return None;
        }
        let mut i = 19;
        let mut nanos: i128 = 0;
        if b.get(i) == Some(&b'.') {
            let start = i + 1;
            i = start;
            while b.get(i).is_some_and(|c| c.is_ascii_digit()) {
                i += 1;
            }
            let digits = &text[start..i];
            if digits.is_empty() {
                return None;
            }
            let padded: String = digits
                .chars()
                .chain(std::iter::repeat('0'))
                .take(9)
                .collect();
            nanos = padded.parse().ok()?;
        }
        let offset_secs: i64 = match &text[i..] {
            "Z" => 0,
            rest if rest.len() == 6
                && (rest.starts_with('+') || rest.starts_with('-'))
                && rest.as_bytes()[3] == b':' =>
            {
                let hours = num(i + 1..i + 3)?;
                let minutes = num(i + 4..i + 6)?;
                if hours > 23 || minutes > 59 {
                    return None;
                }
                let sign = if rest.starts_with('-') { -1 } else { 1 };
                sign * (hours * 3600 + minutes * 60)
            }
            _ => return None,
        };
        let days = days_from_civil(year, month, day);
        let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_secs;
        Some(Timestamp(secs as i128 * 1_000_000_000 + nanos))
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(year) => 29,
        _ => 28,
    }
}

/// Howard Hinnant's days-from-civil.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_offsets() {
        let t = Timestamp::parse("2016-03-14T01:59:00Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2016-03-14T01:59:00.000Z");
        assert_eq!(Timestamp::parse("2016-03-14T03:59:00+02:00"), Some(t));
        assert_eq!(
            Timestamp::parse("2016-03-14T01:59:00.5Z").unwrap().0 - t.0,
            500_000_000
        );
        assert_eq!(Timestamp(0).to_rfc3339(), "1970-01-01T00:00:00.000Z");
        for bad in [
            "2016-03-14 01:59:00Z",
            "2016-03-14T01:59:00",
            "2016-02-30T00:00:00Z",
            "2016-03-14t01:59:00z",
            "x",
            "2016-03-14T01:59:00+0é:0",
            "2016-03-14T01:59:0é",
            "é016-03-14T01:59:00Z",
        ] {
            assert!(Timestamp::parse(bad).is_none(), "{bad}");
        }
    }
}
