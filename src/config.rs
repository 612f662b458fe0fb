//! Configuration loading: built-in defaults → `router.toml` → `OLLAMA_ROUTER_*` environment (`__`
//! nests), handed to the pure [`router_core::config`] for validation and compilation into one
//! immutable [`Settings`] snapshot; hot reload by polling the file.
//!
//! Invariant: this is the only module that reads configuration files or the environment. A bad
//! edit to `router.toml` while running never replaces the last good snapshot; the error names the
//! key and its line.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use arc_swap::ArcSwap;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use regex::Regex;

pub use router_core::config::*;

/// Loads and compiles: defaults → the TOML file (if given) → `OLLAMA_ROUTER_*` env.
pub fn load(path: Option<&Path>) -> Result<Settings, ConfigError> {
    load_with(path, &Overrides::default())
}

/// [`load`], then the command line's overrides.
pub fn load_with(path: Option<&Path>, overrides: &Overrides) -> Result<Settings, ConfigError> {
    let mut figment = Figment::from(Serialized::defaults(Config::default()));
    let mut text = None;
    if let Some(p) = path {
        if !p.exists() {
            return Err(ConfigError::Missing(p.to_path_buf()));
        }
        let t = std::fs::read_to_string(p)
            .map_err(|e| ConfigError::Syntax(format!("{}: {e}", p.display())))?;
        // Parse once ourselves first: toml's syntax errors carry line and column.
        if let Err(e) = t.parse::<toml_edit::DocumentMut>() {
            return Err(ConfigError::Syntax(format!("{}: {e}", p.display())));
        }
        figment = figment.merge(Toml::string(&t));
        text = Some(t);
    }
    figment = figment
        .merge(env_provider())
        .merge(Serialized::defaults(overrides));
    let config: Config = figment
        .extract()
        .map_err(|e| figment_error(e, path, text.as_deref()))?;
    let mut settings =
        Settings::compile(config, path.map(Path::to_path_buf)).map_err(name_env_variable)?;
    settings.source = path.map(Path::to_path_buf);
    Ok(settings)
}

/// A value that fails validation may have come from the environment rather than the file: say so,
/// or the user hunts for a key their file does not contain.
fn name_env_variable(e: ConfigError) -> ConfigError {
    match e {
        ConfigError::Invalid { key, message, .. }
            if std::env::var_os(env_var_name(&key)).is_some() =>
        {
            ConfigError::Invalid {
                file: None,
                key: format!(
                    "{key} (from the environment variable {})",
                    env_var_name(&key)
                ),
                line: None,
                message,
            }
        }
        e => e,
    }
}

/// Parses a TOML text over the defaults (tests, `explain`), without the environment.
pub fn from_toml_str(text: &str) -> Result<Config, ConfigError> {
    Figment::from(Serialized::defaults(Config::default()))
        .merge(Toml::string(text))
        .extract()
        .map_err(|e| figment_error(e, None, Some(text)))
}

/// Like [`load`], but locates validation errors on their line too.
pub fn load_located(path: Option<&Path>, overrides: &Overrides) -> Result<Settings, ConfigError> {
    load_with(path, overrides).map_err(|e| match (e, path) {
        (
            ConfigError::Invalid {
                file,
                key,
                line: None,
                message,
            },
            Some(p),
        ) => {
            let line = std::fs::read_to_string(p)
                .ok()
                .and_then(|t| locate_key(&t, &key));
            ConfigError::Invalid {
                file,
                key,
                line,
                message,
            }
        }
        (e, _) => e,
    })
}

fn env_provider() -> Env {
    const TOP: [&str; 10] = [
        "listen",
        "shutdown_grace",
        "upstream",
        "gpu",
        "routing",
        "profiles",
        "rules",
        "models",
        "aliases",
        "sessions",
    ];
    // Only keys that start with a known section: other OLLAMA_ROUTER_* variables (the CLI's
    // OLLAMA_ROUTER_CONFIG, test switches) are not config keys.
    // figment hands the filter the variable's own case (`LISTEN`, `GPU.SOURCE`) and lowercases
    // keys only afterwards, so compare case-insensitively: a case-sensitive match dropped every
    // variable a user could set.
    Env::prefixed("OLLAMA_ROUTER_").split("__").filter(|k| {
        let k = k.as_str().to_ascii_lowercase();
        TOP.iter()
            .any(|t| k == *t || k.starts_with(&format!("{t}.")))
    })
}

