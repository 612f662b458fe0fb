//! The simulated model's output: deterministic, so tests can assert on it exactly.
//!
//! Rules, in order of precedence:
//! 1. A thinking model with thinking on first emits [`THINKING`] (3 chunks, `content:""`).
//! 2. Tools present and the last message from the user: one call to the FIRST tool, arguments built
//!    from its JSON schema (required properties only; string `"sample"` or the first `enum` value,
//!    integer 1, number 1.5, boolean true, array `[]`, object `{}`), id `call_` + 8 `[a-z0-9]`.
//! 3. The last message is a tool result: `The tool returned: <result verbatim>`.
//! 4. Generate with a `suffix` (fill-in-the-middle): [`FIM_COMPLETION`].
//! 5. `format` set: a JSON object (`{"answer": ...}` for `"json"`, schema-shaped for a schema, all
//!    properties filled), streamed in 4-byte pieces.
//! 6. Otherwise [`default_answer`]: `Simulated answer from <model>.` plus a fixed second sentence,
//!    one chunk per word (15 tokens: enough for the router to learn a speed from it).
//!
//! Every chunk costs one token except a tool call, which costs `ceil(JSON bytes / 4)`.
//! `num_predict` ≥ 0 caps the tokens (thinking included); hitting it ends with `done_reason:"length"`.

use serde_json::{Map, Value, json};

use super::models::{fnv1a, splitmix64};

/// The thinking chunks of a thinking model.
pub const THINKING: [&str; 3] = ["Okay, ", "let me ", "think."];

/// The fill-in-the-middle answer, as its chunks.
pub const FIM_COMPLETION: [&str; 3] = ["simulated", "_completion", "()"];

/// The plain answer of `model`: one chunk per word.
pub fn default_answer(model: &str) -> String {
    format!("Simulated answer from {model}. It stands in for the reply a real model would write.")
}

/// One streamed piece of the answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    Thinking(String),
    Content(String),
    /// A complete native tool call object (`{"id", "function": {"index", "name", "arguments"}}`).
    ToolCall(Value),
}

/// The whole answer, ready to stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub pieces: Vec<Piece>,
    /// `eval_count`.
    pub eval_count: u64,
    /// `stop` or `length`.
    pub done_reason: &'static str,
}

/// What the answer depends on.
#[derive(Debug, Clone, Copy)]
pub struct AnswerInput<'a> {
    /// The installed model's name, used in the default sentence and the tool-call id.
    pub model: &'a str,
    pub thinking: bool,
    /// Role and content of the last message (`user` with the prompt for generate).
    pub last_role: &'a str,
    pub last_content: &'a str,
    pub tools: &'a [Value],
    pub format: Option<&'a Value>,
    /// Generate with a non-empty `suffix`.
    pub fill_in_middle: bool,
    /// `options.num_predict`; negative or absent = unlimited.
    pub num_predict: Option<i64>,
}

/// Plans the answer.
pub fn answer(input: &AnswerInput<'_>) -> Answer {
    let mut planned: Vec<(Piece, u64)> = Vec::new();
    if input.thinking {
        planned.extend(THINKING.iter().map(|t| (Piece::Thinking((*t).into()), 1)));
    }
    if let Some(call) = tool_call(input) {
        let cost = super::tokens::text_tokens(&call.to_string()).max(1);
        planned.push((Piece::ToolCall(call), cost));
    } else {
        let pieces: Vec<String> = if input.last_role == "tool" {
            word_tokens(&format!("The tool returned: {}", input.last_content))
        } else if input.fill_in_middle {
            FIM_COMPLETION.iter().map(|s| (*s).to_owned()).collect()
        } else if let Some(format) = input.format.filter(|f| !f.is_null()) {
            byte_chunks(&formatted_answer(input.model, format), 4)
        } else {
            word_tokens(&default_answer(input.model))
        };
        planned.extend(pieces.into_iter().map(|p| (Piece::Content(p), 1)));
    }

    let limit = input.num_predict.filter(|n| *n >= 0).map(|n| n as u64);
    let mut pieces = Vec::with_capacity(planned.len());
    let mut eval_count = 0;
    let mut done_reason = "stop";
    for (piece, cost) in planned {
        if limit.is_some_and(|limit| eval_count + cost > limit) {
            done_reason = "length";
            break;
        }
        eval_count += cost;
        pieces.push(piece);
    }
    Answer {
        pieces,
        eval_count,
        done_reason,
    }
}

