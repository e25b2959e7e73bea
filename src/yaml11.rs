//! How YAML 1.1 readers type plain (unquoted, untagged) scalars.
//!
//! kubectl, Argo CD and Flux read manifests with `sigs.k8s.io/yaml` 1.3.0, which decodes
//! with `gopkg.in/yaml.v2` v2.4.0 into `interface{}`. [`resolve_plain`] reproduces that
//! package's `resolve()` (resolve.go) plus the decoder's `interface{}` rule (decode.go):
//!
//! * The first byte picks a path: `+ - 0-9` numbers, `.` floats, `y Y n N t T f F o O ~`
//!   table words; any other first byte means a string without further checks (so `<<`,
//!   though listed in the table as a merge key, resolves to a string here).
//! * Table: 22 bool spellings (y/yes/on/true and n/no/off/false in lower, Title or UPPER
//!   case; `yEs` is a string), null (`""`, `~`, `null`, `Null`, `NULL`), `.inf`, `+.inf`,
//!   `-.inf`, `.nan` (each as `.x`, `.X`-Title or `.X`-UPPER).
//! * `.` path: Go's `strconv.ParseFloat` on the text itself (so `.5_5` is 0.55).
//! * Number path: timestamps come first, but the decoder hands them to `interface{}` as the
//!   original string; then `_` is removed and Go's `ParseInt(s, 0, 64)`, `ParseUint(s, 0, 64)`,
//!   the `yamlStyleFloat` regexp with `ParseFloat`, and finally the `0b`/`-0b` fallbacks are
//!   tried. Overflowing floats (`1e999`) are errors in Go and stay strings.
//!
//! Checked against yaml.v2 v2.4.0 itself on ~400k generated inputs. One known gap: Go's
//! strconv slow path mis-scales float literals with more than 800 digits before the
//! decimal point; we return the correctly rounded value instead.
//!
//! [`is_ambiguous_plain`] is the opposite, conservative question used to check output.

/// What a plain scalar means to gopkg.in/yaml.v2 when decoded into interface{} (so to kubectl).
#[derive(Debug, Clone, PartialEq)]
pub enum Plain {
    /// `~`, `null`, `Null`, `NULL` or the empty scalar: Go's nil.
    Null,
    /// One of yaml.v2's 22 bool spellings: Go's bool.
    Bool(bool),
    /// An integer that fits in i64: Go's int on 64-bit platforms.
    Int(i64),
    /// An integer above `i64::MAX` that still fits in `u64`: Go's `uint64`.
    Uint(u64),
    /// A float, including infinities and NaN: Go's float64.
    Float(f64),
    /// Anything else, timestamps included: the text itself, as a Go string.
    Str,
}

/// Resolve a plain (unquoted, untagged) scalar the way yaml.v2's resolve() does.
pub fn resolve_plain(text: &str) -> Plain {
    match text.as_bytes().first() {
        None => Plain::Null,
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => {
            table_word(text).unwrap_or(Plain::Str)
        }
        Some(b'.') => table_word(text)
            .or_else(|| dot_float(text).map(Plain::Float))
            .unwrap_or(Plain::Str),
        Some(b'+' | b'-' | b'0'..=b'9') => table_word(text).unwrap_or_else(|| number(text)),
        Some(_) => Plain::Str,
    }
}

/// True when `text`, written as a bare plain scalar, could be read by ANY YAML 1.1 reader
/// (yaml.v2, PyYAML, the YAML 1.1 type repository incl. sexagesimal `12:30`, `0755` octal,
/// `1_000`, timestamps `2024-01-01`, `=` value, `<<` merge, `.inf`, `~`, y/n/yes/no/on/off in
/// any case, etc.) or a YAML 1.2 core-schema reader, as something other than the string itself.
/// Conservative: used by tests to prove emitted YAML is unambiguous.
///
/// Besides typing (the union of yaml.v2, the YAML 1.1 type regexps, PyYAML, SnakeYAML,
/// Ruby's Psych and the YAML 1.2 core schema, widened where cheap; but not Psych's
/// comma-grouped numbers like `1,000`, which no YAML 1.1 rule and no Kubernetes tool
/// reads as a number), it also flags text that
/// would not come back as one plain scalar in block context: empty, leading or trailing
/// space, tabs, line breaks, non-printables, indicator first characters, `: `, ` #`, a
/// trailing `:`, and document markers. Flow-context limits (`,[]{}` inside) are not checked.
pub fn is_ambiguous_plain(text: &str) -> bool {
    !matches!(resolve_plain(text), Plain::Str)
        || !reads_back_as_plain(text)
        || is_special_word(text)
        || looks_numeric(text)
        || looks_like_timestamp(text)
}

