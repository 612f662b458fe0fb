// ollama-router dashboard: polls GET /router/status, follows GET /router/events (SSE) and posts
// the explain form to POST /router/explain. Plain DOM, no framework, no build step. Every value
// from the server is set as text (model names and reasons come from clients' requests).
"use strict";

const GIB = 1024 ** 3;
const $ = (id) => document.getElementById(id);
const gib = (b) => (b == null ? "?" : (b / GIB).toFixed(1) + " GiB");

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = String(text);
  return e;
}

function row(cells) {
  const tr = el("tr");
  for (const c of cells) {
    if (c instanceof Node) { const td = el("td"); td.append(c); tr.append(td); }
    else if (Array.isArray(c)) tr.append(el("td", c[1], c[0]));
    else tr.append(el("td", null, c));
  }
  return tr;
}

function setConn(ok, text) {
  const c = $("conn");
  c.textContent = text;
  c.className = "pill " + (ok ? "live" : "down");
}

function renderGpu(g) {
  if (!g) {
    $("gpu-name").textContent = "(no reading)";
    return;
  }
  $("gpu-name").textContent = g.name;
  $("gpu-source").textContent = "(" + g.source + ")";
  const other = g.other_programs_bytes || 0;
  const ollama = Math.max(0, g.used_bytes - other);
  $("seg-ollama").style.width = (100 * ollama / g.total_bytes).toFixed(2) + "%";
  $("seg-other").style.width = (100 * other / g.total_bytes).toFixed(2) + "%";
  $("gpu-ollama").textContent = gib(ollama);
  $("gpu-other").textContent = g.other_programs_bytes == null ? "unknown" : gib(other);
  $("gpu-free").textContent = gib(g.free_bytes);
  $("gpu-total").textContent = gib(g.total_bytes);
  $("gpu-bar").setAttribute("aria-label",
    `GPU memory: ${gib(g.used_bytes)} used, ${gib(g.free_bytes)} free of ${gib(g.total_bytes)}`);
}

function renderLoaded(list) {
  const body = $("loaded").tBodies[0];
  body.replaceChildren(...list.map((m) => row([
    m.name + (m.busy ? " (streaming)" : ""),
    m.context_length,
    gib(m.vram_bytes),
    m.percent_gpu.toFixed(0) + " %",
  ])));
  $("loaded-empty").hidden = list.length > 0;
}

const COUNTER_NAMES = {
  requests: "requests", decisions: "routed", reloads_caused: "model loads caused",
  reloads_avoided: "reloads avoided", spills_predicted: "spills predicted",
  truncations_prevented: "truncations prevented", route_failures: "could not route",
  upstream_errors: "upstream errors", cancelled_streams: "cancelled by client",
};

function renderCounters(c) {
  const dl = $("counters");
  dl.replaceChildren();
  for (const [k, label] of Object.entries(COUNTER_NAMES)) {
    dl.append(el("dt", null, label), el("dd", null, c[k] ?? 0));
    dl.lastChild.id = "counter-" + k;
  }
}

function renderProfiles(profiles, rules) {
  $("profiles").tBodies[0].replaceChildren(...profiles.map((p) => {
    const pick = p.pick ? `${p.pick.model} @ ${p.pick.num_ctx}` : "none";
    return row([el("span", "kind " + p.kind, p.kind), p.candidates.join(" → "), pick,
      [p.pick ? p.pick.reason : p.error, "why"]]);
  }));
  $("rules").replaceChildren(...rules.map((r) =>
    el("li", null, `${r.name}: ${JSON.stringify(r.when)} → ${r.route}`)));
  $("rules-empty").hidden = rules.length > 0;
}

// Decision feed: newest first, at most 50 entries; completion events fill in the outcome.
const feedItems = new Map();

function addDecision(d) {
  const key = d.request_id || d.at + d.model;
  if (feedItems.has(key)) return;
  const li = el("li");
  li.dataset.requestId = d.request_id || "";
  const time = new Date(d.at).toLocaleTimeString();
  li.append(
    el("span", "muted", time + " "),
    el("span", "kind " + d.kind, d.kind),
    el("span", "model", `${d.model} @ ${d.num_ctx}`),
    el("span", "muted", ` ${d.dialect}, ~${d.prompt_tokens} prompt tokens` + (d.loaded ? ", was loaded" : "")),
    el("span", "reason", d.reason || ""),
    el("span", "done", ""),
  );
  $("feed").prepend(li);
  feedItems.set(key, li);
  while ($("feed").children.length > 50) {
    const last = $("feed").lastChild;
    feedItems.delete(last.dataset.requestId);
    last.remove();
  }
  $("feed-empty").hidden = true;
}

function completeRequest(r) {
  const li = feedItems.get(r.request_id);
  if (!li) return;
  const done = li.querySelector(".done");
  const parts = [r.outcome];
  if (r.ttft_ms != null) parts.push(`first token ${r.ttft_ms.toFixed(0)} ms`);
  if (r.tokens_per_second != null) parts.push(`${r.tokens_per_second.toFixed(1)} tok/s`);
  if (r.eval_tokens != null) parts.push(`${r.prompt_tokens ?? "?"} + ${r.eval_tokens} tokens`);
  done.textContent = parts.join(" · ");
  done.className = "done" + (r.outcome === "ok" ? "" : " error");
}

let seeded = false;

async function poll() {
  try {
    const r = await fetch("/router/status", { cache: "no-store" });
    if (!r.ok) throw new Error("HTTP " + r.status);
    const s = await r.json();
    renderGpu(s.gpu);
    renderLoaded(s.loaded);
    renderCounters(s.counters);
    renderProfiles(s.profiles, s.rules);
    $("upstream").textContent = "Ollama " + s.upstream.url +
      (s.upstream.error ? " — " + s.upstream.error : "");
    if (!seeded) {
      // Oldest first, so the newest ends on top.
      [...s.recent].reverse().forEach(addDecision);
      seeded = true;
    }
    if (!events || events.readyState === EventSource.CLOSED) setConn(true, "polling");
  } catch (e) {
    setConn(false, "router unreachable");
  }
}

let events = null;
function follow() {
  events = new EventSource("/router/events");
  events.onopen = () => setConn(true, "live");
  events.onerror = () => setConn(false, "reconnecting…");
  events.addEventListener("decision", (e) => addDecision(JSON.parse(e.data)));
  events.addEventListener("request", (e) => completeRequest(JSON.parse(e.data)));
}

$("explain").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const out = $("explain-result");
  out.className = "result";
  out.textContent = "…";
  try {
    const r = await fetch("/router/explain", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: $("explain-body").value,
    });
    const v = await r.json();
    if (!r.ok || v.error) {
      out.className = "result error";
      out.textContent = v.error || "HTTP " + r.status;
    } else if (!v.decision) {
      out.textContent = "not routed: the model is not one the router manages; it passes through untouched";
    } else {
      out.textContent = `${v.decision.model} @ num_ctx ${v.decision.num_ctx} (${v.decision.kind})\n${v.reason}`;
    }
  } catch (e) {
    out.className = "result error";
    out.textContent = String(e);
  }
});

follow();
poll();
setInterval(poll, 2000);
