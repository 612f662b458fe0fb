//! The README's client commands are the ones `tests/clients/*.sh` run (CI runs those scripts
//! against the router): every word of each command line in the README's "Pointing your tools at
//! it" block must appear in the script its comment names, with the router URL and model filled
//! in. A flag renamed in one place and not the other fails here instead of in a user's terminal.

use std::path::Path;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// The first fenced bash block after `heading`.
fn block_after<'a>(text: &'a str, heading: &str) -> &'a str {
    let start = text
        .find(heading)
        .unwrap_or_else(|| panic!("no {heading:?}"));
    let rest = &text[start..];
    let open = rest.find("```bash\n").expect("a bash block") + "```bash\n".len();
    let len = rest[open..].find("```").expect("the block ends");
    &rest[open..open + len]
}

/// A script's code (comment lines dropped) with its router URL and model variables replaced by
/// what the README shows.
fn normalised(script: &str) -> String {
    let source = read(&format!("tests/clients/{script}"));
    let code: Vec<&str> = source
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect();
    let mut text = code.join("\n").replace('"', "");
    for var in ["${router_url%/}", "$router_url", "${router%/}", "$router"] {
        text = text.replace(var, "ROUTER");
    }
    text.replace("$model", "auto")
}

#[test]
fn readme_client_commands_are_the_ones_the_scripts_run() {
    let readme = read("README.md");
    let block = block_after(&readme, "## Pointing your tools at it");
    let mut script: Option<String> = None;
    let mut checked = 0;
    for line in block.lines() {
        let line = line.trim();
        if let Some(comment) = line.strip_prefix('#') {
            if let Some(name) = comment
                .split("(tests/clients/")
                .nth(1)
                .and_then(|rest| rest.split(')').next())
            {
                script = Some(name.to_owned());
            }
            continue;
        }
        if line.is_empty() {
            continue;
        }
        let name = script
            .as_deref()
            .unwrap_or_else(|| panic!("README line {line:?} names no script"));
        let text = normalised(name);
        let command = line.split("  #").next().unwrap_or(line);
        for word in command.split_whitespace() {
            let word = word
                .replace("http://127.0.0.1:11435", "ROUTER")
                .replace('"', "");
            assert!(
                text.contains(&word),
                "README: `{line}`\n  `{word}` is not in tests/clients/{name}"
            );
        }
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} command lines checked");
}

#[test]
fn readme_says_which_launcher_lines_are_not_run() {
    let readme = read("README.md");
    let launch: Vec<&str> = readme
        .lines()
        .filter(|l| l.contains("ollama launch") && !l.trim_start().starts_with('#'))
        .filter(|l| l.contains("OLLAMA_HOST="))
        .collect();
    assert!(!launch.is_empty());
    for line in launch {
        assert!(line.contains("# not run by the tests"), "{line}");
    }
}
