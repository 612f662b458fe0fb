//! Go-compatible wire details the simulator must reproduce byte for byte: RFC3339Nano timestamps,
//! `time.ParseDuration`, `encoding/json` error texts, `api.Duration` (`keep_alive`), `api.ThinkValue`
//! and `api.Options.FromMap` type checks.
//!
//! Everything here is pure: no clock, no I/O. Callers pass timestamps in.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

/// `time.Duration(math.MaxInt64)`: what Ollama stores for a negative `keep_alive` ("forever").
pub const FOREVER: Duration = Duration::from_nanos(i64::MAX as u64);

/// Formats a timestamp like Go's `time.RFC3339Nano` in UTC: fractional seconds without trailing
/// zeros, omitted entirely when zero (`2025-10-17T23:14:07.414671Z`).
pub fn rfc3339_nano(at: SystemTime) -> String {
    let since_epoch = at.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    let secs = since_epoch.as_secs();
    let nanos = since_epoch.subsec_nanos();
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days as i64);
    let mut out = format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    );
    if nanos > 0 {
        let frac = format!("{nanos:09}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// Go's `json.Marshal` (and gin's `c.JSON`) escape `<`, `>`, `&`, U+2028 and U+2029 inside
/// strings. Those characters can only occur inside JSON strings, so escaping the serialised bytes
/// is exact.
pub fn go_html_escape(json: Vec<u8>) -> Vec<u8> {
    if !json.iter().any(|b| matches!(b, b'<' | b'>' | b'&' | 0xE2)) {
        return json;
    }
    let mut out = Vec::with_capacity(json.len() + 16);
    let mut i = 0;
    while i < json.len() {
        match json[i] {
            b'<' => out.extend_from_slice(b"\\u003c"),
            b'>' => out.extend_from_slice(b"\\u003e"),
            b'&' => out.extend_from_slice(b"\\u0026"),
            0xE2 if json.get(i + 1) == Some(&0x80)
                && matches!(json.get(i + 2), Some(0xA8 | 0xA9)) =>
            {
                let last = if json[i + 2] == 0xA8 { b'8' } else { b'9' };
                out.extend_from_slice(b"\\u202");
                out.push(last);
                i += 2;
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    out
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 → (year, month, day).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Go's `strconv.Quote` for the strings that appear in error texts. JSON string escaping matches it
/// for everything but rare control characters, which is close enough for error messages.
pub fn go_quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// Go's `time.ParseDuration`, returning signed nanoseconds or Go's exact error text.
pub fn parse_go_duration(input: &str) -> Result<i128, String> {
    let invalid = || format!("time: invalid duration {}", go_quote(input));
    let mut s = input;
    let mut negative = false;
    if let Some(rest) = s.strip_prefix('-') {
        negative = true;
        s = rest;
    } else if let Some(rest) = s.strip_prefix('+') {
        s = rest;
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: f64 = 0.0;
    while !s.is_empty() {
        let bytes = s.as_bytes();
        if !(bytes[0] == b'.' || bytes[0].is_ascii_digit()) {
            return Err(invalid());
        }
        let int_len = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
        let int_part = &s[..int_len];
        s = &s[int_len..];
        let mut frac_part = "";
        if let Some(rest) = s.strip_prefix('.') {
            let frac_len = rest.bytes().take_while(|b| b.is_ascii_digit()).count();
            frac_part = &rest[..frac_len];
            s = &rest[frac_len..];
            if int_part.is_empty() && frac_part.is_empty() {
                return Err(invalid());
            }
        } else if int_part.is_empty() {
            return Err(invalid());
        }
        let unit_len = s
            .bytes()
            .take_while(|b| *b != b'.' && !b.is_ascii_digit())
            .count();
        if unit_len == 0 {
            return Err(format!(
                "time: missing unit in duration {}",
                go_quote(input)
            ));
        }
        let unit = &s[..unit_len];
        s = &s[unit_len..];
        let unit_nanos: f64 = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    go_quote(unit),
                    go_quote(input)
                ));
            }
        };
        let number: f64 = format!(
            "{}.{}",
            if int_part.is_empty() { "0" } else { int_part },
            if frac_part.is_empty() { "0" } else { frac_part }
        )
        .parse()
        .map_err(|_| invalid())?;
        total += number * unit_nanos;
        if total > i64::MAX as f64 {
            return Err(invalid());
        }
    }
    let nanos = total as i128;
    Ok(if negative { -nanos } else { nanos })
}

/// How long a runner stays loaded after its last request (`api.Duration`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeepAlive {
    /// Negative values: never unload.
    Forever,
    /// Zero unloads right after the request.
    For(Duration),
}

impl KeepAlive {
    pub fn as_duration(self) -> Duration {
        match self {
            KeepAlive::Forever => FOREVER,
            KeepAlive::For(d) => d,
        }
    }

    pub fn is_zero(self) -> bool {
        self == KeepAlive::For(Duration::ZERO)
    }
}

/// `api.Duration.UnmarshalJSON`: a number is seconds (floats allowed), a string is a Go duration,
/// anything negative means forever. `null` means absent (Go never calls the unmarshaller for it).
pub fn parse_keep_alive(value: &Value) -> Result<Option<KeepAlive>, String> {
    match value {
        Value::Null => Ok(None),
        Value::Number(n) => {
            let secs = n.as_f64().unwrap_or(0.0);
            if secs < 0.0 {
                Ok(Some(KeepAlive::Forever))
            } else {
                let nanos = (secs * 1e9).min(i64::MAX as f64);
                Ok(Some(KeepAlive::For(Duration::from_nanos(nanos as u64))))
            }
        }
        Value::String(s) => {
            let nanos = parse_go_duration(s)?;
            if nanos < 0 {
                Ok(Some(KeepAlive::Forever))
            } else {
                Ok(Some(KeepAlive::For(Duration::from_nanos(nanos as u64))))
            }
        }
        // Uncertain: recalled from api/types.go (`fmt.Errorf("Unsupported type: '%s'", reflect.TypeOf(v))`).
        Value::Bool(_) => Err("Unsupported type: 'bool'".into()),
        Value::Array(_) => Err("Unsupported type: '[]interface {}'".into()),
        Value::Object(_) => Err("Unsupported type: 'map[string]interface {}'".into()),
    }
}

/// `api.ThinkValue`: `true`/`false` or a level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Think {
    Bool(bool),
    Level(String),
}

impl Think {
    /// Go's `ThinkValue.Bool()`: a level counts as thinking on.
    pub fn enabled(&self) -> bool {
        match self {
            Think::Bool(b) => *b,
            Think::Level(level) => !level.is_empty(),
        }
    }
}

/// Parses `think`. The error texts are api/types.go's (fixture 10), which list `"max"`.
pub fn parse_think(value: &Value) -> Result<Option<Think>, String> {
    match value {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(Think::Bool(*b))),
        Value::String(s) => match s.as_str() {
            "low" | "medium" | "high" | "max" => Ok(Some(Think::Level(s.clone()))),
            _ => Err(format!(
                "invalid think value: {} (must be \"high\", \"medium\", \"low\", \"max\", true, or false)",
                go_quote(s)
            )),
        },
        _ => Err(
            "think must be a boolean or string (\"high\", \"medium\", \"low\", \"max\", true, or false)"
                .into(),
        ),
    }
}

