"""Drives the router with the official `ollama` Python client.

Usage: python ollama_sdk.py ROUTER_URL
Exits non-zero (AssertionError) on the first failed check.
"""

import sys

import ollama

url = sys.argv[1]
client = ollama.Client(host=url)

# Non-streaming chat on the virtual model: routed to the daily model.
reply = client.chat(model="auto", messages=[{"role": "user", "content": "What does a borrow checker do?"}])
assert reply.message.content, reply
assert reply.model == "qwen3:8b", reply.model
assert reply.done and reply.eval_count and reply.eval_count > 0, reply

# Streaming chat: chunks arrive, the last one is done with metrics.
parts = list(
    client.chat(
        model="auto",
        messages=[{"role": "user", "content": "Explain lifetimes"}],
        stream=True,
        think=False,
    )
)
assert len(parts) > 2, parts
assert parts[-1].done, parts[-1]
assert "".join(p.message.content or "" for p in parts).strip(), parts

# Fill-in-the-middle goes to the insert-capable coder model.
completion = client.generate(
    model="auto", prompt="def gcd(a, b):\n", suffix="\n    return a\n", options={"num_predict": 24}
)
assert completion.model == "qwen2.5-coder:7b-instruct-q5_K_M", completion.model
assert completion.response, completion

# Tool calls survive the proxy intact.
tools = [
    {
        "type": "function",
        "function": {
            "name": "read_file",
            "description": "Read a file",
            "parameters": {"type": "object", "required": ["path"], "properties": {"path": {"type": "string"}}},
        },
    }
]
called = client.chat(model="auto", messages=[{"role": "user", "content": "open main.rs"}], tools=tools, think=False)
calls = called.message.tool_calls or []
assert len(calls) == 1 and calls[0].function.name == "read_file", called
assert calls[0].function.arguments == {"path": "sample"}, calls[0].function.arguments

# Discovery: the virtual models look like real ones.
names = [m.model for m in client.list().models]
assert "auto" in names and "qwen3:8b" in names, names
shown = client.show("auto")
assert "tools" in (shown.capabilities or []), shown.capabilities

print("ollama SDK checks passed")
