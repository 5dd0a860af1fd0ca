//! Numbers as every report shows them: four significant digits.

/// `0.957983` -> `0.9580`, `904.0` -> `904.0`, `0.0` -> `0`; outside [0.001, 10 000)
/// scientific (`1.235e5`), so the digits shown are always four.
pub(crate) fn sig4(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    if value == 0.0 {
        return "0".into();
    }
    let magnitude = value.abs();
    if !(1e-3..1e4).contains(&magnitude) {
        return format!("{value:.3e}");
    }
    let decimals = (3 - magnitude.log10().floor() as i32).max(0) as usize;
    let text = format!("{value:.decimals$}");
    // Rounding can carry into a fifth digit (9999.5 -> "10000"): go scientific then.
    if text
        .trim_start_matches('-')
        .replace('.', "")
        .trim_start_matches('0')
        .len()
        > 4
    {
        return format!("{value:.3e}");
    }
    text
}

/// Seconds as people read them: `0.4 s`, `42 s`, `15 min 4 s`, `2 h 3 min`.
pub(crate) fn duration(seconds: f64) -> String {
    if seconds < 10.0 {
        return format!("{seconds:.1} s");
    }
    let whole = seconds.round() as u64;
    match whole {
        0..=59 => format!("{whole} s"),
        60..=3599 => format!("{} min {} s", whole / 60, whole % 60),
        _ => format!("{} h {} min", whole / 3600, whole % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_significant_digits() {
        assert_eq!(sig4(0.957983193277311), "0.9580");
        assert_eq!(sig4(-0.957983193277311), "-0.9580");
        assert_eq!(sig4(53.12345), "53.12");
        assert_eq!(sig4(904.0), "904.0");
        assert_eq!(sig4(1234.6), "1235");
        assert_eq!(sig4(9999.7), "1.000e4");
        assert_eq!(sig4(0.00012346), "1.235e-4");
        assert_eq!(sig4(123456.0), "1.235e5");
        assert_eq!(sig4(0.0), "0");
        assert_eq!(sig4(0.8), "0.8000");
    }

    #[test]
    fn durations() {
        assert_eq!(duration(0.42), "0.4 s");
        assert_eq!(duration(42.2), "42 s");
        assert_eq!(duration(904.0), "15 min 4 s");
        assert_eq!(duration(7380.0), "2 h 3 min");
    }
}
