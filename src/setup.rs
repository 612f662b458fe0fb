//! `ollama-router setup`: finds the GPU, works out which models the profiles need that Ollama
//! lacks and how much disk they take, pulls them through Ollama's `/api/pull` with progress bars,
//! and writes a starter `router.toml` for the GPU when there is no configuration yet.
//!
//! The plan (what to pull, what to write) is computed by pure functions so tests can check it
//! without a terminal; `run` does the I/O around them.

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use futures_util::StreamExt;
use serde::Deserialize;

use crate::cli::SetupArgs;
use crate::config::{self, OverrideUpstream, Overrides, Settings};
use crate::upstream::Upstream;
use router_core::catalog::Catalog;
use router_core::request::Kind;

const GIB: u64 = 1 << 30;

/// One model the profiles name.
#[derive(Clone, Debug, PartialEq)]
pub struct Needed {
    pub name: String,
    /// The profiles that list it.
    pub kinds: Vec<Kind>,
    /// Download size (the catalog's weights); `None` for a model the catalog does not know.
    pub disk_bytes: Option<u64>,
    pub installed: bool,
}

/// Ollama's name matching: a name without a tag means `:latest`.
fn canonical(name: &str) -> String {
    let name = name.trim();
    let last = name.rsplit('/').next().unwrap_or(name);
    if last.contains(':') {
        name.to_string()
    } else {
        format!("{name}:latest")
    }
}

/// Every model the profiles list, in profile order (quick, daily, complex), with what is installed.
pub fn needed_models(settings: &Settings, installed: &HashSet<String>) -> Vec<Needed> {
    let installed: HashSet<String> = installed.iter().map(|n| canonical(n)).collect();
    let mut out: Vec<Needed> = Vec::new();
    for kind in Kind::ALL {
        for name in settings.profile(kind).candidates {
            if let Some(n) = out.iter_mut().find(|n| n.name == name) {
                n.kinds.push(kind);
                continue;
            }
            out.push(Needed {
                disk_bytes: settings.catalog.get(&name).map(|m| m.weights_bytes),
                installed: installed.contains(&canonical(&name)),
                kinds: vec![kind],
                name,
            });
        }
    }
    out
}

/// The default profiles, keeping only models that fit this GPU with room for a context (the
/// weights plus 1 GiB); a profile with nothing that fits keeps its smallest model.
pub fn starter_profiles(catalog: &Catalog, vram_total: u64) -> BTreeMap<Kind, Vec<String>> {
    let defaults = config::Config::default().profiles;
    Kind::ALL
        .into_iter()
        .map(|kind| {
            let all = defaults
                .get(&kind)
                .map(|p| p.candidates.clone())
                .unwrap_or_default();
            let size = |n: &String| catalog.get(n).map_or(u64::MAX, |m| m.weights_bytes);
            let mut fit: Vec<String> = all
                .iter()
                .filter(|n| size(n).saturating_add(GIB) <= vram_total)
                .cloned()
                .collect();
            if fit.is_empty()
                && let Some(smallest) = all.iter().min_by_key(|n| size(n))
            {
                fit.push(smallest.clone());
            }
            (kind, fit)
        })
        .collect()
}

fn toml_size(bytes: u64) -> String {
    if bytes.is_multiple_of(GIB) {
        format!("{}GiB", bytes / GIB)
    } else {
        format!("{}MiB", bytes / (1 << 20))
    }
}

