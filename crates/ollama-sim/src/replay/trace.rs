//! The synthetic coding day: a seeded generator of the requests one developer's tools send to
//! Ollama in a working day.
//!
//! The mix follows `reference/clients.md`: an editor's fill-in-the-middle autocomplete in bursts
//! (Continue style, `/api/generate` with `suffix`), chat questions about pasted files, logs, CSV
//! and lockfiles (OpenCode), agent loops whose history grows turn by turn toward 20–30K tokens
//! (Claude Code via `ollama launch claude`, tools included; its tool results are files, build
//! logs, lockfiles and data), complex refactors across several files, Claude Code's helper calls
//! (session titles, tool-use summaries; they carry the main model's name, as Claude Code does on a
//! non-Anthropic base URL), and Aider turns whose `num_ctx` is `int(tokens × 1.25) + 8192`, so it
//! changes on every request.
//!
//! Several sessions run at once, as on a real desk: an agent loop works in the background while
//! the developer chats and types, and the editor's autocomplete fires between the turns of a chat
//! while its answer is applied. Events are ordered by time, so the sessions interleave.
//!
//! Sizes are drawn in bytes. The simulated Ollama counts them with Qwen's BPE (`sim::tokens`):
//! about 3.4 bytes per token for the filler code and prose, but 1.1–2.3 for pasted logs, CSV and
//! lockfiles, whose shapes come from the tokenizer corpus (`tests/corpus/`), so a paste of the
//! same size is 2–3× the tokens of prose.
//!
//! Pure: the same seed and length always give the same trace. Message texts are shared between
//! the turns of a conversation through `Arc<str>`, so a day of growing agent histories stays small
//! in memory.

use std::sync::Arc;

use serde_json::{Map, Value, json};

/// What the developer was doing when the request was sent. Decides the answer length and which
/// of the seed's grades (engine or agentic) scores the model that served it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Activity {
    Autocomplete,
    Chat,
    AgentTurn,
    Refactor,
    Helper,
    AiderEdit,
    AiderCommit,
}

impl Activity {
    pub const ALL: [Activity; 7] = [
        Activity::Autocomplete,
        Activity::Chat,
        Activity::AgentTurn,
        Activity::Refactor,
        Activity::Helper,
        Activity::AiderEdit,
        Activity::AiderCommit,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Activity::Autocomplete => "autocomplete (FIM)",
            Activity::Chat => "chat question",
            Activity::AgentTurn => "agent turn",
            Activity::Refactor => "complex refactor",
            Activity::Helper => "Claude Code helper",
            Activity::AiderEdit => "Aider edit",
            Activity::AiderCommit => "Aider commit message",
        }
    }

    /// Planning and multi-step work is graded by the seed's agentic task; writing code by engine.
    pub fn graded_agentic(self) -> bool {
        matches!(self, Activity::AgentTurn | Activity::Refactor)
    }
}

/// The client tool that sent a request (its User-Agent and session header).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Client {
    Continue,
    OpenCode,
    ClaudeCode,
    Aider,
}

impl Client {
    pub fn user_agent(self) -> &'static str {
        match self {
            Client::Continue => "node-fetch",
            Client::OpenCode => "opencode/1.18.33 ai-sdk/openai-compatible",
            Client::ClaudeCode => "claude-cli/2.1.330 (external, cli)",
            Client::Aider => "litellm/1.74.0",
        }
    }

    /// The header that carries the client's session id, if the client sends one.
    pub fn session_header(self) -> Option<&'static str> {
        match self {
            Client::OpenCode => Some("x-session-id"),
            Client::ClaudeCode => Some("x-claude-code-session-id"),
            Client::Continue | Client::Aider => None,
        }
    }
}

/// The models the developer configured in each tool (what a plain Ollama setup serves).
pub const AUTOCOMPLETE_MODEL: &str = "qwen2.5-coder:7b";
pub const CHAT_MODEL: &str = "qwen3:8b";
pub const AGENT_MODEL: &str = "qwen3:14b";
pub const AIDER_MODEL: &str = "qwen2.5-coder:14b-instruct-q4_K_M";

/// One chat message; texts are shared between the turns of a conversation.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub role: &'static str,
    pub content: Arc<str>,
    /// For assistant tool calls and `tool_name` of tool results.
    pub tool_call: Option<Arc<str>>,
}

impl Message {
    fn new(role: &'static str, content: Arc<str>) -> Message {
        Message {
            role,
            content,
            tool_call: None,
        }
    }
}

/// The two native generation endpoints clients use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    Chat,
    Generate,
}