/// yaml.v2's resolve table, minus `<<` (its first byte has no hint, so it is never consulted).
fn table_word(text: &str) -> Option<Plain> {
    Some(match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            Plain::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            Plain::Bool(false)
        }
        "~" | "null" | "Null" | "NULL" => Plain::Null,
        ".nan" | ".NaN" | ".NAN" => Plain::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Plain::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Plain::Float(f64::NEG_INFINITY),
        _ => return None,
    })
}

/// The `+ - 0-9` path of yaml.v2's `resolve()`. Timestamps are skipped: they need `YYYY-` at
/// the start, which none of the number parsers below accepts, and they decode to strings.
fn number(text: &str) -> Plain {
    let plain = text.replace('_', "");
    if let Some(i) = go_parse_int(&plain, 0) {
        return Plain::Int(i);
    }
    if let Some(u) = go_parse_uint(&plain, 0) {
        return Plain::Uint(u);
    }
    if is_yaml_style_float(&plain)
        && let Some(f) = go_parse_float(&plain)
    {
        return Plain::Float(f);
    }
    // Reached by e.g. `0b-1` (Go's base-2 ParseInt takes the sign after the prefix).
    if let Some(bits) = plain.strip_prefix("0b") {
        if let Some(i) = go_parse_int(bits, 2) {
            return Plain::Int(i);
        }
        if let Some(u) = go_parse_uint(bits, 2) {
            return Plain::Uint(u);
        }
    } else if let Some(bits) = plain.strip_prefix("-0b")
        && let Some(i) = go_parse_int(&format!("-{bits}"), 2)
    {
        return Plain::Int(i);
    }
    Plain::Str
}

/// Go's `strconv.ParseFloat(text, 64)` for text starting with `.`: underscores are allowed
/// only between two digits, then it must be `.digits` with an optional exponent.
fn dot_float(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let underscores_ok = bytes.iter().enumerate().all(|(i, &b)| {
        b != b'_'
            || (i > 0
                && bytes.get(i - 1).is_some_and(u8::is_ascii_digit)
                && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
    });
    let plain = text.replace('_', "");
    if underscores_ok && is_yaml_style_float(&plain) {
        go_parse_float(&plain)
    } else {
        None
    }
}

/// yaml.v2's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_style_float(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exponent) = match s.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (s, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => !frac.is_empty() && all_digits(frac),
        Some((int, frac)) => all_digits(int) && all_digits(frac),
        None => !mantissa.is_empty() && all_digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && all_digits(e)
    });
    mantissa_ok && exponent_ok
}

/// Go's `strconv.ParseFloat(s, 64)` for `s` already matching [`is_yaml_style_float`]:
/// overflow is an error (Go's `ErrRange`), and like Go the exponent stops growing at 10000.
fn go_parse_float(s: &str) -> Option<f64> {
    let parsed = match s.split_once(['e', 'E']) {
        Some((mantissa, exp)) => {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ("-", d),
                None => ("", exp.strip_prefix('+').unwrap_or(exp)),
            };
            let mut e: u32 = 0;
            for c in digits.chars() {
                if e < 10_000 {
                    e = e * 10 + c.to_digit(10)?;
                }
            }
            format!("{mantissa}e{sign}{e}").parse::<f64>()
        }
        None => s.parse::<f64>(),
    };
    parsed.ok().filter(|f| f.is_finite())
}