/// The Go type of each option key in `api.Options`, as `FromMap` checks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OptionKind {
    Int,
    Float32,
    Bool,
    Strings,
}

fn option_kind(key: &str) -> Option<OptionKind> {
    use OptionKind::{Bool, Float32, Int, Strings};
    Some(match key {
        "num_ctx" | "num_batch" | "num_gpu" | "main_gpu" | "num_thread" | "draft_num_predict"
        | "num_keep" | "seed" | "num_predict" | "top_k" | "repeat_last_n" => Int,
        "top_p" | "min_p" | "typical_p" | "temperature" | "repeat_penalty" | "presence_penalty"
        | "frequency_penalty" => Float32,
        // `use_mmap` is a `*bool` in Go; FromMap gives it the same boolean error text.
        "use_mmap" => Bool,
        "stop" => Strings,
        // Unknown keys (and the removed legacy ones) are logged and ignored by Ollama.
        _ => return None,
    })
}

/// `api.Options.FromMap`: the first ill-typed option yields Ollama's error text (served as 500).
pub fn validate_options(options: &Map<String, Value>) -> Result<(), String> {
    for (key, value) in options {
        let Some(kind) = option_kind(key) else {
            continue;
        };
        if value.is_null() {
            continue;
        }
        let ok = match kind {
            OptionKind::Int | OptionKind::Float32 => value.is_number(),
            OptionKind::Bool => value.is_boolean(),
            OptionKind::Strings => match value {
                Value::Array(items) => {
                    if items.iter().any(|item| !item.is_string()) {
                        return Err(format!(
                            "option {} must be of an array of strings",
                            go_quote(key)
                        ));
                    }
                    true
                }
                _ => false,
            },
        };
        if !ok {
            let type_name = match kind {
                OptionKind::Int => "integer",
                OptionKind::Float32 => "float32",
                OptionKind::Bool => "boolean",
                OptionKind::Strings => "array",
            };
            return Err(format!(
                "option {} must be of type {type_name}",
                go_quote(key)
            ));
        }
    }
    Ok(())
}

