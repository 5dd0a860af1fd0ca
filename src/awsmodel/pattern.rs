//! botocore's `pattern`s are Java regular expressions (AWS validates them server-side with
//! `java.util.regex`, against the whole value); the `regex` crate speaks a different
//! dialect. This translates one to the other:
//!
//! - `\d \w \s` (and negations) are ASCII-only in Java, Unicode in `regex`: spelled out.
//! - `.` excludes every Java line terminator (`\n \r \u0085 \u2028 \u2029`), not only `\n`.
//! - POSIX classes `\p{Alnum}`, `\p{Print}`, `\p{ASCII}`... are ASCII classes in Java.
//! - `\uXXXX` escapes, including surrogate pairs, become code points.
//! - A `-` after a range inside a class is a literal in Java.
//! - A quantified `$` (`${1,128}`, found in SageMaker's tag patterns) is just `$`.
//! - Look-around (`(?=` `(?!` `(?<!` `(?<=`) has no `regex` equivalent: the few patterns
//!   using it are rewritten by hand in [`REWRITES`], each an exact equivalent.
//!
//! Java's `Pattern` reference: https://docs.oracle.com/en/java/javase/21/docs/api/java.base/java/util/regex/Pattern.html

use regex::Regex;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Patterns with look-around, rewritten (still in Java syntax, then translated as every
/// other pattern) into an equivalent without it. Each is checked against botocore's
/// pattern through the differential cases and this module's tests.
pub(super) const REWRITES: [(&str, &str); 5] = [
    // Not blank: a line with at least one non-whitespace character.
    (
        r"(?!\s*$).+",
        r"[^\n\r\u0085\u2028\u2029]*[^\s\u0085\u2028\u2029][^\n\r\u0085\u2028\u2029]*",
    ),
    // A name that does not end in '-', optionally after a SageMaker ARN prefix.
    (
        r"(arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:[a-z\-]*\/)?([a-zA-Z0-9]([a-zA-Z0-9-]){0,62})(?<!-)",
        r"(arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:[a-z\-]*\/)?([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)",
    ),
    (
        r"(arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:[a-z\-]*\/)?([a-zA-Z0-9]([a-zA-Z0-9-]){0,62})(?<!-)(\/[0-9]{1,9})?",
        r"(arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:[a-z\-]*\/)?([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\/[0-9]{1,9})?",
    ),
    // An absolute path with no `..` in it: runs of the allowed characters, single dots
    // between them.
    (
        r"/(?!.*\.\.)[a-zA-Z0-9/_.\-]+",
        r"/(?:(?:\.?[a-zA-Z0-9/_\-])+\.?|\.)",
    ),
    // EventBridge Scheduler's event source: at least one of the listed characters first and
    // not starting with `aws.`, or a JSONPath-like `$...` reference.
    (
        r"(?=[/\.\-_A-Za-z0-9]+)((?!aws\.).*)|(\$(\.[\w_-]+(\[(\d+|\*)\])*)*)",
        r"([/\.\-_A-Zb-z0-9].*|a|a[^w\n\r\u0085\u2028\u2029].*|aw|aw[^s\n\r\u0085\u2028\u2029].*|aws|aws[^\.\n\r\u0085\u2028\u2029].*)|(\$(\.[\w_-]+(\[(\d+|\*)\])*)*)",
    ),
];

/// Compiled patterns, by their Java source, compiled on first use.
#[derive(Debug, Default)]
pub(super) struct Patterns {
    compiled: Mutex<HashMap<String, Arc<Result<Compiled, String>>>>,
}

/// A compiled pattern. A class repeated many times (`[\p{L}...]{0,1024}`) compiles to an
/// automaton over the `regex` crate's size limit; it is matched as the class repeated any
/// number of times plus a count of characters, which is the same language.
#[derive(Debug)]
pub(super) struct Compiled {
    regex: Regex,
    chars: Option<(usize, usize)>,
}

impl Compiled {
    pub(super) fn is_match(&self, value: &str) -> bool {
        let counted = self
            .chars
            .is_none_or(|(min, max)| (min..=max).contains(&value.chars().count()));
        counted && self.regex.is_match(value)
    }
}

impl Patterns {
    /// Whether `value` matches the Java pattern `java` in full, or why the pattern could
    /// not be compiled.
    pub(super) fn full_match(&self, java: &str, value: &str) -> Result<bool, String> {
        let compiled = {
            let mut cache = self.compiled.lock().unwrap_or_else(|e| e.into_inner());
            cache
                .entry(java.to_string())
                .or_insert_with(|| Arc::new(compile(java)))
                .clone()
        };
        match &*compiled {
            Ok(compiled) => Ok(compiled.is_match(value)),
            Err(why) => Err(why.clone()),
        }
    }
}

/// The Java pattern `java` as a `regex` matching whole values only.
pub(super) fn compile(java: &str) -> Result<Compiled, String> {
    let source = REWRITES
        .iter()
        .find(|(from, _)| *from == java)
        .map_or(java, |(_, to)| to);
    let (body, chars) = match counted_class(source) {
        Some((class, min, max)) => (format!("{class}*"), Some((min, max))),
        None => (source.to_string(), None),
    };
    let translated = translate(&body)?;
    let regex = Regex::new(&format!("^(?:{translated})$"))
        .map_err(|e| format!("pattern {java:?} (as {translated:?}): {e}"))?;
    Ok(Compiled { regex, chars })
}

/// `[class]{min,max}` with a large `max`: the class and the bounds.
fn counted_class(java: &str) -> Option<(&str, usize, usize)> {
    if !java.starts_with('[') {
        return None;
    }
    let bytes = java.as_bytes();
    let end = (1..bytes.len())
        .find(|&i| bytes[i] == b']' && bytes[i - 1] != b'\\' && bytes[i - 1] != b'[')?;
    let (min, max) = java[end + 1..]
        .strip_prefix('{')?
        .strip_suffix('}')?
        .split_once(',')?;
    let (min, max) = (min.parse().ok()?, max.parse().ok()?);
    (max > 100 && !java[1..end].contains('[')).then_some((&java[..=end], min, max))
}

const LINE_TERMINATORS: &str = r"\n\r\x{85}\x{2028}\x{2029}";
const SPACE: &str = r"\t\n\x0B\x0C\r ";

/// Java regex syntax to `regex` syntax (see the module doc).
pub(super) fn translate(java: &str) -> Result<String, String> {
    let chars: Vec<char> = java.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    // Nesting depth of character classes, and whether the last thing written in the
    // current class was the end of a range (so that a following `-` is a literal).
    let mut class_depth = 0usize;
    let mut after_range = false;
    // Whether the last thing written outside a class was a quantifier: a `+` after it is
    // Java's possessive form, a `?` its lazy form.
    let mut after_quantifier = false;
    while i < chars.len() {
        let c = chars[i];
        let in_class = class_depth > 0;
        if !in_class {
            match c {
                '+' if after_quantifier => {
                    return Err(format!(
                        "pattern {java:?}: possessive quantifiers have no `regex` equivalent"
                    ));
                }
                '?' if after_quantifier => {
                    out.push('?');
                    after_quantifier = false;
                    i += 1;
                    continue;
                }
                '*' | '+' | '?' => {
                    out.push(c);
                    after_quantifier = true;
                    i += 1;
                    continue;
                }
                '{' => {
                    match quantifier(&chars[i..]) {
                        Some(used) => {
                            out.extend(&chars[i..i + used]);
                            after_quantifier = true;
                            i += used;
                        }
                        None => {
                            out.push_str(r"\{");
                            after_quantifier = false;
                            i += 1;
                        }
                    }
                    continue;
                }
                _ => after_quantifier = false,
            }
        }
        match c {
            '\\' => {
                let Some(&next) = chars.get(i + 1) else {
                    return Err(format!("pattern {java:?} ends in a lone backslash"));
                };
                i += 2;
                let piece = match next {
                    'd' => "[0-9]".to_string(),
                    'D' => "[^0-9]".to_string(),
                    'w' => "[0-9A-Za-z_]".to_string(),
                    'W' => "[^0-9A-Za-z_]".to_string(),
                    's' => format!("[{SPACE}]"),
                    'S' => format!("[^{SPACE}]"),
                    'p' | 'P' => {
                        let (name, used) = braced(&chars[i..]).ok_or_else(|| {
                            format!("pattern {java:?}: \\{next} without {{name}}")
                        })?;
                        i += used;
                        let class =
                            posix(&name).map_or_else(|| format!(r"\p{{{name}}}"), str::to_string);
                        match (next, class.strip_prefix(r"\p")) {
                            ('P', Some(rest)) => format!(r"\P{rest}"),
                            ('P', None) => format!("[^{}]", &class[1..class.len() - 1]),
                            _ => class,
                        }
                    }
                    'u' => {
                        let (code, used) = unicode_escape(&chars[i..]).ok_or_else(|| {
                            format!("pattern {java:?}: a \\u escape needs 4 hex digits")
                        })?;
                        i += used;
                        format!(r"\x{{{code:X}}}")
                    }
                    'Q' | 'E' | 'G' | 'Z' | 'k' | '1'..='9' => {
                        return Err(format!("pattern {java:?}: \\{next} has no translation"));
                    }
                    // \n \t \r \f \x.. \b \B \A \z and escaped punctuation mean the same.
                    other => format!("\\{other}"),
                };
                out.push_str(&piece);
                after_range = false;
                continue;
            }
            '[' => {
                class_depth += 1;
                out.push('[');
                if chars.get(i + 1) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                after_range = false;
            }
            ']' if in_class => {
                class_depth -= 1;
                out.push(']');
                after_range = false;
            }
            '-' if in_class => {
                let next = chars.get(i + 1).copied();
                if after_range || next == Some(']') || out.ends_with('[') || out.ends_with("[^") {
                    out.push_str(r"\-");
                    after_range = false;
                } else {
                    out.push('-');
                    // The range's end is the next item; a `-` after it is a literal.
                    after_range = true;
                    out.push_str(&class_item(&chars, &mut i, java)?);
                    continue;
                }
            }
            '.' if !in_class => out.push_str(&format!("[^{LINE_TERMINATORS}]")),
            '$' if !in_class => {
                out.push('$');
                // `$` repeated is still `$`.
                if let Some(used) = quantifier(&chars[i + 1..]) {
                    i += used;
                }
            }
            '(' if !in_class && chars.get(i + 1) == Some(&'?') => {
                let rest: String = chars[i + 2..].iter().take(2).collect();
                if rest.starts_with('=') || rest.starts_with('!') || rest == "<=" || rest == "<!" {
                    return Err(format!("pattern {java:?}: look-around has no `regex` equivalent; add a rewrite to REWRITES"));
                }
                if rest.starts_with('>') {
                    return Err(format!(
                        "pattern {java:?}: atomic groups have no `regex` equivalent"
                    ));
                }
                out.push('(');
            }
            _ => {
                out.push(c);
                after_range = false;
            }
        }
        i += 1;
    }
    Ok(out)
}

/// After a range's `-` (consumed by the caller, `i` pointing at it): the range's end item,
/// translated; leaves `i` after it.
fn class_item(chars: &[char], i: &mut usize, java: &str) -> Result<String, String> {
    *i += 1;
    match chars.get(*i) {
        Some('\\') => match chars.get(*i + 1) {
            Some('u') => {
                let (code, used) = unicode_escape(&chars[*i + 2..])
                    .ok_or_else(|| format!("pattern {java:?}: a \\u escape needs 4 hex digits"))?;
                *i += 2 + used;
                Ok(format!(r"\x{{{code:X}}}"))
            }
            Some(&c) => {
                *i += 2;
                Ok(format!("\\{c}"))
            }
            None => Err(format!("pattern {java:?} ends in a lone backslash")),
        },
        Some(&c) => {
            *i += 1;
            Ok(c.to_string())
        }
        None => Err(format!("pattern {java:?} ends inside a class")),
    }
}

/// `{name}` at the start of `chars`: the name and how many characters it took.
fn braced(chars: &[char]) -> Option<(String, usize)> {
    if chars.first() != Some(&'{') {
        // Java also allows a one-letter name: \pL.
        return chars
            .first()
            .filter(|c| c.is_ascii_alphabetic())
            .map(|c| (c.to_string(), 1));
    }
    let end = chars.iter().position(|c| *c == '}')?;
    Some((chars[1..end].iter().collect(), end + 1))
}

/// Four hex digits after `\u`; a high surrogate followed by `\u` and a low surrogate is
/// one supplementary code point, as Java reads it.
fn unicode_escape(chars: &[char]) -> Option<(u32, usize)> {
    let hex = |s: &[char]| -> Option<u32> {
        if s.len() < 4 {
            return None;
        }
        u32::from_str_radix(&s[..4].iter().collect::<String>(), 16).ok()
    };
    let first = hex(chars)?;
    if (0xD800..0xDC00).contains(&first)
        && chars.get(4) == Some(&'\\')
        && chars.get(5) == Some(&'u')
    {
        if let Some(low) = hex(&chars[6..]) {
            if (0xDC00..0xE000).contains(&low) {
                return Some((0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00), 10));
            }
        }
    }
    if (0xD800..0xE000).contains(&first) {
        // A lone surrogate never occurs in a Rust string: match nothing for it. The one
        // model pattern with surrogates writes them as pairs.
        return None;
    }
    Some((first, 4))
}