/// Go's `strconv.ParseInt(s, base, 64)` for base 0 (prefix decides) or an explicit base.
fn go_parse_int(s: &str, base: u32) -> Option<i64> {
    match s.strip_prefix('-') {
        Some(body) => 0i64.checked_sub_unsigned(go_parse_uint(body, base)?),
        None => i64::try_from(go_parse_uint(s.strip_prefix('+').unwrap_or(s), base)?).ok(),
    }
}

/// Go's `strconv.ParseUint(s, base, 64)`: no sign; base 0 reads `0b`/`0o`/`0x` (any case,
/// only when digits follow) and a bare leading `0` as octal, so `08` and `0x` fail.
/// Underscores are rejected: yaml.v2 strips them before calling it.
fn go_parse_uint(s: &str, base: u32) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let (digits, radix) = if base == 0 {
        split_radix_prefix(s)
    } else {
        (s, base)
    };
    digits.chars().try_fold(0u64, |n, c| {
        let d = c.to_digit(radix)?;
        n.checked_mul(u64::from(radix))?.checked_add(u64::from(d))
    })
}

/// Go's base-0 prefix rule: returns the digits and the radix they are in.
fn split_radix_prefix(s: &str) -> (&str, u32) {
    let Some(rest) = s.strip_prefix('0') else {
        return (s, 10);
    };
    let mut chars = rest.chars();
    let radix = match chars.next() {
        Some('b' | 'B') => 2,
        Some('o' | 'O') => 8,
        Some('x' | 'X') => 16,
        _ => return (rest, 8),
    };
    if s.len() >= 3 {
        (chars.as_str(), radix)
    } else {
        (rest, 8)
    }
}

fn all_digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

/// Bool and null words in any case (Ruby's Psych reads `yEs` and `nULL` case-blind),
/// `.inf`/`.nan` in any case with any sign, `=` (YAML 1.1 value) and `<<` (merge).
fn is_special_word(text: &str) -> bool {
    const WORDS: [&str; 10] = [
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~",
    ];
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    WORDS.iter().any(|w| text.eq_ignore_ascii_case(w))
        || unsigned.eq_ignore_ascii_case(".inf")
        || unsigned.eq_ignore_ascii_case(".nan")
        || text == "="
        || text == "<<"
}

/// Numbers under any reader, after one optional sign: `0b`/`0o`/`0x` integers with `_`,
/// or decimal-like text (see [`looks_decimal`]).
fn looks_numeric(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    looks_radix_int(body) || looks_decimal(body)
}

fn looks_radix_int(body: &str) -> bool {
    let Some(rest) = body.strip_prefix('0') else {
        return false;
    };
    let mut chars = rest.chars();
    let is_digit: fn(char) -> bool = match chars.next() {
        Some('b' | 'B') => |c| matches!(c, '0' | '1'),
        Some('o' | 'O') => |c| matches!(c, '0'..='7'),
        Some('x' | 'X') => |c| c.is_ascii_hexdigit(),
        _ => return false,
    };
    let digits = chars.as_str();
    !digits.is_empty() && digits.chars().all(|c| c == '_' || is_digit(c))
}