impl Endpoint {
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::Chat => "/api/chat",
            Endpoint::Generate => "/api/generate",
        }
    }
}

/// A native request as the client sends it, before any policy touches it.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientRequest {
    pub endpoint: Endpoint,
    pub model: &'static str,
    pub messages: Vec<Message>,
    /// `/api/generate` only.
    pub prompt: Option<Arc<str>>,
    pub suffix: Option<Arc<str>>,
    pub tools: Option<Arc<Value>>,
    /// `options` exactly as the client sends them (Aider's `num_ctx` included).
    pub options: Map<String, Value>,
    pub stream: bool,
}

/// How a policy sets the context size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumCtx {
    /// Leave `options` as the client sent them.
    AsSent,
    /// Overwrite `options.num_ctx`.
    Set(u32),
}

impl ClientRequest {
    /// The JSON body with `model` and `num_ctx` as a policy wants them.
    pub fn body(&self, model: &str, num_ctx: NumCtx) -> Vec<u8> {
        let mut options = self.options.clone();
        if let NumCtx::Set(n) = num_ctx {
            options.insert("num_ctx".into(), json!(n));
        }
        let mut body = Map::new();
        body.insert("model".into(), json!(model));
        match self.endpoint {
            Endpoint::Chat => {
                let messages: Vec<Value> = self.messages.iter().map(message_json).collect();
                body.insert("messages".into(), Value::Array(messages));
                if let Some(tools) = &self.tools {
                    body.insert("tools".into(), (**tools).clone());
                }
            }
            Endpoint::Generate => {
                body.insert("prompt".into(), json!(self.prompt.as_deref().unwrap_or("")));
                if let Some(suffix) = &self.suffix {
                    body.insert("suffix".into(), json!(&**suffix));
                }
            }
        }
        if !options.is_empty() {
            body.insert("options".into(), Value::Object(options));
        }
        body.insert("stream".into(), json!(self.stream));
        serde_json::to_vec(&Value::Object(body)).unwrap_or_default()
    }

    /// Prompt tokens as the simulator counts them (Qwen's BPE over the rendered template, before
    /// any truncation; tools and the assistant prefix left out).
    pub fn sim_prompt_tokens(&self) -> u64 {
        use crate::sim::tokens::{ChatPart, generate_tokens, message_tokens};
        match self.endpoint {
            Endpoint::Chat => self
                .messages
                .iter()
                .map(|m| {
                    message_tokens(&ChatPart {
                        role: m.role,
                        content: &m.content,
                        ..ChatPart::default()
                    })
                })
                .sum(),
            Endpoint::Generate => generate_tokens(
                self.prompt.as_deref().unwrap_or(""),
                "",
                self.suffix.as_deref().unwrap_or(""),
                false,
                0,
            ),
        }
    }
}

fn message_json(m: &Message) -> Value {
    let mut v = json!({"role": m.role, "content": &*m.content});
    if let Some(tool) = &m.tool_call {
        match m.role {
            "assistant" => {
                v["tool_calls"] =
                    json!([{"function": {"name": &**tool, "arguments": {"path": "src/lib.rs"}}}]);
            }
            _ => v["tool_name"] = json!(&**tool),
        }
    }
    v
}

/// One request of the day.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Simulated time since the start of the day, in milliseconds.
    pub at_ms: u64,
    pub activity: Activity,
    pub client: Client,
    /// The client's session id (sent in its session header, if it has one).
    pub session: String,
    pub request: ClientRequest,
    /// Length of the answer a real model would write here; the simulator's own answers are a few
    /// words, so latency is computed from its per-token time and this length.
    pub output_tokens: u32,
}

/// A file being edited: what autocomplete sends as prefix and suffix.
struct Editing {
    session: String,
    before: String,
    after: Arc<str>,
}

/// Dense text a developer pastes, from the tokenizer corpus: each paste is a seeded window of its
/// lines (after the file's header), so no two pastes are alike.
const LOG: &str = include_str!("../../tests/corpus/log_router.log");
const CSV: &str = include_str!("../../tests/corpus/data_metrics.csv");
const CARGO_LOCK: &str = include_str!("../../tests/corpus/lock_cargo.lock");
const PACKAGE_LOCK: &str = include_str!("../../tests/corpus/lock_package.json");

/// The kinds of dense paste.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paste {
    /// A service or build log.
    Log,
    /// Metrics as CSV, with the header row.
    Csv,
    /// `Cargo.lock`.
    CargoLock,
    /// npm's `package-lock.json`.
    PackageLock,
}