fn tool_call(input: &AnswerInput<'_>) -> Option<Value> {
    if input.last_role != "user" {
        return None;
    }
    let first = input.tools.first()?;
    // Native tools are OpenAI-shaped (`{"type":"function","function":{...}}`); accept a bare
    // function object too.
    let function = first.get("function").unwrap_or(first);
    let name = function.get("name")?.as_str()?;
    let arguments = function
        .get("parameters")
        .map_or_else(|| json!({}), |schema| object_sample(schema, false));
    let id = tool_call_id(&format!(
        "{}\u{0}{name}\u{0}{}",
        input.model, input.last_content
    ));
    Some(json!({
        "id": id,
        "function": {"index": 0, "name": name, "arguments": arguments}
    }))
}

/// `call_` + 8 chars of `[a-z0-9]`, derived from `seed`.
pub fn tool_call_id(seed: &str) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut state = fnv1a(seed.as_bytes());
    let suffix: String = (0..8)
        .map(|_| {
            let idx = (splitmix64(&mut state) % ALPHABET.len() as u64) as usize;
            char::from(ALPHABET[idx])
        })
        .collect();
    format!("call_{suffix}")
}

/// An object for an object schema: its required properties (or all, with `all_properties`), each
/// with a sample of its type.
pub fn object_sample(schema: &Value, all_properties: bool) -> Value {
    let empty = Map::new();
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let names: Vec<&str> = if all_properties {
        properties.keys().map(String::as_str).collect()
    } else {
        schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    };
    let mut out = Map::new();
    for name in names {
        let property = properties.get(name).unwrap_or(&Value::Null);
        out.insert(name.to_owned(), value_sample(property));
    }
    Value::Object(out)
}

/// A sample value of a property's type: the first `enum` value if any, else by `type` (the first
/// non-null one when it is an array; the first `anyOf` branch when there is no type).
pub fn value_sample(property: &Value) -> Value {
    if let Some(first) = property
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    let type_name = match property.get("type") {
        Some(Value::String(t)) => Some(t.as_str()),
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null"),
        _ => None,
    };
    match type_name {
        Some("integer") => json!(1),
        Some("number") => json!(1.5),
        Some("boolean") => json!(true),
        Some("array") => json!([]),
        Some("object") => json!({}),
        Some(_) => json!("sample"),
        None => match property
            .get("anyOf")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
        {
            Some(branch) => value_sample(branch),
            None => json!("sample"),
        },
    }
}

fn formatted_answer(model: &str, format: &Value) -> String {
    let value = if format.is_object() {
        object_sample(format, true)
    } else {
        json!({"answer": format!("Simulated answer from {model}.")})
    };
    value.to_string()
}