/// `[0-9_]*` then either base-60 groups `(:[0-5]?[0-9])+` with an optional `.[0-9_]*`,
/// or an optional `.[0-9_.]*` and an optional `[eE][-+]?[0-9]+`; at least one character
/// before the exponent. This covers the YAML 1.1 int/float regexps (whose float allows
/// `1.2.3` and even `.`), PyYAML's `._5`, Psych's base 60
/// `0:30`, and YAML 1.2's `1e3`.
fn looks_decimal(body: &str) -> bool {
    let int_len = body
        .find(|c: char| !matches!(c, '0'..='9' | '_'))
        .unwrap_or(body.len());
    let (int, mut rest) = body.split_at(int_len);
    let mut base60 = false;
    while let Some(after) = rest.strip_prefix(':') {
        let len = after
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(after.len());
        match after.as_bytes().get(..len) {
            Some([_] | [b'0'..=b'5', _]) => {}
            _ => return false,
        }
        base60 = true;
        rest = after.get(len..).unwrap_or("");
    }
    let mut dot = false;
    if let Some(after) = rest.strip_prefix('.') {
        dot = true;
        let len = after
            .find(|c: char| !matches!(c, '0'..='9' | '_' | '.'))
            .unwrap_or(after.len());
        rest = after.get(len..).unwrap_or("");
    }
    if base60 {
        return rest.is_empty() && int.starts_with(|c: char| c.is_ascii_digit());
    }
    let exponent_ok = match rest.strip_prefix(['e', 'E']) {
        None => rest.is_empty(),
        Some(exp) => {
            let digits = exp.strip_prefix(['-', '+']).unwrap_or(exp);
            !digits.is_empty() && all_digits(digits)
        }
    };
    // YAML 1.1's int and float both start with a digit (or, for floats, the dot itself);
    // `_` or `__` alone is a string to every Kubernetes reader (only SnakeYAML thinks not).
    let int_ok = int.starts_with(|c: char| c.is_ascii_digit()) || (int.is_empty() && dot);
    exponent_ok && int_ok
}