impl Paste {
    /// The corpus text and how many of its first lines are a header every paste keeps.
    fn source(self) -> (&'static str, usize) {
        match self {
            Paste::Log => (LOG, 0),
            Paste::Csv => (CSV, 1),
            Paste::CargoLock => (CARGO_LOCK, 3),
            Paste::PackageLock => (PACKAGE_LOCK, 4),
        }
    }
}

/// The kinds of episode a day is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Episode {
    AutocompleteBurst,
    Chat,
    AgentLoop,
    Refactor,
    Aider,
}

const EPISODES: [Episode; 5] = [
    Episode::AutocompleteBurst,
    Episode::Chat,
    Episode::AgentLoop,
    Episode::Refactor,
    Episode::Aider,
];

/// Generates `requests` events from `seed`. The first five episodes are one of each kind (in a
/// seeded order), so even a short trace exercises every client; the rest are drawn with weights
/// that make autocomplete the most frequent and refactors the rarest.
pub fn generate(seed: u64, requests: usize) -> Vec<Event> {
    let mut g = Gen {
        rng: fastrand::Rng::with_seed(seed),
        events: Vec::with_capacity(requests),
        now_ms: 0,
        sessions: 0,
        limit: requests,
    };
    let mut first = EPISODES;
    g.rng.shuffle(&mut first);
    let mut n = 0;
    // Episodes are generated one after another, but an agent loop runs in the background: the
    // developer returns to the editor and chat soon after starting it, so its turns interleave
    // with what follows (several sessions at once). The day is sorted by time at the end.
    let mut agent_started = false;
    while g.events.len() < requests {
        let episode = if n < first.len() {
            first[n]
        } else {
            match g.rng.u32(0..100) {
                0..35 => Episode::AutocompleteBurst,
                35..60 => Episode::Chat,
                60..77 => Episode::AgentLoop,
                77..87 => Episode::Refactor,
                _ => Episode::Aider,
            }
        };
        n += 1;
        // Between episodes: reading, typing, meetings; none right after starting an agent.
        if !agent_started {
            g.now_ms += g.rng.u64(20_000..600_000);
        }
        agent_started = episode == Episode::AgentLoop;
        match episode {
            Episode::AutocompleteBurst => g.autocomplete_burst(),
            Episode::Chat => g.chat(),
            Episode::AgentLoop => {
                let started = g.now_ms;
                g.agent_loop();
                g.now_ms = started + g.rng.u64(10_000..90_000);
            }
            Episode::Refactor => g.refactor(),
            Episode::Aider => g.aider(),
        }
    }
    // Stable: events at the same moment keep their order within a session.
    g.events.sort_by_key(|e| e.at_ms);
    g.events.truncate(requests);
    g.events
}

struct Gen {
    rng: fastrand::Rng,
    events: Vec<Event>,
    now_ms: u64,
    sessions: u64,
    limit: usize,
}

/// Identifiers and keywords for the filler code. None of them is a word the router's rules react
/// to (refactor, design, migrate, ...): only the prompts written below decide the kind.
const WORDS: [&str; 40] = [
    "buffer", "parse", "token", "index", "cursor", "render", "layout", "widget", "cache", "entry",
    "config", "handle", "stream", "frame", "packet", "header", "client", "server", "query",
    "result", "value", "record", "schema", "table", "column", "filter", "window", "event", "queue",
    "worker", "task", "timer", "retry", "limit", "batch", "chunk", "range", "offset", "length",
    "status",
];

impl Gen {
    fn full(&self) -> bool {
        self.events.len() >= self.limit
    }

    /// The answer length of `session`'s latest request (what the assistant wrote back).
    fn last_output(&self, session: &str, default: u32) -> u32 {
        self.events
            .iter()
            .rev()
            .find(|e| e.session == session)
            .map_or(default, |e| e.output_tokens)
    }

    fn session(&mut self, prefix: &str) -> String {
        self.sessions += 1;
        format!("{prefix}-{:04}", self.sessions)
    }