/// An integer option the way Go reads it: JSON numbers, floats truncated toward zero.
pub fn int_option(options: &Map<String, Value>, key: &str) -> Option<i64> {
    let value = options.get(key)?;
    value.as_i64().or_else(|| {
        value
            .as_f64()
            .map(|f| f.clamp(i64::MIN as f64, i64::MAX as f64) as i64)
    })
}

pub fn bool_option(options: &Map<String, Value>, key: &str) -> Option<bool> {
    options.get(key)?.as_bool()
}

/// Decodes a request body like gin's `ShouldBindJSON` (a `json.Decoder` reading one value):
/// an empty body is `missing request body`, trailing data after the first value is ignored, and
/// syntax errors read like Go's `encoding/json` errors.
pub fn decode_body(body: &[u8]) -> Result<Value, String> {
    if body.trim_ascii().is_empty() {
        return Err("missing request body".into());
    }
    let mut values = serde_json::Deserializer::from_slice(body).into_iter::<Value>();
    match values.next() {
        Some(Ok(value)) => Ok(value),
        Some(Err(err)) => Err(go_json_error(body, &err)),
        None => Err("missing request body".into()),
    }
}

/// Maps a serde_json syntax error to Go's wording. The offending character and the category are
/// exact for the common cases (garbage, missing colon/comma, truncated body); rarer literal errors
/// fall back to "looking for beginning of value".
fn go_json_error(body: &[u8], err: &serde_json::Error) -> String {
    if err.classify() == serde_json::error::Category::Eof {
        return "unexpected EOF".into();
    }
    let message = err.to_string();
    if message.starts_with("expected ident")
        && let Some(literal_error) = literal_error(body, err)
    {
        return literal_error;
    }
    let context = if message.starts_with("key must be a string")
        || message.starts_with("trailing comma") && offending_char(body, err) == Some('}')
    {
        "looking for beginning of object key string"
    } else if message.starts_with("expected `:`") {
        "after object key"
    } else if message.starts_with("expected `,` or `}`") {
        "after object key:value pair"
    } else if message.starts_with("expected `,` or `]`") {
        "after array element"
    } else if message.starts_with("control character") {
        "in string literal"
    } else if message.starts_with("invalid escape") {
        "in string escape code"
    } else {
        "looking for beginning of value"
    };
    match offending_char(body, err) {
        Some(c) => format!("invalid character {} {context}", go_quote_char(c)),
        None => "unexpected EOF".into(),
    }
}

/// Go's text for a misspelt `true`/`false`/`null`: which literal, and which letter it expected.
fn literal_error(body: &[u8], err: &serde_json::Error) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let line = text.split('\n').nth(err.line().checked_sub(1)?)?;
    let stop = err.column().checked_sub(1)?.min(line.len());
    let head = line.get(..stop)?;
    let start = head
        .rfind(|c: char| !c.is_ascii_alphabetic())
        .map_or(0, |i| i + 1);
    let typed = &head[start..];
    let literal = ["true", "false", "null"]
        .into_iter()
        .find(|lit| !typed.is_empty() && lit.starts_with(typed))?;
    let expected = literal[typed.len()..].chars().next()?;
    let found = line[stop..].chars().next()?;
    Some(format!(
        "invalid character {} in literal {literal} (expecting {})",
        go_quote_char(found),
        go_quote_char(expected)
    ))
}

