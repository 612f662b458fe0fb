//! Pure classification: a request view and the compiled rules → a [`Kind`] and the reasons.
//!
//! Order of evidence, strongest first: a virtual model that names a kind (`auto:complex`), the
//! dialect's own hint (e.g. Claude Code's request class), the rules (user rules, then built-in
//! ones, first match wins), then the alias's kind (`sonnet` → daily), then `routing.default_kind`.
//!
//! Invariant: no I/O, no clock, no globals.

use http::HeaderMap;

use crate::config::{CompiledRule, Settings};
use crate::request::{Kind, RequestView};

/// How a requested model name is treated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelTarget {
    /// `auto`: rules decide the kind.
    Auto,
    /// `auto:<kind>`: the kind is forced.
    Forced(Kind),
    /// An alias (`claude-sonnet-4-6` → `auto:daily`): the kind rules fall back to.
    Aliased { pattern: String, kind: Option<Kind> },
    /// A model the catalog knows (routed unless `respect_explicit_models`).
    Catalog(String),
    /// Anything else (embedding models, custom models): passed through untouched.
    Unknown,
    /// `auto:<something else>`.
    BadVirtual(String),
}

/// Resolves a model name against virtual names, aliases and the catalog.
pub fn resolve_model(settings: &Settings, name: &str) -> ModelTarget {
    if let Some(target) = virtual_target(name) {
        return target;
    }
    if let Some((pattern, target)) = settings.aliases.iter().find(|(p, _)| glob_match(p, name)) {
        return ModelTarget::Aliased {
            pattern: pattern.clone(),
            kind: match virtual_target(target) {
                Some(ModelTarget::Forced(k)) => Some(k),
                _ => None,
            },
        };
    }
    match settings.catalog.get(name) {
        Some(spec) => ModelTarget::Catalog(spec.name.clone()),
        None => ModelTarget::Unknown,
    }
}

fn virtual_target(name: &str) -> Option<ModelTarget> {
    let bare = name.strip_suffix(":latest").unwrap_or(name);
    if bare == "auto" {
        return Some(ModelTarget::Auto);
    }
    let rest = bare.strip_prefix("auto:")?;
    Some(match Kind::parse(rest) {
        Some(k) => ModelTarget::Forced(k),
        None => ModelTarget::BadVirtual(name.to_string()),
    })
}

/// The virtual model names the router answers to.
pub const VIRTUAL_MODELS: [(&str, Option<Kind>); 4] = [
    ("auto", None),
    ("auto:quick", Some(Kind::Quick)),
    ("auto:daily", Some(Kind::Daily)),
    ("auto:complex", Some(Kind::Complex)),
];

/// The outcome of classification.
#[derive(Clone, Debug, PartialEq)]
pub struct Classification {
    pub kind: Kind,
    /// Estimated prompt tokens.
    pub prompt_tokens: u32,
    /// Why, in order: e.g. `["rule:architecture work"]`, `["model:auto:quick"]`.
    pub reasons: Vec<String>,
}

/// Classifies a request. `forced` comes from [`resolve_model`]; `fallback` is an alias's kind.
pub fn classify(
    view: &RequestView<'_>,
    headers: &HeaderMap,
    prompt_tokens: u32,
    settings: &Settings,
    forced: Option<Kind>,
    fallback: Option<Kind>,
) -> Classification {
    let done = |kind: Kind, reason: String| Classification {
        kind,
        prompt_tokens,
        reasons: vec![reason],
    };
    if let Some(kind) = forced {
        return done(kind, format!("model:auto:{}", kind.as_str()));
    }
    if let Some(hint) = &view.hint {
        return done(hint.kind, format!("hint:{}", hint.reason));
    }
    if let Some(rule) = settings
        .rules
        .iter()
        .find(|r| rule_matches(r, view, headers, prompt_tokens))
    {
        return done(rule.route, format!("rule:{}", rule.name));
    }
    match fallback {
        Some(kind) => done(kind, "alias".into()),
        None => done(settings.config.routing.default_kind, "default".into()),
    }
}