    fn word(&mut self) -> &'static str {
        WORDS[self.rng.usize(0..WORDS.len())]
    }

    /// A length drawn from `tokens` simulator tokens (4 bytes each) of plausible Rust.
    fn code(&mut self, tokens: std::ops::Range<u32>) -> Arc<str> {
        let target = self.rng.u32(tokens) as usize * 4;
        let mut s = String::with_capacity(target + 96);
        while s.len() < target {
            let (a, b, c) = (self.word(), self.word(), self.word());
            match self.rng.u32(0..4) {
                0 => s.push_str(&format!(
                    "pub fn {a}_{b}(&mut self, {c}: usize) -> Result<{}, Error> {{\n",
                    cap(a)
                )),
                1 => s.push_str(&format!("    let {a} = self.{b}.{c}({a}_len)?;\n")),
                2 => s.push_str(&format!(
                    "    if {a}.{b}() > {} {{ return Err(Error::{}); }}\n",
                    self.rng.u32(1..4096),
                    cap(c)
                )),
                _ => s.push_str(&format!(
                    "    // keep the {a} {b} in sync with the {c}\n}}\n"
                )),
            }
        }
        s.truncate(target);
        Arc::from(s)
    }

    /// A length drawn from `tokens` tokens of English instructions (a system prompt).
    fn prose(&mut self, tokens: std::ops::Range<u32>, opening: &str) -> Arc<str> {
        let target = self.rng.u32(tokens) as usize * 4;
        let mut s = String::with_capacity(target + 96);
        s.push_str(opening);
        while s.len() < target {
            let (a, b) = (self.word(), self.word());
            s.push_str(&format!(
                " Keep every {a} consistent with its {b} and explain changes briefly."
            ));
        }
        s.truncate(target.max(opening.len()));
        Arc::from(s)
    }

    /// A seeded window of whole lines of a corpus file, about `bytes` long, after the file's
    /// header (wrapping around at its end).
    fn paste(&mut self, kind: Paste, bytes: std::ops::Range<usize>) -> String {
        let (source, header) = kind.source();
        let lines: Vec<&str> = source.lines().collect();
        let target = self.rng.usize(bytes);
        let mut s = String::with_capacity(target + 256);
        for line in &lines[..header] {
            s.push_str(line);
            s.push('\n');
        }
        let mut i = self.rng.usize(header..lines.len());
        while s.len() < target {
            s.push_str(lines[i]);
            s.push('\n');
            i = if i + 1 < lines.len() { i + 1 } else { header };
        }
        s
    }

    /// The developer types in the editor for `gap_ms` (reading an answer, applying it): a few
    /// autocomplete requests inside that time, without moving the episode's clock.
    fn typing(&mut self, gap_ms: u64) {
        let resume = self.now_ms;
        let mut file = self.open_file("fim");
        for _ in 0..self.rng.u32(2..6) {
            self.now_ms += self.rng.u64(300..3000);
            if self.now_ms >= resume + gap_ms {
                break;
            }
            self.fim_request(&mut file);
        }
        self.now_ms = resume;
    }

    fn push(
        &mut self,
        activity: Activity,
        client: Client,
        session: &str,
        request: ClientRequest,
        output_tokens: u32,
    ) {
        if self.full() {
            return;
        }
        self.events.push(Event {
            at_ms: self.now_ms,
            activity,
            client,
            session: session.to_string(),
            request,
            output_tokens,
        });
    }

    /// Continue's autocomplete: FIM on `/api/generate`, a request every keystroke pause.
    fn autocomplete_burst(&mut self) {
        let mut file = self.open_file("fim");
        for _ in 0..self.rng.u32(4..13) {
            self.now_ms += self.rng.u64(300..3000);
            self.fim_request(&mut file);
        }
    }

    /// A file the developer starts typing in: the code before the cursor and after it.
    fn open_file(&mut self, prefix: &str) -> Editing {
        Editing {
            session: self.session(prefix),
            before: self.code(300..1500).to_string(),
            after: self.code(100..600),
        }
    }

    /// One fill-in-the-middle request after the next keystroke pause: the code typed since the
    /// last one joins the prefix, so consecutive requests share all but their last few tokens
    /// (Continue sends no session id; the burst is labelled for the report).
    fn fim_request(&mut self, file: &mut Editing) {
        let typed = self.code(3..15);
        file.before.push_str(&typed);
        let request = ClientRequest {
            endpoint: Endpoint::Generate,
            model: AUTOCOMPLETE_MODEL,
            messages: Vec::new(),
            prompt: Some(Arc::from(file.before.as_str())),
            suffix: Some(file.after.clone()),
            tools: None,
            options: options(&[("temperature", json!(0.01)), ("num_predict", json!(128))]),
            stream: true,
        };
        let out = self.rng.u32(10..80);
        let session = file.session.clone();
        self.push(
            Activity::Autocomplete,
            Client::Continue,
            &session,
            request,
            out,
        );
    }

    /// The first question of a chat: files, or a pasted log, CSV or lockfile with a question
    /// about it.
    fn question(&mut self) -> String {
        let (a, b, c) = (self.word(), self.word(), self.word());
        match self.rng.u32(0..100) {
            0..30 => format!(
                "The service fails since this morning. Here is the log:\n```\n{}```\nWhy does the {a} {b} answer status 500?",
                self.paste(Paste::Log, 2_000..24_000)
            ),
            30..42 => format!(
                "{}\nThese are last night's metrics as CSV. Which model has the slowest {a} per {b}?",
                self.paste(Paste::Csv, 2_000..16_000)
            ),
            42..50 => format!(
                "After updating dependencies, `cargo build` picks old versions. My Cargo.lock:\n```toml\n{}```\nWhich crate pins the old {a} {b}?",
                self.paste(Paste::CargoLock, 3_000..20_000)
            ),
            50..55 => format!(
                "npm ci fails on the CI machine. package-lock.json:\n```json\n{}```\nWhich package pulls in the {a} {b}?",
                self.paste(Paste::PackageLock, 3_000..16_000)
            ),
            _ => format!(
                "{}\n\nWhy does the {a} {b} return an error when the {c} is empty?",
                self.code(800..7000)
            ),
        }
    }

    /// What a Claude Code tool returns: build and test logs from Bash, a file (sometimes a
    /// lockfile or a data file) from Read, matching lines from Grep.
    fn tool_result(&mut self, tool: &str) -> Arc<str> {
        match (tool, self.rng.u32(0..10)) {
            ("Bash", _) => Arc::from(self.paste(Paste::Log, 1_000..8_000)),
            ("Read", 0) => Arc::from(self.paste(Paste::CargoLock, 2_000..10_000)),
            ("Read", 1) => Arc::from(self.paste(Paste::Csv, 1_000..6_000)),
            ("Read", 2) => Arc::from(self.paste(Paste::PackageLock, 2_000..8_000)),
            _ => self.code(400..3000),
        }
    }

    /// A question about one or more pasted files, with a follow-up or two.
    fn chat(&mut self) {
        let session = self.session("chat");
        let system = self.prose(400..900, "You are a helpful coding assistant.");
        let question = self.question();
        let mut messages = vec![
            Message::new("system", system),
            Message::new("user", Arc::from(question)),
        ];
        for turn in 0..self.rng.u32(1..4) {
            if turn > 0 {
                let gap = self.rng.u64(20_000..120_000);
                self.typing(gap);
                self.now_ms += gap;
                let answer_tokens = self.last_output(&session, 300);
                messages.push(Message::new(
                    "assistant",
                    self.prose(answer_tokens..answer_tokens + 1, "The error comes from"),
                ));
                let follow_up = format!(
                    "And how do I test the {} {} path?",
                    self.word(),
                    self.word()
                );
                messages.push(Message::new("user", Arc::from(follow_up)));
            }
            let request = chat_request(CHAT_MODEL, messages.clone(), None, Map::new(), true);
            let out = self.rng.u32(200..700);
            self.push(Activity::Chat, Client::OpenCode, &session, request, out);
        }
    }

    /// Claude Code on `qwen3:14b`: a title helper call, then tool-calling turns whose history
    /// grows with every tool result, then a tool-use summary helper call.
    fn agent_loop(&mut self) {
        let session = self.session("cc");
        let task = format!(
            "Add a {} option to the {} {} and make the tests pass.",
            self.word(),
            self.word(),
            self.word()
        );
        let title_system = self.prose(60..61,
            "Generate a concise, sentence-case title (3-7 words) that captures the main topic of this coding session.",
        );
        let title = chat_request(
            AGENT_MODEL,
            vec![
                Message::new("system", title_system),
                Message::new("user", Arc::from(task.as_str())),
            ],
            None,
            options(&[("num_predict", json!(128))]),
            false,
        );
        let out = self.rng.u32(6..14);
        self.push(Activity::Helper, Client::ClaudeCode, &session, title, out);

        let system = self.prose(
            2200..2800,
            "You are Claude Code, an interactive CLI tool that helps users with software engineering tasks.",
        );
        let tools = Arc::new(self.tools(12));
        let mut messages = vec![
            Message::new("system", system),
            Message::new("user", Arc::from(task)),
        ];
        let agent_options = options(&[("num_predict", json!(32000))]);
        for _ in 0..self.rng.u32(8..15) {
            let request = chat_request(
                AGENT_MODEL,
                messages.clone(),
                Some(tools.clone()),
                agent_options.clone(),
                true,
            );
            let out = self.rng.u32(80..400);
            self.push(
                Activity::AgentTurn,
                Client::ClaudeCode,
                &session,
                request,
                out,
            );
            // The model called a tool; the tool ran; its output joins the history.
            let tool = ["Read", "Grep", "Bash", "Edit"][self.rng.usize(0..4)];
            let mut call = Message::new(
                "assistant",
                Arc::from(format!("Let me look at the {}.", self.word())),
            );
            call.tool_call = Some(Arc::from(tool));
            messages.push(call);
            let mut result = Message::new("tool", self.tool_result(tool));
            result.tool_call = Some(Arc::from(tool));
            messages.push(result);
            // The model writes its answer, the tool runs, the next turn goes out.
            self.now_ms += self.rng.u64(10_000..60_000);
        }

        let summary_system = self.prose(
            60..61,
            "Summarize what these tool calls did in one short sentence.",
        );
        let recent = self.code(600..1300);
        let summary = chat_request(
            AGENT_MODEL,
            vec![
                Message::new("system", summary_system),
                Message::new("user", recent),
            ],
            None,
            options(&[("num_predict", json!(256))]),
            false,
        );
        let out = self.rng.u32(20..60);
        self.push(Activity::Helper, Client::ClaudeCode, &session, summary, out);
    }

    /// Claude Code's tool schemas are long; twelve of about 250 tokens each.
    fn tools(&mut self, count: usize) -> Value {
        let names = [
            "Read",
            "Write",
            "Edit",
            "Grep",
            "Glob",
            "Bash",
            "LS",
            "Task",
            "TodoWrite",
            "WebFetch",
            "NotebookEdit",
            "MultiEdit",
        ];
        let tools: Vec<Value> = names
            .iter()
            .take(count)
            .map(|name| {
                let description = self.prose(
                    230..231,
                    &format!("{name}: use this tool to work with the project files."),
                );
                json!({"type": "function", "function": {
                    "name": name,
                    "description": &*description,
                    "parameters": {"type": "object", "required": ["path"], "properties": {
                        "path": {"type": "string", "description": "Absolute path"},
                        "limit": {"type": "integer", "description": "Lines to read"}
                    }}
                }})
            })
            .collect();
        Value::Array(tools)
    }

    /// A large change across several files.
    fn refactor(&mut self) {
        let session = self.session("chat");
        let system = self.prose(
            700..1100,
            "You are a senior engineer reviewing and changing code.",
        );
        let mut files = String::new();
        for _ in 0..self.rng.u32(2..5) {
            files.push_str(&self.code(1500..3500));
            files.push('\n');
        }
        let ask = format!(
            "{files}\nRefactor the {} {} into separate modules across these files and keep the public API.",
            self.word(),
            self.word()
        );
        let mut messages = vec![
            Message::new("system", system),
            Message::new("user", Arc::from(ask)),
        ];
        for turn in 0..self.rng.u32(1..3) {
            if turn > 0 {
                let gap = self.rng.u64(60_000..300_000);
                self.typing(gap);
                self.now_ms += gap;
                let answer_tokens = self.last_output(&session, 1000);
                messages.push(Message::new(
                    "assistant",
                    self.code(answer_tokens..answer_tokens + 1),
                ));
                messages.push(Message::new(
                    "user",
                    Arc::from("Now refactor the tests the same way."),
                ));
            }
            let request = chat_request(CHAT_MODEL, messages.clone(), None, Map::new(), true);
            let out = self.rng.u32(900..2000);
            self.push(Activity::Refactor, Client::OpenCode, &session, request, out);
        }
    }

    /// Aider: edit turns with a repo map and the files in the chat, each followed by a commit
    /// message request; `num_ctx` is recomputed from the prompt size every time.
    fn aider(&mut self) {
        let session = self.session("aider");
        let system = self.prose(
            1000..1400,
            "Act as an expert software developer. Always use best practices.",
        );
        let repo_map = self.code(1024..1025);
        let files = self.code(2000..6000);
        let mut history: Vec<Message> = Vec::new();
        for _ in 0..self.rng.u32(3..7) {
            self.now_ms += self.rng.u64(30_000..180_000);
            let ask = format!(
                "Change the {} {} so that it handles a missing {}.",
                self.word(),
                self.word(),
                self.word()
            );
            let mut messages = vec![
                Message::new("system", system.clone()),
                Message::new("user", repo_map.clone()),
                Message::new(
                    "assistant",
                    Arc::from("Ok, I will keep the repository map in mind."),
                ),
                Message::new("user", files.clone()),
                Message::new(
                    "assistant",
                    Arc::from("Ok, any changes I propose will be to those files."),
                ),
            ];
            messages.extend(history.iter().cloned());
            messages.push(Message::new("user", Arc::from(ask.as_str())));
            let request = aider_request(messages);
            let out = self.rng.u32(300..1200);
            self.push(Activity::AiderEdit, Client::Aider, &session, request, out);
            let diff = self.code(out..out + 1);
            history.push(Message::new("user", Arc::from(ask)));
            history.push(Message::new("assistant", diff.clone()));

            let commit_system = self.prose(200..201, "You are an expert software engineer that generates concise, one-line Git commit messages.");
            let commit = aider_request(vec![
                Message::new("system", commit_system),
                Message::new("user", diff),
            ]);
            let out = self.rng.u32(15..40);
            self.push(Activity::AiderCommit, Client::Aider, &session, commit, out);
        }
    }
}

