//! "Did you mean": the closest known word to a misspelt one, by edit distance.

/// The candidate closest to `word` (case-insensitive optimal-string-alignment distance:
/// insertions, deletions, substitutions and swaps of neighbours), when it is close enough
/// to be a likely typo: a difference only of case, or at most a third of the word's length
/// (at least 1, at most 3 edits). Ties go to the earlier candidate.
pub(crate) fn closest<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let word_lower = word.to_lowercase();
    let budget = (word.chars().count() / 3).clamp(1, 3);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate == word {
            continue;
        }
        let distance = distance(&word_lower, &candidate.to_lowercase());
        if distance <= budget && !matches!(best, Some((d, _)) if d <= distance) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// ` (did you mean "x"?)`, or nothing.
pub(crate) fn did_you_mean<'a, I>(word: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    match closest(word, candidates) {
        Some(candidate) => format!(" (did you mean {candidate:?}?)"),
        None => String::new(),
    }
}

/// Optimal string alignment distance between two strings, by characters. Words longer
/// than 64 characters are never typos of a known word: their distance is their length.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len() > 64 || b.len() > 64 {
        return a.len().max(b.len());
    }
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[n][m]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("treshold", "threshold"), 1);
        assert_eq!(distance("acuracy", "accuracy"), 1);
        assert_eq!(distance("ab", "ba"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("same", "same"), 0);
    }

    #[test]
    fn suggests_only_near_misses() {
        let keys = ["Threshold", "Metric"];
        assert_eq!(closest("Treshold", keys), Some("Threshold"));
        assert_eq!(closest("metric", keys), Some("Metric"));
        assert_eq!(closest("Colour", keys), None);
        assert_eq!(closest("", keys), None);
        assert_eq!(did_you_mean("Metrik", keys), " (did you mean \"Metric\"?)");
        assert_eq!(did_you_mean("zzzzzz", keys), "");
    }
}