/// Splits text into word tokens, each leading whitespace attached to the word after it, so the
/// concatenation is exactly the input.
pub fn word_tokens(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    for c in text.chars() {
        if c.is_whitespace() && in_word {
            tokens.push(std::mem::take(&mut current));
            in_word = false;
        } else if !c.is_whitespace() {
            in_word = true;
        }
        current.push(c);
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

/// Splits text into pieces of at most `size` bytes, on char boundaries.
fn byte_chunks(text: &str, size: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        if current.len() + c.len_utf8() > size && !current.is_empty() {
            pieces.push(std::mem::take(&mut current));
        }
        current.push(c);
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(tools: &'a [Value]) -> AnswerInput<'a> {
        AnswerInput {
            model: "qwen3:8b",
            thinking: false,
            last_role: "user",
            last_content: "hi",
            tools,
            format: None,
            fill_in_middle: false,
            num_predict: None,
        }
    }

    fn content(answer: &Answer) -> String {
        answer
            .pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Content(c) => Some(c.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn default_answer_is_one_chunk_per_word() {
        let a = answer(&input(&[]));
        assert_eq!(
            a.pieces[..4],
            [
                Piece::Content("Simulated".into()),
                Piece::Content(" answer".into()),
                Piece::Content(" from".into()),
                Piece::Content(" qwen3:8b.".into()),
            ]
        );
        assert_eq!(content(&a), default_answer("qwen3:8b"));
        assert_eq!((a.eval_count, a.done_reason), (15, "stop"));
    }

    #[test]
    fn thinking_comes_first_and_counts_against_num_predict() {
        let mut i = input(&[]);
        i.thinking = true;
        let a = answer(&i);
        assert_eq!(a.pieces[0], Piece::Thinking("Okay, ".into()));
        assert_eq!(a.eval_count, 18);
        i.num_predict = Some(4);
        let a = answer(&i);
        assert_eq!(a.pieces.len(), 4);
        assert_eq!((a.eval_count, a.done_reason), (4, "length"));
    }

    #[test]
    fn tools_produce_a_schema_shaped_call_to_the_first_tool() {
        let tools = [
            json!({"type":"function","function":{"name":"get_weather","parameters":{
                "type":"object","required":["city","unit","days","precise","tags","extra","ratio"],
                "properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["celsius","f"]},
                "days":{"type":"integer"},"precise":{"type":"boolean"},"tags":{"type":"array"},
                "extra":{"type":"object"},"ratio":{"type":["number","null"]},"optional":{"type":"string"}}}}}),
            json!({"type":"function","function":{"name":"other"}}),
        ];
        let a = answer(&input(&tools));
        let [Piece::ToolCall(call)] = a.pieces.as_slice() else {
            panic!("expected one tool call, got {:?}", a.pieces);
        };
        assert_eq!(call["function"]["name"], "get_weather");
        assert_eq!(call["function"]["index"], 0);
        assert_eq!(
            call["function"]["arguments"],
            json!({"city":"sample","unit":"celsius","days":1,"precise":true,"tags":[],"extra":{},"ratio":1.5})
        );
        let id = call["id"].as_str().unwrap();
        assert!(id.starts_with("call_") && id.len() == 13, "{id}");
        assert!(
            id[5..]
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        );
        // Deterministic: same request, same id.
        assert_eq!(answer(&input(&tools)), a);
        assert_eq!(a.done_reason, "stop");
    }

    #[test]
    fn a_tool_result_is_quoted_verbatim() {
        let tools = [json!({"type":"function","function":{"name":"f"}})];
        let mut i = input(&tools);
        i.last_role = "tool";
        i.last_content = "22°C,\n  sunny";
        let a = answer(&i);
        assert_eq!(content(&a), "The tool returned: 22°C,\n  sunny");
        assert!(a.pieces.iter().all(|p| matches!(p, Piece::Content(_))));
    }

    #[test]
    fn format_yields_json() {
        let json_format = json!("json");
        let mut i = input(&[]);
        i.format = Some(&json_format);
        let a = answer(&i);
        let parsed: Value = serde_json::from_str(&content(&a)).unwrap();
        assert_eq!(parsed, json!({"answer":"Simulated answer from qwen3:8b."}));
        let schema =
            json!({"type":"object","properties":{"n":{"type":"integer"},"s":{"type":"string"}}});
        i.format = Some(&schema);
        let parsed: Value = serde_json::from_str(&content(&answer(&i))).unwrap();
        assert_eq!(parsed, json!({"n":1,"s":"sample"}));
    }

    #[test]
    fn fill_in_the_middle_completes_code() {
        let mut i = input(&[]);
        i.fill_in_middle = true;
        assert_eq!(content(&answer(&i)), "simulated_completion()");
    }

    #[test]
    fn word_tokens_round_trip() {
        for text in ["", "a", " lead", "a  b\n\tc ", "ünï cödé"] {
            assert_eq!(word_tokens(text).concat(), text);
        }
        assert_eq!(word_tokens("a b"), vec!["a", " b"]);
    }
}