/// YAML 1.1 / Go / Psych timestamps, widened: optional `-`, `YYYY-M-D` with one or two
/// digit month and day, then the end or a time part starting with `T`, `t`, space or tab.
fn looks_like_timestamp(text: &str) -> bool {
    let s = text.strip_prefix('-').unwrap_or(text);
    let mut parts = s.splitn(3, '-');
    let (Some(year), Some(month), Some(rest)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let day_len = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (day, tail) = rest.split_at(day_len);
    let digits = |s: &str, min: usize, max: usize| (min..=max).contains(&s.len()) && all_digits(s);
    digits(year, 4, 4)
        && digits(month, 1, 2)
        && digits(day, 1, 2)
        && (tail.is_empty() || tail.starts_with(['T', 't', ' ', '\t']))
}

/// Whether `text`, written bare in block context, is read back as one plain scalar with
/// exactly this text (libyaml, PyYAML and YAML 1.2 agree on these rules there).
fn reads_back_as_plain(text: &str) -> bool {
    let mut chars = text.chars();
    let (Some(first), second) = (chars.next(), chars.next()) else {
        return false;
    };
    let first_ok = match first {
        // `-x`, `?x` and `:x` are plain scalars in block context (Go's yaml.v2 and PyYAML
        // read them so); `-`, `- x`, `? x` and `: x` are indicators. Ruby's Psych reads `:x`
        // as a symbol, but no Kubernetes tool is written in Ruby.
        '-' | '?' | ':' => second.is_some_and(|c| c != ' '),
        ',' | '[' | ']' | '{' | '}' | '#' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%'
        | '@' | '`' | ' ' => false,
        _ => true,
    };
    let marker = ["---", "..."]
        .iter()
        .any(|m| text == *m || text.starts_with(&format!("{m} ")));
    first_ok
        && !marker
        && !text.ends_with([' ', ':'])
        && !text.contains(": ")
        && !text.contains(" #")
        && text.chars().all(is_plain_safe_char)
}

/// YAML 1.1 printable characters, minus tab, line breaks (incl. NEL, LS, PS) and the BOM.
fn is_plain_safe_char(c: char) -> bool {
    matches!(c, ' '..='~' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    const INF: f64 = f64::INFINITY;

    /// Plain equality that also tells -0.0 from 0.0 and accepts NaN == NaN.
    fn same(a: &Plain, b: &Plain) -> bool {
        match (a, b) {
            (Plain::Float(x), Plain::Float(y)) => {
                x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
            }
            _ => a == b,
        }
    }

    /// Expected yaml.v2 v2.4.0 results (checked against the Go library itself).
    const RESOLVE: &[(&str, Plain)] = &[
        // Bools: exactly these 22 spellings.
        ("y", Plain::Bool(true)),
        ("Y", Plain::Bool(true)),
        ("yes", Plain::Bool(true)),
        ("Yes", Plain::Bool(true)),
        ("YES", Plain::Bool(true)),
        ("on", Plain::Bool(true)),
        ("On", Plain::Bool(true)),
        ("ON", Plain::Bool(true)),
        ("true", Plain::Bool(true)),
        ("True", Plain::Bool(true)),
        ("TRUE", Plain::Bool(true)),
        ("n", Plain::Bool(false)),
        ("N", Plain::Bool(false)),
        ("no", Plain::Bool(false)),
        ("No", Plain::Bool(false)),
        ("NO", Plain::Bool(false)),
        ("off", Plain::Bool(false)),
        ("Off", Plain::Bool(false)),
        ("OFF", Plain::Bool(false)),
        ("false", Plain::Bool(false)),
        ("False", Plain::Bool(false)),
        ("FALSE", Plain::Bool(false)),
        // Mixed case and near misses are strings.
        ("yEs", Plain::Str),
        ("tRUE", Plain::Str),
        ("oN", Plain::Str),
        ("nO", Plain::Str),
        ("yes!", Plain::Str),
        ("none", Plain::Str),
        // Nulls.
        ("", Plain::Null),
        ("~", Plain::Null),
        ("null", Plain::Null),
        ("Null", Plain::Null),
        ("NULL", Plain::Null),
        ("nULL", Plain::Str),
        ("~~", Plain::Str),
        // Decimal integers, signs, underscores (all removed, anywhere after the first byte).
        ("0", Plain::Int(0)),
        ("-0", Plain::Int(0)),
        ("+0", Plain::Int(0)),
        ("00", Plain::Int(0)),
        ("1", Plain::Int(1)),
        ("+1", Plain::Int(1)),
        ("-1", Plain::Int(-1)),
        ("42", Plain::Int(42)),
        ("1_000", Plain::Int(1000)),
        ("1__0", Plain::Int(10)),
        ("1_", Plain::Int(1)),
        ("-_1", Plain::Int(-1)),
        ("_1", Plain::Str),
        ("+-1", Plain::Str),
        ("--1", Plain::Str),
        // Hex, octal, binary (Go base-0 prefixes, any case).
        ("0x1F", Plain::Int(31)),
        ("0X1f", Plain::Int(31)),
        ("-0x10", Plain::Int(-16)),
        ("0x_ff", Plain::Int(255)),
        ("0x1e3", Plain::Int(483)),
        ("0xg", Plain::Str),
        ("0755", Plain::Int(493)),
        ("-0755", Plain::Int(-493)),
        ("0_755", Plain::Int(493)),
        ("0o17", Plain::Int(15)),
        ("0O17", Plain::Int(15)),
        ("-0o17", Plain::Int(-15)),
        ("0o8", Plain::Str),
        ("0b101", Plain::Int(5)),
        ("0B101", Plain::Int(5)),
        ("+0b101", Plain::Int(5)),
        ("-0b101", Plain::Int(-5)),
        ("0b102", Plain::Str),
        ("0b-1", Plain::Int(-1)),
        ("0b+1", Plain::Int(1)),
        ("-0b-1", Plain::Str),
        ("0b", Plain::Str),
        ("0x", Plain::Str),
        ("0o", Plain::Str),
        // Leading-zero "octals" with 8 or 9 fail ParseInt but match yamlStyleFloat.
        ("08", Plain::Float(8.0)),
        ("0758", Plain::Float(758.0)),
        ("09.5", Plain::Float(9.5)),
        // Integer limits.
        ("9223372036854775807", Plain::Int(i64::MAX)),
        ("-9223372036854775808", Plain::Int(i64::MIN)),
        (
            "9223372036854775808",
            Plain::Uint(9_223_372_036_854_775_808),
        ),
        ("18446744073709551615", Plain::Uint(u64::MAX)),
        ("0xFFFFFFFFFFFFFFFF", Plain::Uint(u64::MAX)),
        ("18446744073709551616", Plain::Float(1.8446744073709552e19)),
        ("-9223372036854775809", Plain::Float(-9.223372036854776e18)),
        ("0x10000000000000000", Plain::Str),
        // Floats through yamlStyleFloat (after `_` removal).
        ("1.5", Plain::Float(1.5)),
        ("-1.5", Plain::Float(-1.5)),
        ("1.", Plain::Float(1.0)),
        ("1.e3", Plain::Float(1000.0)),
        ("1e3", Plain::Float(1000.0)),
        ("1E3", Plain::Float(1000.0)),
        ("1e+3", Plain::Float(1000.0)),
        ("1e-3", Plain::Float(0.001)),
        ("-1e3", Plain::Float(-1000.0)),
        ("0e5", Plain::Float(0.0)),
        ("+.5", Plain::Float(0.5)),
        ("-.5", Plain::Float(-0.5)),
        ("1_000.5", Plain::Float(1000.5)),
        ("1.5_5", Plain::Float(1.55)),
        ("0.0", Plain::Float(0.0)),
        ("-0.0", Plain::Float(-0.0)),
        ("1e-999", Plain::Float(0.0)),
        ("1e999", Plain::Str),
        ("-1e999", Plain::Str),
        ("1e", Plain::Str),
        ("1e3.5", Plain::Str),
        ("1.2.3", Plain::Str),
        ("0x1p3", Plain::Str),
        ("+inf", Plain::Str),
        ("-Infinity", Plain::Str),
        // The `.` path: Go's ParseFloat on the raw text.
        (".5", Plain::Float(0.5)),
        (".5e3", Plain::Float(500.0)),
        (".5E-1", Plain::Float(0.05)),
        (".5_5", Plain::Float(0.55)),
        ("._5", Plain::Str),
        (".5_", Plain::Str),
        (".5__5", Plain::Str),
        (".5e999", Plain::Str),
        (".", Plain::Str),
        ("..", Plain::Str),
        (".e3", Plain::Str),
        (".5.5", Plain::Str),
        // Special floats.
        (".inf", Plain::Float(INF)),
        (".Inf", Plain::Float(INF)),
        (".INF", Plain::Float(INF)),
        ("+.inf", Plain::Float(INF)),
        ("+.Inf", Plain::Float(INF)),
        ("+.INF", Plain::Float(INF)),
        ("-.inf", Plain::Float(-INF)),
        ("-.Inf", Plain::Float(-INF)),
        ("-.INF", Plain::Float(-INF)),
        (".nan", Plain::Float(f64::NAN)),
        (".NaN", Plain::Float(f64::NAN)),
        (".NAN", Plain::Float(f64::NAN)),
        (".iNf", Plain::Str),
        ("+.nan", Plain::Str),
        ("-.nan", Plain::Str),
        ("nan", Plain::Str),
        // Timestamps resolve to !!timestamp but decode into interface{} as strings.
        ("2024-01-01", Plain::Str),
        ("2024-1-1", Plain::Str),
        ("2001-12-14t21:59:43.10-05:00", Plain::Str),
        ("2001-12-14 21:59:43.10", Plain::Str),
        // Not in yaml.v2: base 60, merge and value keys, plain words.
        ("12:30", Plain::Str),
        ("1:2:3", Plain::Str),
        ("<<", Plain::Str),
        ("=", Plain::Str),
        ("hello", Plain::Str),
        ("hello world", Plain::Str),
        ("nginx:1.25", Plain::Str),
        ("1 000", Plain::Str),
        ("1 ", Plain::Str),
        (" 1", Plain::Str),
        ("-", Plain::Str),
        ("+", Plain::Str),
        ("１", Plain::Str),
        ("٣", Plain::Str),
    ];

    #[test]
    fn resolves_like_yaml_v2() {
        for (text, want) in RESOLVE {
            let got = resolve_plain(text);
            assert!(same(&got, want), "{text:?}: got {got:?}, want {want:?}");
        }
    }

    #[test]
    fn resolves_long_binary_like_yaml_v2() {
        let ones = "1".repeat(64);
        let cases = [
            (format!("0b{ones}"), Plain::Uint(u64::MAX)),
            (format!("0b1{}", "0".repeat(63)), Plain::Uint(1 << 63)),
            (format!("-0b1{}", "0".repeat(63)), Plain::Int(i64::MIN)),
            (format!("0b-1{}", "0".repeat(63)), Plain::Int(i64::MIN)),
            (format!("-0b{ones}"), Plain::Str),
            (format!("0b1{ones}"), Plain::Str),
            (format!("0o1{}", "7".repeat(21)), Plain::Uint(u64::MAX)),
        ];
        for (text, want) in &cases {
            let got = resolve_plain(text);
            assert!(same(&got, want), "{text:?}: got {got:?}, want {want:?}");
        }
    }

    #[test]
    fn resolves_huge_numbers_like_go() {
        // 400 digits overflow every integer type but are a fine float.
        let big = format!("1{}", "0".repeat(400));
        assert!(
            same(&resolve_plain(&big), &Plain::Str),
            "1e400 overflows f64"
        );
        let wide = format!("1{}e-400", "0".repeat(400));
        assert!(same(&resolve_plain(&wide), &Plain::Float(1.0)));
        // Go stops growing an exponent once it reaches 10000: e200050 reads as e20005,
        // so this is 1e4 to yaml.v2, not an overflow.
        let capped = format!("0.{}1e200050", "0".repeat(20_000));
        assert!(same(&resolve_plain(&capped), &Plain::Float(10_000.0)));
        let tiny = format!("0.{}1", "0".repeat(400));
        assert!(same(&resolve_plain(&tiny), &Plain::Float(0.0)));
    }

    /// Texts a YAML 1.1 or 1.2 reader may type or parse differently, beyond the RESOLVE table.
    const AMBIGUOUS: &[&str] = &[
        // Base 60 (YAML 1.1, PyYAML, Psych), int and float forms.
        "12:30",
        "1:2:3",
        "-1:30",
        "190:20:30",
        "0:30",
        "22:22",
        "1:30.5",
        "1_0:5",
        // Timestamps.
        "2024-01-01",
        "2024-1-1",
        "2001-12-14t21:59:43.10-05:00",
        "2001-12-14T21:59:43Z",
        "2001-12-14 21:59:43.10 -5",
        "-2001-12-14T21:59:43Z",
        // Value and merge keys.
        "=",
        "<<",
        // Bools and nulls in any case (Psych is case-blind), 1.1 spec y/n.
        "yEs",
        "YeS",
        "nO",
        "oFf",
        "tRuE",
        "FaLsE",
        "nULL",
        "y",
        "N",
        // Special floats in any case or sign.
        ".iNf",
        "-.InF",
        "+.nan",
        "-.NaN",
        // Numbers other readers accept but yaml.v2 does not.
        "1.2.3",
        "192.168.0.1",
        ".",
        "...",
        "._5",
        "1_000_",
        "0b_",
        "0x_",
        "0o_7",
        "1e999",
        ".e+5",
        ".5_",
        "1__0.5",
        // Would not read back as this exact plain scalar.
        "a: b",
        "a:",
        "a #b",
        " a",
        "a ",
        "a\tb",
        "a\nb",
        "a\rb",
        "a\u{85}b",
        "a\u{2028}b",
        "\u{FEFF}a",
        "a\u{7}b",
        "a\u{7F}",
        "-",
        "- a",
        "?",
        "? a",
        ":",
        ": a",
        "#a",
        "&a",
        "*a",
        "!a",
        "|",
        ">",
        "'a'",
        "\"a\"",
        "%a",
        "@a",
        "`a",
        "[a]",
        "{a}",
        ",a",
        "---",
        "--- a",
        "... a",
    ];

    #[test]
    fn flags_ambiguous_text() {
        for text in AMBIGUOUS {
            assert!(is_ambiguous_plain(text), "{text:?} should be ambiguous");
        }
    }

    #[test]
    fn flags_everything_yaml_v2_does_not_read_as_string() {
        for (text, want) in RESOLVE {
            if *want != Plain::Str {
                assert!(is_ambiguous_plain(text), "{text:?} should be ambiguous");
            }
        }
    }

    /// Texts every reader keeps as the same string, including typical manifest values.
    const UNAMBIGUOUS: &[&str] = &[
        "hello",
        "hello world",
        "nginx",
        "nginx:1.25",
        "registry.k8s.io/pause:3.9",
        "http://example.com/a#b",
        "--port=8080",
        "--feature-gates=A=true,B=false",
        "-x",
        "a,b",
        "a=b",
        "a:b",
        "a#b",
        "app.kubernetes.io/name",
        "v1.2.3",
        "1.2.3-rc1",
        "10:80",
        "12:60",
        "2024-01-01-x",
        "2024-01-001",
        "1e",
        "e3",
        "0x",
        "0b2",
        "0o8x",
        "1 000",
        "<",
        "<<<",
        "==",
        "yess",
        "nope",
        "onn",
        "Nullable",
        "inf",
        "nan",
        "NaN",
        ".infinity",
        "~~",
        "----",
        "---x",
        "..x",
        "100Mi",
        "?a",
        ":x",
        "_",
        "__",
        "_1",
        "?\"",
        // Ruby's Psych strips commas from numbers; YAML 1.1 and every Kubernetes reader do not.
        "1,000",
        "80,443",
        "500m",
        "0.5Gi",
        "1h30m",
        "ünïcödé",
        "日本語",
        "a\u{A0}b",
        "emoji 🎉",
        "a'b",
        "a\"b",
        "a?b",
    ];

    #[test]
    fn keeps_plain_strings() {
        for text in UNAMBIGUOUS {
            assert!(!is_ambiguous_plain(text), "{text:?} should be unambiguous");
            assert_eq!(resolve_plain(text), Plain::Str, "{text:?}");
        }
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        let odd = [
            "-",
            "+",
            ".",
            "0x",
            "0b",
            "0o",
            "_",
            "-_",
            "+_",
            "-0b",
            "-0x",
            "0b_",
            "e",
            "E",
            "1e",
            "1e+",
            ".e",
            ":",
            "::",
            "1:",
            ":1",
            "1::2",
            "-:",
            "0:",
            "0:0:",
            "----",
            "--",
            "-.",
            "+.",
            "._",
            "__",
            "\0",
            "\u{FEFF}",
            "é",
            "1é",
            "0xé",
            "é0",
            "0é",
            "1.é",
            "1eé",
            "2024-é",
            "2024-01-é",
            "-é",
            "+é",
            "0bé",
            "\u{10FFFF}",
            "🎉1",
        ];
        for text in odd {
            let _ = resolve_plain(text);
            let _ = is_ambiguous_plain(text);
        }
        let huge = "9".repeat(100_000);
        assert_eq!(resolve_plain(&huge), Plain::Str);
        assert!(is_ambiguous_plain(&huge));
        let huge_exp = format!("1e{huge}");
        assert_eq!(resolve_plain(&huge_exp), Plain::Str);
        let huge_neg_exp = format!("1e-{huge}");
        assert!(same(&resolve_plain(&huge_neg_exp), &Plain::Float(0.0)));
    }

    #[test]
    fn random_texts_do_not_panic_and_stay_consistent() {
        // Deterministic pseudo-random texts over characters that matter to the rules.
        let alphabet: Vec<char> = "0123456789+-._:eExXbBoO yYnN~#,é\t".chars().collect();
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let len = next() % 12;
            let text: String = (0..len)
                .filter_map(|_| {
                    let i = usize::try_from(next() % 1024).ok()?;
                    alphabet.get(i % alphabet.len()).copied()
                })
                .collect();
            let typed = resolve_plain(&text) != Plain::Str;
            if typed {
                assert!(
                    is_ambiguous_plain(&text),
                    "{text:?} is typed but not flagged"
                );
            }
        }
    }
}