/// The character serde_json stopped at (its line/column are 1-based).
fn offending_char(body: &[u8], err: &serde_json::Error) -> Option<char> {
    let text = String::from_utf8_lossy(body);
    let line = text.split('\n').nth(err.line().checked_sub(1)?)?;
    let column = err.column().checked_sub(1)?;
    // serde_json counts bytes; step back to a char boundary if it lands inside one.
    let mut idx = column.min(line.len());
    while idx > 0 && !line.is_char_boundary(idx) {
        idx -= 1;
    }
    line[idx..].chars().next()
}

/// Go's `quoteChar` from encoding/json.
fn go_quote_char(c: char) -> String {
    match c {
        '\'' => "'\\''".into(),
        '"' => "'\"'".into(),
        _ => {
            let quoted = go_quote(&c.to_string());
            format!("'{}'", &quoted[1..quoted.len() - 1])
        }
    }
}

/// The JSON kind word Go uses in `cannot unmarshal X into ...`.
fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `json: cannot unmarshal <kind> into Go struct field <Struct>.<path> of type <type>`.
pub fn unmarshal_field_error(value: &Value, go_struct: &str, path: &str, go_type: &str) -> String {
    format!(
        "json: cannot unmarshal {} into Go struct field {go_struct}.{path} of type {go_type}",
        json_kind(value)
    )
}

/// `json: cannot unmarshal <kind> into Go value of type <type>` (top-level mismatch).
pub fn unmarshal_value_error(value: &Value, go_type: &str) -> String {
    format!(
        "json: cannot unmarshal {} into Go value of type {go_type}",
        json_kind(value)
    )
}

/// Checks one field of a request object; `null` and absence are both fine (Go zero values).
/// `path_prefix` is the dotted path of the enclosing field (`messages.` inside a message).
pub fn expect_field(
    object: &Map<String, Value>,
    field: &str,
    expected: JsonType,
    go_struct: &str,
    path_prefix: &str,
    go_type: &str,
) -> Result<(), String> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(()),
        Some(value) if expected.matches(value) => Ok(()),
        Some(value) => Err(unmarshal_field_error(
            value,
            go_struct,
            &format!("{path_prefix}{field}"),
            go_type,
        )),
    }
}

/// The JSON shape a Go field accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    String,
    Bool,
    Number,
    Array,
    Object,
}