/// Whether every condition of a rule holds.
pub fn rule_matches(
    rule: &CompiledRule,
    view: &RequestView<'_>,
    headers: &HeaderMap,
    prompt_tokens: u32,
) -> bool {
    let w = &rule.when;
    let flag = |want: Option<bool>, have: bool| want.is_none_or(|w| w == have);
    flag(w.has_tools, view.has_tools)
        && flag(w.has_images, view.image_count > 0)
        && flag(w.has_suffix, view.has_suffix)
        && flag(w.raw, view.raw)
        && flag(w.think, view.think.as_ref().is_some_and(|t| t.is_on()))
        && w.path
            .as_deref()
            .is_none_or(|p| glob_match(p, view.endpoint.path()))
        && w.dialect
            .as_deref()
            .is_none_or(|d| d == view.dialect.as_str())
        && w.model
            .as_deref()
            .is_none_or(|m| glob_match(m, &view.model))
        && w.min_prompt_tokens.is_none_or(|n| prompt_tokens >= n)
        && w.max_prompt_tokens.is_none_or(|n| prompt_tokens <= n)
        && w.max_output_tokens.is_none_or(|n| {
            view.num_predict
                .is_some_and(|p| p >= 0 && p <= i64::from(n))
        })
        && rule
            .client
            .as_ref()
            .is_none_or(|r| r.is_match(&view.client))
        && rule
            .last_user
            .as_ref()
            .is_none_or(|r| r.is_match(&view.last_user))
        && rule
            .system
            .as_ref()
            .is_none_or(|r| r.is_match(&view.system))
        && rule.headers.iter().all(|(name, re)| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| re.is_match(v))
        })
}

// The window lives with the parser that cuts messages to it, so `request` needs nothing from here.
pub use crate::request::RULE_WINDOW;