/// A starter `router.toml`: the GPU's memory and the profiles that fit it; everything else stays
/// at the built-in defaults (`ollama-router check` prints them all).
pub fn starter_toml(gpu_name: &str, vram_total: u64, upstream: &str, catalog: &Catalog) -> String {
    let mut s = format!(
        "# Starter configuration written by `ollama-router setup` for {gpu_name} ({:.1} GiB).\n\
         # Every other key keeps its built-in default; `ollama-router check` prints the result.\n\n\
         [upstream]\nurl = {}\n\n\
         [gpu]\n# Used when NVML cannot read the card.\nvram_total = \"{}\"\n",
        vram_total as f64 / GIB as f64,
        toml_string(upstream),
        toml_size(vram_total),
    );
    for (kind, models) in starter_profiles(catalog, vram_total) {
        let list: Vec<String> = models.iter().map(|m| toml_string(m)).collect();
        s.push_str(&format!(
            "\n[profiles.{}]\ncandidates = [{}]\n",
            kind.as_str(),
            list.join(", ")
        ));
    }
    s
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Where the GPU's numbers came from.
struct DetectedGpu {
    name: String,
    total: u64,
    source: &'static str,
}

async fn detect_gpu(upstream: &Upstream, flag: Option<u64>, configured: u64) -> DetectedGpu {
    if let Some(total) = flag {
        return DetectedGpu {
            name: "GPU (--vram)".into(),
            total,
            source: "--vram",
        };
    }
    if let Ok(mut probe) = crate::gpu::NvmlProbe::open()
        && let Ok(v) = crate::gpu::GpuProbe::read(&mut probe)
    {
        return DetectedGpu {
            name: v.name,
            total: v.total,
            source: "nvml",
        };
    }
    if let Ok(v) = crate::gpu::read_sim(upstream).await {
        return DetectedGpu {
            name: v.name,
            total: v.total,
            source: "simulated Ollama",
        };
    }
    DetectedGpu {
        name: "GPU (not detected)".into(),
        total: configured,
        source: "gpu.vram_total; pass --vram to change",
    }
}

/// One line of `/api/pull`'s progress stream.
#[derive(Debug, Default, Deserialize)]
struct PullLine {
    #[serde(default)]
    status: String,
    digest: Option<String>,
    total: Option<u64>,
    completed: Option<u64>,
    error: Option<String>,
}

/// Pulls one model, one progress bar per layer (as `ollama pull` shows them).
async fn pull(
    upstream: &Upstream,
    name: &str,
    bars: &indicatif::MultiProgress,
) -> Result<(), String> {
    let body = serde_json::json!({ "model": name, "stream": true }).to_string();
    let resp = upstream
        .post_json("/api/pull", body.into())
        .await
        .map_err(|e| e.to_string())?;
    if !resp.status().is_success() {
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        return Err(format!("/api/pull answered {status}: {}", text.trim()));
    }
    let style = indicatif::ProgressStyle::with_template(
        "{prefix:>28} {msg:<20} [{bar:30}] {bytes:>10}/{total_bytes:<10} {bytes_per_sec}",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
    .progress_chars("=> ");
    let status_bar = bars.add(indicatif::ProgressBar::new_spinner());
    status_bar.set_prefix(name.to_string());
    let mut layers: BTreeMap<String, indicatif::ProgressBar> = BTreeMap::new();
    let mut stream = resp.bytes_stream();
    let mut buf = Vec::new();
    let mut success = false;
    while let Some(chunk) = stream.next().await {
        buf.extend_from_slice(&chunk.map_err(|e| format!("pull of {name} broke off: {e}"))?);
        while let Some(nl) = buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = buf.drain(..=nl).collect();
            let Ok(p) = serde_json::from_slice::<PullLine>(&line) else {
                continue;
            };
            if let Some(e) = p.error {
                status_bar.abandon_with_message(format!("failed: {e}"));
                return Err(e);
            }
            match (p.digest, p.total) {
                (Some(digest), Some(total)) => {
                    let bar = layers.entry(digest).or_insert_with(|| {
                        let b = bars.add(indicatif::ProgressBar::new(total));
                        b.set_style(style.clone());
                        b.set_prefix(name.to_string());
                        b
                    });
                    bar.set_message(p.status);
                    bar.set_position(p.completed.unwrap_or(0));
                }
                _ => {
                    success |= p.status == "success";
                    status_bar.set_message(p.status);
                }
            }
        }
    }
    for bar in layers.values() {
        bar.finish();
    }
    if success {
        status_bar.finish_with_message("pulled");
        Ok(())
    } else {
        status_bar.abandon_with_message("ended without success");
        Err(format!("the pull of {name} ended without \"success\""))
    }
}

fn default_config_path() -> Option<PathBuf> {
    let dir = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(dir.join("ollama-router").join("router.toml"))
}

fn write_new(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    f.write_all(text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn ask(question: &str) -> bool {
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).is_ok()
        && matches!(answer.trim(), "y" | "Y" | "yes")
}

/// `ollama-router setup`.
#[expect(clippy::print_stdout, reason = "the plan is the command's output")]
pub async fn run(args: SetupArgs) -> ExitCode {
    let found = crate::cli::config_path(args.config.clone());
    let overrides = Overrides {
        upstream: args.upstream.clone().map(|url| OverrideUpstream { url }),
        ..Overrides::default()
    };
    let settings = match config::load_located(found.as_deref(), &overrides) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("ollama-router setup: {e}");
            return ExitCode::from(78);
        }
    };
    let upstream = match Upstream::new(&settings.config.upstream) {
        Ok(u) => u,
        Err(e) => {
            eprintln!("ollama-router setup: {e}");
            return ExitCode::from(78);
        }
    };
    let gpu = detect_gpu(
        &upstream,
        args.vram.map(|v| v.bytes()),
        settings.config.gpu.vram_total.bytes(),
    )
    .await;
    println!(
        "GPU: {} with {:.1} GiB (from {})",
        gpu.name,
        gpu.total as f64 / GIB as f64,
        gpu.source
    );
    // With no configuration yet, the starter one decides what is needed.
    let starter = found
        .is_none()
        .then(|| starter_toml(&gpu.name, gpu.total, upstream.base_url(), &settings.catalog));
    let plan_settings = match &starter {
        Some(text) => match config::from_toml_str(text).and_then(|c| Settings::compile(c, None)) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("ollama-router setup: the starter configuration is invalid: {e}");
                return ExitCode::FAILURE;
            }
        },
        None => settings.clone(),
    };
    let tags: crate::inventory::TagsResponse = match upstream.get_json("/api/tags").await {
        Ok(t) => t,
        Err(e) => {
            eprintln!(
                "ollama-router setup: cannot list Ollama's models: {e}\n\
                 Start Ollama (`ollama serve`) or point at it with --upstream URL."
            );
            return ExitCode::FAILURE;
        }
    };
    let installed: HashSet<String> = tags
        .models
        .iter()
        .filter_map(|m| m.get("name").and_then(|v| v.as_str()).map(str::to_owned))
        .collect();
    let needed = needed_models(&plan_settings, &installed);
    println!(
        "Models the profiles use ({}):",
        found
            .as_ref()
            .map_or("starter configuration".into(), |p| p.display().to_string())
    );
    for n in &needed {
        let kinds: Vec<&str> = n.kinds.iter().map(|k| k.as_str()).collect();
        println!(
            "  {:<36} {:<20} {:>9}  {}",
            n.name,
            kinds.join(", "),
            n.disk_bytes
                .map_or("?".into(), |b| format!("{:.1} GiB", b as f64 / GIB as f64)),
            if n.installed { "installed" } else { "MISSING" }
        );
    }
    let missing: Vec<&Needed> = needed.iter().filter(|n| !n.installed).collect();
    let mut status = ExitCode::SUCCESS;
    if missing.is_empty() {
        println!("Ollama has every model the profiles use.");
    } else {
        let bytes: u64 = missing.iter().filter_map(|n| n.disk_bytes).sum();
        let question = format!(
            "Pull {} model(s), about {:.1} GiB of disk, through {}?",
            missing.len(),
            bytes as f64 / GIB as f64,
            upstream.base_url()
        );
        let go = args.yes || (std::io::stdin().is_terminal() && ask(&question));
        if !go {
            println!("{question} Not pulling: run `ollama-router setup --yes` to pull them.");
        } else {
            let bars = indicatif::MultiProgress::new();
            for n in &missing {
                match pull(&upstream, &n.name, &bars).await {
                    Ok(()) => println!("pulled {}", n.name),
                    Err(e) => {
                        eprintln!("ollama-router setup: could not pull {}: {e}", n.name);
                        status = ExitCode::FAILURE;
                    }
                }
            }
        }
    }
    let target = args
        .write_config
        .clone()
        .or_else(|| starter.as_ref().and_then(|_| default_config_path()));
    if let Some(path) = target {
        let text = starter.clone().unwrap_or_else(|| {
            starter_toml(&gpu.name, gpu.total, upstream.base_url(), &settings.catalog)
        });
        if path.exists() {
            println!(
                "Kept the existing {} (setup never overwrites a configuration).",
                path.display()
            );
        } else {
            match write_new(&path, &text) {
                Ok(()) => println!("Wrote a starter configuration to {}", path.display()),
                Err(e) => {
                    eprintln!("ollama-router setup: {e}");
                    status = ExitCode::FAILURE;
                }
            }
        }
    } else if let Some(p) = &found {
        println!(
            "Using {} (pass --write-config PATH for a starter file).",
            p.display()
        );
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_without_a_tag_mean_latest() {
        assert_eq!(canonical("phi4"), "phi4:latest");
        assert_eq!(canonical("qwen3:8b"), "qwen3:8b");
        assert_eq!(canonical("host:5000/ns/m"), "host:5000/ns/m:latest");
    }

    #[test]
    fn the_starter_config_parses_and_fits_a_small_gpu() {
        let catalog = Settings::compile(config::Config::default(), None)
            .unwrap()
            .catalog;
        let text = starter_toml("Test GPU", 8 * GIB, "http://127.0.0.1:11434", &catalog);
        let settings = Settings::compile(config::from_toml_str(&text).unwrap(), None).unwrap();
        assert_eq!(settings.config.gpu.vram_total.bytes(), 8 * GIB);
        for kind in Kind::ALL {
            let c = settings.profile(kind).candidates;
            assert!(!c.is_empty(), "{kind:?} has a model");
            for m in &c {
                let w = catalog.get(m).unwrap().weights_bytes;
                assert!(w + GIB <= 8 * GIB || c.len() == 1, "{m} fits 8 GiB");
            }
        }
        // A 14B model (~9 GiB) does not fit an 8 GiB card.
        assert!(
            !settings
                .profile(Kind::Complex)
                .candidates
                .contains(&"qwen3:14b".to_string())
        );
    }
}