fn cap(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

fn options(pairs: &[(&str, Value)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), v.clone()))
        .collect()
}

fn chat_request(
    model: &'static str,
    messages: Vec<Message>,
    tools: Option<Arc<Value>>,
    options: Map<String, Value>,
    stream: bool,
) -> ClientRequest {
    ClientRequest {
        endpoint: Endpoint::Chat,
        model,
        messages,
        prompt: None,
        suffix: None,
        tools,
        options,
        stream,
    }
}

/// litellm's Ollama chat request for Aider: `temperature 0` and `num_ctx = int(tokens × 1.25) + 8192`.
fn aider_request(messages: Vec<Message>) -> ClientRequest {
    let mut request = chat_request(
        AIDER_MODEL,
        messages,
        None,
        options(&[("temperature", json!(0))]),
        true,
    );
    let tokens = request.sim_prompt_tokens();
    let num_ctx = (tokens as f64 * 1.25) as u64 + 8192;
    request.options.insert("num_ctx".into(), json!(num_ctx));
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_day() {
        let a = generate(7, 120);
        let b = generate(7, 120);
        assert_eq!(a, b);
        assert_ne!(a, generate(8, 120));
        assert_eq!(a.len(), 120);
    }

    #[test]
    fn a_short_day_still_has_every_client() {
        let day = generate(1, 60);
        for activity in [
            Activity::Autocomplete,
            Activity::Chat,
            Activity::AgentTurn,
            Activity::Refactor,
            Activity::Helper,
            Activity::AiderEdit,
            Activity::AiderCommit,
        ] {
            assert!(
                day.iter().any(|e| e.activity == activity),
                "{activity:?} missing"
            );
        }
        assert!(
            day.windows(2).all(|w| w[0].at_ms <= w[1].at_ms),
            "time goes forward"
        );
    }

    #[test]
    fn agent_histories_grow_toward_30k_tokens() {
        let day = generate(3, 600);
        let largest = day
            .iter()
            .filter(|e| e.activity == Activity::AgentTurn)
            .map(|e| e.request.sim_prompt_tokens())
            .max()
            .unwrap();
        assert!((18_000..40_000).contains(&largest), "{largest}");
        let first_turns: Vec<u64> = day
            .iter()
            .filter(|e| e.activity == Activity::AgentTurn)
            .take(3)
            .map(|e| e.request.sim_prompt_tokens())
            .collect();
        assert!(
            first_turns.windows(2).all(|w| w[0] < w[1]),
            "{first_turns:?}"
        );
    }

    #[test]
    fn aider_changes_num_ctx_every_request() {
        let day = generate(5, 600);
        let ctxs: Vec<u64> = day
            .iter()
            .filter(|e| e.client == Client::Aider)
            .filter_map(|e| e.request.options.get("num_ctx").and_then(Value::as_u64))
            .collect();
        assert!(ctxs.len() > 4);
        assert!(ctxs.windows(2).all(|w| w[0] != w[1]), "{ctxs:?}");
    }

    #[test]
    fn bodies_set_model_and_context_as_asked() {
        let day = generate(2, 30);
        let event = day.iter().find(|e| e.client == Client::Aider).unwrap();
        let sent: Value = serde_json::from_slice(&event.request.body("m", NumCtx::AsSent)).unwrap();
        assert_eq!(sent["model"], "m");
        assert_eq!(sent["options"]["num_ctx"], event.request.options["num_ctx"]);
        let fixed: Value =
            serde_json::from_slice(&event.request.body("qwen3:8b", NumCtx::Set(16384))).unwrap();
        assert_eq!(fixed["options"]["num_ctx"], 16384);
        assert_eq!(fixed["options"]["temperature"], 0);
    }

    fn tokens_per_byte(text: &str) -> f64 {
        crate::sim::tokens::text_tokens(text) as f64 / text.len() as f64
    }

    /// Pasted logs, CSV and lockfiles are dense: 2–3× (or more) the tokens of prose per byte.
    #[test]
    fn pastes_are_two_to_three_times_denser_than_prose() {
        let mut g = Gen {
            rng: fastrand::Rng::with_seed(11),
            events: Vec::new(),
            now_ms: 0,
            sessions: 0,
            limit: 0,
        };
        let prose = tokens_per_byte(&g.prose(2000..2001, "You are a helpful coding assistant."));
        for kind in [Paste::Log, Paste::Csv, Paste::CargoLock, Paste::PackageLock] {
            let paste = g.paste(kind, 8_000..8_001);
            assert!(paste.len() >= 8_000);
            let ratio = tokens_per_byte(&paste) / prose;
            assert!(ratio >= 2.0, "{kind:?}: {ratio:.2}× prose");
            // A window of the corpus, whole lines, header first.
            assert!(paste.ends_with('\n'));
            let (source, header) = kind.source();
            let first = source
                .lines()
                .take(header.max(1))
                .collect::<Vec<_>>()
                .join("\n");
            if header > 0 {
                assert!(paste.starts_with(&first), "{kind:?}");
            }
        }
        // Seeded windows: two pastes differ.
        assert_ne!(
            g.paste(Paste::Log, 4_000..4_001),
            g.paste(Paste::Log, 4_000..4_001)
        );
    }

    /// Chats and agent loops carry pasted logs, CSV and lockfiles.
    #[test]
    fn the_day_has_pasted_logs_csv_and_lockfiles() {
        let day = generate(0x85b6_3128_53eb_1bd8, 600);
        let contains = |activity: Activity, needle: &str| {
            day.iter().any(|e| {
                e.activity == activity
                    && e.request
                        .messages
                        .iter()
                        .any(|m| m.content.contains(needle))
            })
        };
        // A log line, a CSV row, a Cargo.lock entry, a package-lock entry: each in a chat
        // question or an agent's tool result, and logs in both.
        for needle in [
            "Z INFO  router::",
            ",qwen3:",
            "[[package]]",
            "\"resolved\": \"https://registry.npmjs.org/",
        ] {
            assert!(
                contains(Activity::Chat, needle) || contains(Activity::AgentTurn, needle),
                "no paste with {needle}"
            );
        }
        assert!(contains(Activity::Chat, "Z INFO  router::"));
        assert!(contains(Activity::AgentTurn, "Z INFO  router::"));
    }

    /// Sessions run at once: autocomplete fires between the turns of a chat, and an agent loop's
    /// turns interleave with other clients' requests.
    #[test]
    fn sessions_interleave_as_on_a_real_desk() {
        let day = generate(0x85b6_3128_53eb_1bd8, 600);
        let span = |session: &str| {
            let first = day.iter().position(|e| e.session == session).unwrap();
            let last = day.iter().rposition(|e| e.session == session).unwrap();
            (first, last)
        };
        let sessions = |prefix: &str| {
            let mut names: Vec<&str> = day
                .iter()
                .filter(|e| e.session.starts_with(prefix))
                .map(|e| e.session.as_str())
                .collect();
            names.dedup();
            names
        };
        let chats_with_autocomplete = sessions("chat-")
            .into_iter()
            .filter(|s| {
                let (first, last) = span(s);
                day[first..last]
                    .iter()
                    .any(|e| e.activity == Activity::Autocomplete)
            })
            .count();
        assert!(chats_with_autocomplete >= 5, "{chats_with_autocomplete}");
        let agents_beside_others = sessions("cc-")
            .into_iter()
            .filter(|s| {
                let (first, last) = span(s);
                let others: std::collections::BTreeSet<&str> = day[first..last]
                    .iter()
                    .filter(|e| e.client != Client::ClaudeCode)
                    .map(|e| e.session.as_str())
                    .collect();
                others.len() >= 2
            })
            .count();
        assert!(agents_beside_others >= 3, "{agents_beside_others}");
        assert!(day.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));
    }

    /// Within a burst the developer keeps typing in one file: each FIM prompt extends the last.
    #[test]
    fn autocomplete_prompts_grow_as_the_developer_types() {
        let day = generate(0x85b6_3128_53eb_1bd8, 600);
        let fim: Vec<&Event> = day
            .iter()
            .filter(|e| e.activity == Activity::Autocomplete)
            .collect();
        let mut extended = 0;
        for (i, a) in fim.iter().enumerate() {
            if let Some(b) = fim[i + 1..].iter().find(|b| b.session == a.session) {
                let (pa, pb) = (a.request.prompt.as_deref(), b.request.prompt.as_deref());
                let (pa, pb) = (pa.unwrap(), pb.unwrap());
                assert!(pb.len() > pa.len() && pb.starts_with(pa), "{}", a.session);
                assert_eq!(a.request.suffix, b.request.suffix);
                extended += 1;
            }
        }
        assert!(extended > 100, "{extended}");
    }
}