/// The variable that sets a dotted key: `gpu.source` → `OLLAMA_ROUTER_GPU__SOURCE`.
pub fn env_var_name(dotted: &str) -> String {
    format!(
        "OLLAMA_ROUTER_{}",
        dotted.to_ascii_uppercase().replace('.', "__")
    )
}

fn figment_error(e: figment::Error, path: Option<&Path>, text: Option<&str>) -> ConfigError {
    let key = e.path.join(".");
    let from_env = e
        .metadata
        .as_ref()
        .is_some_and(|m| m.name.contains("environment"));
    let message = e.kind.to_string();
    if from_env {
        return ConfigError::Invalid {
            file: None,
            key: format!(
                "{key} (from the environment variable {})",
                env_var_name(&key)
            ),
            line: None,
            message,
        };
    }
    let line = text.and_then(|t| locate_key(t, &key));
    ConfigError::Invalid {
        file: path.map(Path::to_path_buf),
        key,
        line,
        message,
    }
}

/// Finds the 1-based line of a dotted key path in TOML text: walks the document with spans, and
/// falls back to the first `name =` line for paths it cannot follow (array-of-table indices).
pub fn locate_key(text: &str, dotted: &str) -> Option<usize> {
    enum Node<'a> {
        Item(&'a toml_edit::Item),
        Table(&'a toml_edit::Table),
        Value(&'a toml_edit::Value),
    }
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let doc = text.parse::<toml_edit::ImDocument<String>>().ok()?;
    let segments: Vec<&str> = dotted.split('.').filter(|s| !s.is_empty()).collect();
    let mut node = Node::Item(doc.as_item());
    let mut best: Option<usize> = None;
    for seg in &segments {
        let (span, next) = match node {
            Node::Item(toml_edit::Item::Table(t)) | Node::Table(t) => match t.get_key_value(seg) {
                Some((k, v)) => (k.span(), Some(Node::Item(v))),
                None => (None, None),
            },
            Node::Item(toml_edit::Item::ArrayOfTables(a)) => {
                match seg.parse::<usize>().ok().and_then(|i| a.get(i)) {
                    Some(t) => (t.span(), Some(Node::Table(t))),
                    None => (None, None),
                }
            }
            Node::Item(toml_edit::Item::Value(v)) | Node::Value(v) => match v {
                toml_edit::Value::InlineTable(t) => match t.get_key_value(seg) {
                    Some((k, v)) => (k.span(), Some(Node::Item(v))),
                    None => (None, None),
                },
                toml_edit::Value::Array(a) => {
                    match seg.parse::<usize>().ok().and_then(|i| a.get(i)) {
                        Some(v) => (v.span(), Some(Node::Value(v))),
                        None => (None, None),
                    }
                }
                _ => (None, None),
            },
            Node::Item(_) => (None, None),
        };
        best = span.map(|s| s.start).or(best);
        match next {
            Some(n) => node = n,
            None => break,
        }
    }
    if let Some(offset) = best {
        return Some(line_of(offset));
    }
    let last = segments.last()?;
    let pattern = Regex::new(&format!(r#"(?m)^\s*"?{}"?\s*="#, regex::escape(last))).ok()?;
    pattern.find(text).map(|m| line_of(m.start()))
}

/// The live configuration: one atomic pointer swapped on reload.
#[derive(Clone)]
pub struct SettingsShared {
    current: Arc<ArcSwap<Settings>>,
    last_error: Arc<ArcSwap<Option<String>>>,
    overrides: Arc<Overrides>,
}

impl SettingsShared {
    pub fn new(settings: Settings) -> SettingsShared {
        SettingsShared::with_overrides(settings, Overrides::default())
    }

    /// Shared settings whose reloads keep applying the command line's overrides.
    pub fn with_overrides(settings: Settings, overrides: Overrides) -> SettingsShared {
        SettingsShared {
            current: Arc::new(ArcSwap::from_pointee(settings)),
            last_error: Arc::new(ArcSwap::from_pointee(None)),
            overrides: Arc::new(overrides),
        }
    }

    /// The snapshot a request uses for its whole life.
    pub fn load(&self) -> Arc<Settings> {
        self.current.load_full()
    }

    /// The last reload failure, if the newest edit was rejected.
    pub fn last_error(&self) -> Option<String> {
        (*self.last_error.load_full()).clone()
    }

    /// Re-reads the file; on error keeps the current snapshot and records why.
    /// Returns the snapshot that was replaced, so the caller can apply what changed.
    pub fn reload(&self, path: &Path) -> Result<Arc<Settings>, ConfigError> {
        match load_located(Some(path), &self.overrides) {
            Ok(s) => {
                let old = self.current.swap(Arc::new(s));
                self.last_error.store(Arc::new(None));
                Ok(old)
            }
            Err(e) => {
                self.last_error.store(Arc::new(Some(e.to_string())));
                Err(e)
            }
        }
    }

    /// Watches `path` and reloads on change. Polls the modification time: editors save by rename,
    /// which file-event watchers report inconsistently across platforms, and a 1 s poll of one
    /// `stat` costs nothing. After each accepted reload `on_change(old, new)` applies what the
    /// snapshot alone does not (the upstream client, restart warnings).
    pub fn watch(
        &self,
        path: PathBuf,
        on_change: impl Fn(&Settings, &Settings) + Send + 'static,
    ) -> tokio::task::JoinHandle<()> {
        let shared = self.clone();
        tokio::spawn(async move {
            let mtime = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
            let mut seen: Option<SystemTime> = mtime(&path);
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
            loop {
                tick.tick().await;
                let now = mtime(&path);
                if now.is_some() && now != seen {
                    seen = now;
                    match shared.reload(&path) {
                        Ok(old) => {
                            tracing::info!(file = %path.display(), "config reloaded");
                            on_change(&old, &shared.load());
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "config change rejected; keeping the last good config")
                        }
                    }
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use router_core::request::Kind;

    fn write(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
        std::io::Write::write_all(&mut f, text.as_bytes()).unwrap();
        f
    }

    #[test]
    fn file_overrides_defaults() {
        let f = write(
            "[routing]\ncontext_ladder = [8192, 16384]\n[profiles.complex]\ncandidates = [\"qwen3:8b\"]\n[[rules]]\nname = \"x\"\nwhen = { last_user_matches = \"(?i)hard\" }\nroute = \"complex\"\n",
        );
        let s = load(Some(f.path())).unwrap();
        assert_eq!(s.config.routing.context_ladder, vec![8192, 16384]);
        assert_eq!(s.profile(Kind::Complex).candidates, vec!["qwen3:8b"]);
        // Untouched profiles keep their defaults.
        assert_eq!(s.profile(Kind::Daily).candidates[0], "qwen3:8b");
        assert_eq!(s.rules[0].name, "x");
    }

    #[test]
    fn unknown_key_names_key_and_line() {
        let f = write("listen = \"127.0.0.1:11435\"\n\n[gpu]\nvram_totl = \"12GiB\"\n");
        let e = load(Some(f.path())).unwrap_err().to_string();
        assert!(e.contains("vram_totl"), "{e}");
        assert!(e.contains(":4:"), "{e}");
    }

    #[test]
    fn wrong_type_names_key_and_line() {
        let f = write("[routing]\noutput_reserve = \"lots\"\n");
        let e = load(Some(f.path())).unwrap_err().to_string();
        assert!(
            e.contains("routing.output_reserve") && e.contains(":2:"),
            "{e}"
        );
    }

    #[test]
    fn syntax_error_gives_line_and_column() {
        let f = write("[gpu]\nvram_total = \n");
        let e = load(Some(f.path())).unwrap_err().to_string();
        assert!(e.contains("line 2"), "{e}");
    }

    #[test]
    fn bad_regex_is_located() {
        let f = write(
            "[[rules]]\nname = \"broken\"\nwhen = { last_user_matches = \"(unclosed\" }\nroute = \"quick\"\n",
        );
        let e = load_located(Some(f.path()), &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("rules.0.when.last_user_matches") && e.contains(":3:"),
            "{e}"
        );
    }

    #[test]
    fn reload_keeps_last_good() {
        let f = write("[routing]\noutput_reserve = 1000\n");
        let shared = SettingsShared::new(load(Some(f.path())).unwrap());
        std::fs::write(f.path(), "[routing]\noutput_reserve = \"x\"\n").unwrap();
        assert!(shared.reload(f.path()).is_err());
        assert_eq!(shared.load().config.routing.output_reserve, 1000);
        assert!(shared.last_error().unwrap().contains("output_reserve"));
        std::fs::write(f.path(), "[routing]\noutput_reserve = 3000\n").unwrap();
        shared.reload(f.path()).unwrap();
        assert_eq!(shared.load().config.routing.output_reserve, 3000);
        assert!(shared.last_error().is_none());
    }

    #[test]
    fn shipped_router_toml_is_the_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("router.toml");
        let s = load(Some(&path)).unwrap();
        assert_eq!(s.config, Config::default());
    }
}