/// A quantifier (`*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`) at the start of `chars`: its length.
fn quantifier(chars: &[char]) -> Option<usize> {
    match chars.first()? {
        '*' | '+' | '?' => Some(1),
        '{' => {
            let end = chars.iter().position(|c| *c == '}')?;
            let inner: String = chars[1..end].iter().collect();
            let valid = !inner.is_empty()
                && inner.split(',').count() <= 2
                && inner.split(',').next().is_some_and(|n| !n.is_empty())
                && inner.chars().all(|c| c.is_ascii_digit() || c == ',');
            valid.then_some(end + 1)
        }
        _ => None,
    }
}

/// Java's POSIX classes (US-ASCII only unless UNICODE_CHARACTER_CLASS, which AWS does not
/// set) as explicit ASCII classes.
fn posix(name: &str) -> Option<&'static str> {
    Some(match name {
        "Lower" => "[a-z]",
        "Upper" => "[A-Z]",
        "ASCII" => r"[\x00-\x7F]",
        "Alpha" => "[a-zA-Z]",
        "Digit" => "[0-9]",
        "Alnum" => "[a-zA-Z0-9]",
        "Punct" => r"[!-/:-@\[-`{-~]",
        "Graph" => r"[!-~]",
        "Print" => r"[ -~]",
        "Blank" => r"[ \t]",
        "Cntrl" => r"[\x00-\x1F\x7F]",
        "XDigit" => "[0-9a-fA-F]",
        "Space" => r"[ \t\n\x0B\f\r]",
        _ => return None,
    })
}