impl JsonType {
    pub fn matches(self, value: &Value) -> bool {
        match self {
            JsonType::String => value.is_string(),
            JsonType::Bool => value.is_boolean(),
            JsonType::Number => value.is_number(),
            JsonType::Array => value.is_array(),
            JsonType::Object => value.is_object(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rfc3339_trims_trailing_zeros_like_go() {
        let at = UNIX_EPOCH + Duration::new(1_760_742_847, 414_671_000);
        assert_eq!(rfc3339_nano(at), "2025-10-17T23:14:07.414671Z");
        assert_eq!(
            rfc3339_nano(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00Z"
        );
        // keep_alive forever: now + MaxInt64 ns lands in 2318, still representable.
        let far = UNIX_EPOCH + Duration::from_secs(1_760_000_000) + FOREVER;
        assert!(
            rfc3339_nano(far).starts_with("2318-"),
            "{}",
            rfc3339_nano(far)
        );
    }

    #[test]
    fn html_characters_are_escaped_like_go() {
        let json = serde_json::to_vec(&json!({"a": "<b> & \u{2028}ü"})).unwrap();
        let escaped = String::from_utf8(go_html_escape(json)).unwrap();
        assert_eq!(escaped, r#"{"a":"\u003cb\u003e \u0026 \u2028ü"}"#);
        let back: Value = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back, json!({"a": "<b> & \u{2028}ü"}));
    }

    #[test]
    fn go_durations_parse_and_fail_like_go() {
        assert_eq!(parse_go_duration("5m"), Ok(300_000_000_000));
        assert_eq!(parse_go_duration("1h30m"), Ok(5_400_000_000_000));
        assert_eq!(parse_go_duration("1.5s"), Ok(1_500_000_000));
        assert_eq!(parse_go_duration("-1m"), Ok(-60_000_000_000));
        assert_eq!(parse_go_duration("0"), Ok(0));
        assert_eq!(
            parse_go_duration("3600"),
            Err("time: missing unit in duration \"3600\"".into())
        );
        assert_eq!(
            parse_go_duration("5x"),
            Err("time: unknown unit \"x\" in duration \"5x\"".into())
        );
        assert_eq!(
            parse_go_duration("abc"),
            Err("time: invalid duration \"abc\"".into())
        );
        assert_eq!(
            parse_go_duration(""),
            Err("time: invalid duration \"\"".into())
        );
    }

    #[test]
    fn keep_alive_numbers_are_seconds_and_negatives_are_forever() {
        assert_eq!(
            parse_keep_alive(&json!(1800)),
            Ok(Some(KeepAlive::For(Duration::from_secs(1800))))
        );
        assert_eq!(parse_keep_alive(&json!(-1)), Ok(Some(KeepAlive::Forever)));
        assert_eq!(
            parse_keep_alive(&json!("-1m")),
            Ok(Some(KeepAlive::Forever))
        );
        assert_eq!(
            parse_keep_alive(&json!(0)),
            Ok(Some(KeepAlive::For(Duration::ZERO)))
        );
        assert_eq!(parse_keep_alive(&Value::Null), Ok(None));
        assert!(parse_keep_alive(&json!("3600")).is_err());
        assert!(parse_keep_alive(&json!(true)).is_err());
    }

    #[test]
    fn options_are_type_checked_like_from_map() {
        let ok = json!({"num_ctx": 8192.0, "temperature": 0, "stop": ["a"], "unknown": "x", "seed": null});
        assert_eq!(validate_options(ok.as_object().unwrap()), Ok(()));
        let bad = json!({"num_ctx": "8192"});
        assert_eq!(
            validate_options(bad.as_object().unwrap()),
            Err("option \"num_ctx\" must be of type integer".into())
        );
        let bad = json!({"temperature": "hot"});
        assert_eq!(
            validate_options(bad.as_object().unwrap()),
            Err("option \"temperature\" must be of type float32".into())
        );
        let bad = json!({"stop": [1]});
        assert_eq!(
            validate_options(bad.as_object().unwrap()),
            Err("option \"stop\" must be of an array of strings".into())
        );
        let opts = json!({"num_ctx": 8192.7});
        assert_eq!(int_option(opts.as_object().unwrap(), "num_ctx"), Some(8192));
    }

    #[test]
    fn json_errors_read_like_go() {
        assert_eq!(decode_body(b""), Err("missing request body".into()));
        assert_eq!(decode_body(b"  \n"), Err("missing request body".into()));
        assert_eq!(decode_body(b"{\"model\":"), Err("unexpected EOF".into()));
        assert_eq!(
            decode_body(b"not json"),
            Err("invalid character 'o' in literal null (expecting 'u')".into())
        );
        assert_eq!(
            decode_body(b"[tru]"),
            Err("invalid character ']' in literal true (expecting 'e')".into())
        );
        assert_eq!(
            decode_body(b"xyz"),
            Err("invalid character 'x' looking for beginning of value".into())
        );
        assert_eq!(
            decode_body(b"{\"a\" 1}"),
            Err("invalid character '1' after object key".into())
        );
        assert_eq!(
            decode_body(b"{\"a\":1 \"b\":2}"),
            Err("invalid character '\"' after object key:value pair".into())
        );
        assert_eq!(
            decode_body(b"{model:1}"),
            Err("invalid character 'm' looking for beginning of object key string".into())
        );
        // A json.Decoder stops after the first value.
        assert_eq!(decode_body(b"{} trailing"), Ok(json!({})));
    }

    #[test]
    fn think_accepts_bools_and_levels() {
        assert_eq!(parse_think(&json!(false)), Ok(Some(Think::Bool(false))));
        assert!(parse_think(&json!("high")).unwrap().unwrap().enabled());
        assert!(parse_think(&json!("extreme")).is_err());
        assert!(parse_think(&json!(1)).is_err());
    }
}