/// Matches a wording rule against the first and last [`RULE_WINDOW`] bytes of a text. The
/// instruction ("refactor this…") sits at the start or the end of a message; what lies between is
/// usually pasted code or logs, where "design" or "migrate" says nothing about the task — and
/// scanning a megabyte of it would cost milliseconds per request.
pub fn matches_ends(re: &regex::Regex, text: &str) -> bool {
    if text.len() <= 2 * RULE_WINDOW {
        return re.is_match(text);
    }
    let head_end = floor_boundary(text, RULE_WINDOW);
    let tail_start = floor_boundary(text, text.len() - RULE_WINDOW);
    re.is_match(&text[..head_end]) || re.is_match(&text[tail_start..])
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Shell-style glob with `*` (any run) and `?` (one byte); case-sensitive like Ollama's names.
/// Works on bytes without allocating: it runs for every alias on every request.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{Dialect, Endpoint, KindHint, Think};
    use std::borrow::Cow;

    fn base() -> RequestView<'static> {
        RequestView {
            message_count: 1,
            message_bytes: 100,
            last_user: Cow::Borrowed("explain this function"),
            ..RequestView::new(Dialect::Ollama, Endpoint::Chat, Cow::Borrowed("auto"))
        }
    }

    fn check(view: RequestView<'_>, tokens: u32, expect: Kind, reason: &str) {
        let s = Settings::defaults();
        let c = classify(&view, &HeaderMap::new(), tokens, &s, None, None);
        assert_eq!(
            (c.kind, c.reasons[0].as_str()),
            (expect, reason),
            "{view:?}"
        );
    }

    #[test]
    fn builtin_rules() {
        check(base(), 50, Kind::Daily, "default");
        check(
            RequestView {
                has_suffix: true,
                endpoint: Endpoint::Generate,
                ..base()
            },
            50,
            Kind::Quick,
            "rule:fill-in-the-middle",
        );
        check(
            RequestView {
                raw: true,
                ..base()
            },
            50,
            Kind::Quick,
            "rule:raw completion",
        );
        check(
            RequestView {
                num_predict: Some(16),
                ..base()
            },
            300,
            Kind::Quick,
            "rule:short helper call",
        );
        // A long prompt with a small num_predict is real work, not a helper call.
        check(
            RequestView {
                num_predict: Some(16),
                ..base()
            },
            9000,
            Kind::Daily,
            "default",
        );
        check(
            RequestView {
                think: Some(Think::On),
                ..base()
            },
            50,
            Kind::Complex,
            "rule:explicit thinking",
        );
        check(
            RequestView {
                think: Some(Think::Off),
                ..base()
            },
            50,
            Kind::Daily,
            "default",
        );
        for text in [
            "Refactor the parser into modules",
            "how should I architect this?",
            "migrate from tokio 0.2",
            "walk me through it step by step",
            "make a multi-file change",
        ] {
            check(
                RequestView {
                    last_user: Cow::Borrowed(text),
                    ..base()
                },
                50,
                Kind::Complex,
                "rule:architecture work",
            );
        }
    }

    /// Every rule condition, alone in a rule: a request that meets it matches, one that does
    /// not, does not.
    #[test]
    fn every_rule_condition_matches_and_refuses() {
        use crate::config::{Config, Rule, When};
        type Case = (
            &'static str,
            When,
            fn(&mut RequestView<'static>, &mut HeaderMap, &mut u32),
            fn(&mut RequestView<'static>, &mut HeaderMap, &mut u32),
        );
        let w = When::default;
        let cases: Vec<Case> = vec![
            (
                "path",
                When {
                    path: Some("/api/generate".into()),
                    ..w()
                },
                |v, _, _| v.endpoint = Endpoint::Generate,
                |v, _, _| v.endpoint = Endpoint::Chat,
            ),
            (
                "dialect",
                When {
                    dialect: Some("openai".into()),
                    ..w()
                },
                |v, _, _| v.dialect = Dialect::OpenAi,
                |v, _, _| v.dialect = Dialect::Ollama,
            ),
            (
                "client",
                When {
                    client: Some("(?i)aider".into()),
                    ..w()
                },
                |v, _, _| v.client = "Aider/0.86".into(),
                |v, _, _| v.client = "curl/8".into(),
            ),
            (
                "model",
                When {
                    model: Some("qwen*".into()),
                    ..w()
                },
                |v, _, _| v.model = Cow::Borrowed("qwen3:8b"),
                |v, _, _| v.model = Cow::Borrowed("auto"),
            ),
            (
                "min_prompt_tokens",
                When {
                    min_prompt_tokens: Some(1000),
                    ..w()
                },
                |_, _, t| *t = 1500,
                |_, _, t| *t = 500,
            ),
            (
                "max_prompt_tokens",
                When {
                    max_prompt_tokens: Some(1000),
                    ..w()
                },
                |_, _, t| *t = 500,
                |_, _, t| *t = 1500,
            ),
            (
                "max_output_tokens",
                When {
                    max_output_tokens: Some(256),
                    ..w()
                },
                |v, _, _| v.num_predict = Some(100),
                |v, _, _| v.num_predict = Some(1000),
            ),
            (
                "last_user_matches",
                When {
                    last_user_matches: Some("(?i)unit test".into()),
                    ..w()
                },
                |v, _, _| v.last_user = Cow::Borrowed("write a unit test"),
                |v, _, _| v.last_user = Cow::Borrowed("hello"),
            ),
            (
                "system_matches",
                When {
                    system_matches: Some("(?i)reviewer".into()),
                    ..w()
                },
                |v, _, _| v.system = Cow::Borrowed("You are a code reviewer"),
                |v, _, _| v.system = Cow::Borrowed(""),
            ),
            (
                "has_tools",
                When {
                    has_tools: Some(true),
                    ..w()
                },
                |v, _, _| v.has_tools = true,
                |v, _, _| v.has_tools = false,
            ),
            (
                "has_images",
                When {
                    has_images: Some(true),
                    ..w()
                },
                |v, _, _| v.image_count = 1,
                |v, _, _| v.image_count = 0,
            ),
            (
                "has_suffix",
                When {
                    has_suffix: Some(true),
                    ..w()
                },
                |v, _, _| v.has_suffix = true,
                |v, _, _| v.has_suffix = false,
            ),
            (
                "raw",
                When {
                    raw: Some(true),
                    ..w()
                },
                |v, _, _| v.raw = true,
                |v, _, _| v.raw = false,
            ),
            (
                "think",
                When {
                    think: Some(true),
                    ..w()
                },
                |v, _, _| v.think = Some(Think::On),
                |v, _, _| v.think = Some(Think::Off),
            ),
            (
                "header",
                When {
                    header: [("x-task".to_string(), "^review$".to_string())].into(),
                    ..w()
                },
                |_, h, _| {
                    h.insert("x-task", http::HeaderValue::from_static("review"));
                },
                |_, h, _| {
                    h.insert("x-task", http::HeaderValue::from_static("write"));
                },
            ),
        ];
        for (name, when, meet, miss) in cases {
            let config = Config {
                rules: vec![Rule {
                    name: name.into(),
                    when,
                    route: Kind::Complex,
                }],
                ..Config::default()
            };
            let settings = Settings::compile(config, None).unwrap();
            let rule = &settings.rules[0];
            assert_eq!(rule.name, name);
            for (want, edit) in [(true, meet), (false, miss)] {
                let (mut view, mut headers, mut tokens) = (base(), HeaderMap::new(), 50);
                edit(&mut view, &mut headers, &mut tokens);
                assert_eq!(
                    rule_matches(rule, &view, &headers, tokens),
                    want,
                    "{name}: {view:?}"
                );
            }
        }
    }

    #[test]
    fn evidence_order() {
        let s = Settings::defaults();
        let h = HeaderMap::new();
        let hinted = RequestView {
            hint: Some(KindHint {
                kind: Kind::Quick,
                reason: "title".into(),
            }),
            last_user: Cow::Borrowed("refactor"),
            ..base()
        };
        assert_eq!(
            classify(&hinted, &h, 10, &s, Some(Kind::Complex), None).kind,
            Kind::Complex
        );
        assert_eq!(
            classify(&hinted, &h, 10, &s, None, None).reasons,
            vec!["hint:title"]
        );
        assert_eq!(
            classify(&base(), &h, 10, &s, None, Some(Kind::Complex)).kind,
            Kind::Complex
        );
    }

    #[test]
    fn resolves_names() {
        let s = Settings::defaults();
        assert_eq!(resolve_model(&s, "auto"), ModelTarget::Auto);
        assert_eq!(resolve_model(&s, "auto:latest"), ModelTarget::Auto);
        assert_eq!(
            resolve_model(&s, "auto:quick"),
            ModelTarget::Forced(Kind::Quick)
        );
        assert!(matches!(
            resolve_model(&s, "auto:fast"),
            ModelTarget::BadVirtual(_)
        ));
        assert_eq!(
            resolve_model(&s, "claude-3-5-haiku-20241022"),
            ModelTarget::Aliased {
                pattern: "claude-*haiku*".into(),
                kind: Some(Kind::Quick)
            }
        );
        assert_eq!(
            resolve_model(&s, "claude-fable-5"),
            ModelTarget::Aliased {
                pattern: "claude-*".into(),
                kind: None
            }
        );
        assert_eq!(
            resolve_model(&s, "qwen3:8b"),
            ModelTarget::Catalog("qwen3:8b".into())
        );
        assert_eq!(resolve_model(&s, "nomic-embed-text"), ModelTarget::Unknown);
    }

    #[test]
    fn globs() {
        assert!(glob_match("claude-*haiku*", "claude-3-5-haiku-2024"));
        assert!(glob_match("/api/*", "/api/generate"));
        assert!(glob_match("qwen?:8b", "qwen3:8b"));
        assert!(!glob_match("claude-*", "claudia"));
        assert!(glob_match("*", ""));
    }

    #[test]
    fn wording_rules_read_the_ends_of_long_messages() {
        let re = regex::Regex::new(r"(?i)\brefactor\b").unwrap();
        let code = "let x = 1;\n".repeat(2000);
        assert!(matches_ends(&re, &format!("Refactor this:\n{code}")));
        assert!(matches_ends(&re, &format!("{code}\nplease refactor it")));
        // A word buried in the middle of pasted code is not an instruction.
        assert!(!matches_ends(
            &re,
            &format!("{code}// refactor later\n{code}")
        ));
        assert!(matches_ends(&re, "short: refactor"));
        // Multi-byte characters at the window edges do not split.
        let wide = "é".repeat(5000);
        assert!(!matches_ends(&re, &wide));
    }
}
