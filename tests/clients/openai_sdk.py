"""Drives the router with the official `openai` Python SDK, the way OpenAI-dialect clients do.

Usage: python3 tests/clients/openai_sdk.py ROUTER_URL SIM_URL

ROUTER_URL is the router's base URL (the SDK gets ROUTER_URL/v1); SIM_URL is the simulated
Ollama behind it, used only to inject a mid-stream failure. Every check is an `assert`, so any
failure exits non-zero with its message. The last stdout line is a JSON summary that the Rust test
(`tests/openai.rs`) reads to compare against what the simulator received.
"""

import json
import sys
import urllib.request

import openai

ROUTER_URL = sys.argv[1].rstrip("/")
SIM_URL = sys.argv[2].rstrip("/")

client = openai.OpenAI(base_url=f"{ROUTER_URL}/v1", api_key="x", max_retries=0, timeout=60)

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "required": ["city"],
            "properties": {"city": {"type": "string", "description": "City name"}},
        },
    },
}

summary = {}


def router_headers(raw):
    return {k: raw.headers.get(k) for k in ("x-router-model", "x-router-num-ctx", "x-router-kind")}


def check_non_stream_chat():
    raw = client.chat.completions.with_raw_response.create(
        model="auto",
        messages=[
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Say hello in one sentence."},
        ],
    )
    headers = router_headers(raw)
    assert headers["x-router-num-ctx"], f"x-router-num-ctx missing: {dict(raw.headers)}"
    assert int(headers["x-router-num-ctx"]) >= 4096, headers
    completion = raw.parse()
    assert completion.object == "chat.completion", completion
    assert completion.id.startswith("chatcmpl-"), completion.id
    assert completion.model == headers["x-router-model"], (completion.model, headers)
    choice = completion.choices[0]
    assert choice.message.role == "assistant", choice
    assert choice.message.content, f"empty answer: {choice}"
    assert choice.finish_reason == "stop", choice.finish_reason
    usage = completion.usage
    assert usage is not None, "usage missing"
    assert usage.prompt_tokens > 0 and usage.completion_tokens > 0, usage
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens, usage
    summary["plain"] = headers


def check_stream_chat():
    raw = client.chat.completions.with_raw_response.create(
        model="auto",
        messages=[{"role": "user", "content": "Write a haiku about routers."}],
        stream=True,
        stream_options={"include_usage": True},
    )
    headers = router_headers(raw)
    assert headers["x-router-num-ctx"], f"x-router-num-ctx missing on a stream: {dict(raw.headers)}"
    assert raw.headers.get("content-type", "").startswith("text/event-stream"), dict(raw.headers)
    chunks = list(raw.parse())
    assert chunks, "no chunks"
    ids = {c.id for c in chunks}
    assert len(ids) == 1, f"ids differ across chunks: {ids}"
    assert len({c.created for c in chunks}) == 1, "created differs across chunks"
    assert all(c.model == headers["x-router-model"] for c in chunks), headers
    first = chunks[0].choices[0].delta
    assert first.role == "assistant", f"first delta has no role: {first}"
    roles = [c.choices[0].delta.role for c in chunks[1:] if c.choices and c.choices[0].delta.role]
    assert not roles, f"role repeated after the first chunk: {roles}"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    reasoning = "".join(
        getattr(c.choices[0].delta, "reasoning", None) or "" for c in chunks if c.choices
    )
    assert text, "no content streamed"
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finishes == ["stop"], finishes
    usage_chunks = [c for c in chunks if c.usage is not None]
    assert len(usage_chunks) == 1 and not usage_chunks[0].choices, "one usage chunk with no choices"
    assert usage_chunks[0].usage.completion_tokens > 0, usage_chunks[0].usage
    assert chunks[-1] is usage_chunks[0], "usage chunk is last"
    summary["stream"] = dict(headers, reasoning=bool(reasoning))


def check_tool_round_trip():
    messages = [{"role": "user", "content": "What is the weather in Tokyo right now?"}]
    completion = client.chat.completions.create(model="auto", messages=messages, tools=[WEATHER_TOOL])
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls", choice
    calls = choice.message.tool_calls
    assert calls and len(calls) == 1, calls
    call = calls[0]
    assert call.type == "function" and call.function.name == "get_weather", call
    assert call.id.startswith("call_"), call.id
    arguments = json.loads(call.function.arguments)
    assert isinstance(arguments.get("city"), str), arguments

    # The same call streamed: one delta with id, type, name and complete arguments.
    stream = client.chat.completions.create(
        model="auto", messages=messages, tools=[WEATHER_TOOL], stream=True
    )
    streamed = {}
    finish = None
    for chunk in stream:
        for delta_call in chunk.choices[0].delta.tool_calls or []:
            entry = streamed.setdefault(delta_call.index, {"id": None, "name": "", "arguments": ""})
            entry["id"] = entry["id"] or delta_call.id
            entry["name"] += delta_call.function.name or ""
            entry["arguments"] += delta_call.function.arguments or ""
        finish = chunk.choices[0].finish_reason or finish
    assert finish == "tool_calls", finish
    assert list(streamed) == [0], streamed
    assert streamed[0]["name"] == "get_weather", streamed
    assert json.loads(streamed[0]["arguments"]) == arguments, streamed

    # Answer the call; the model must see the result (the sim quotes it verbatim).
    messages.append(choice.message.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": call.id, "content": "22 degrees and sunny"})
    answer = client.chat.completions.create(model="auto", messages=messages, tools=[WEATHER_TOOL])
    final = answer.choices[0]
    assert final.finish_reason == "stop", final
    assert "22 degrees and sunny" in (final.message.content or ""), final.message
    summary["tool_call_id"] = call.id


def check_long_prompt():
    # 900 lines x 57 bytes ~ 51 KB ~ 12.8K tokens at the sim's 4 bytes per token: Ollama's
    # default num_ctx of 4096 would silently cut most of it.
    prompt = "".join(f"line {i:05d}: the quick brown fox jumps over the lazy dog.\n" for i in range(900))
    raw = client.chat.completions.with_raw_response.create(
        model="auto",
        messages=[{"role": "user", "content": "Summarise this log:\n" + prompt}],
    )
    headers = router_headers(raw)
    completion = raw.parse()
    assert completion.usage.prompt_tokens > 12000, completion.usage
    assert int(headers["x-router-num-ctx"]) > completion.usage.prompt_tokens, (headers, completion.usage)
    summary["long"] = dict(headers, prompt_tokens=completion.usage.prompt_tokens)


def check_completions():
    raw = client.completions.with_raw_response.create(
        model="auto", prompt="def add(a, b):\n    ", suffix="\n    return c\n", max_tokens=16
    )
    headers = router_headers(raw)
    assert headers["x-router-num-ctx"], dict(raw.headers)
    completion = raw.parse()
    assert completion.object == "text_completion", completion
    assert completion.id.startswith("cmpl-"), completion.id
    assert completion.choices[0].text, completion
    assert completion.choices[0].finish_reason in ("stop", "length"), completion
    assert completion.usage and completion.usage.completion_tokens > 0, completion.usage

    chunks = list(
        client.completions.create(
            model="auto",
            prompt="def add(a, b):\n    ",
            suffix="\n    return c\n",
            max_tokens=16,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    text = "".join(c.choices[0].text for c in chunks if c.choices)
    assert text, "no streamed completion text"
    assert chunks[-1].usage is not None and not chunks[-1].choices, chunks[-1]
    summary["fim"] = headers


def check_models():
    ids = [m.id for m in client.models.list()]
    assert "auto" in ids and "auto:complex" in ids, ids
    assert "qwen3:8b" in ids, ids
    model = client.models.retrieve("qwen3:8b")
    assert model.id == "qwen3:8b" and model.object == "model", model
    try:
        client.models.retrieve("no-such-model:1b")
        raise AssertionError("retrieving a missing model succeeded")
    except openai.NotFoundError:
        pass


def check_errors():
    try:
        client.chat.completions.create(model="auto:bogus", messages=[{"role": "user", "content": "hi"}])
        raise AssertionError("auto:bogus was accepted")
    except openai.NotFoundError as error:
        assert "auto:bogus" in str(error), error

    huge = "word " * 300_000  # far beyond any local context
    try:
        client.chat.completions.create(model="auto", messages=[{"role": "user", "content": huge}])
        raise AssertionError("a prompt larger than every context was accepted")
    except openai.BadRequestError as error:
        assert error.code == "context_length_exceeded", error.body
        assert "maximum context length" in error.message, error.message

    try:
        client.chat.completions.create(model="auto", messages=[{"role": "user", "content": "hi"}], temperature="hot")
        raise AssertionError("a string temperature was accepted")
    except openai.BadRequestError as error:
        assert error.param == "temperature", error.body


def check_mid_stream_failure():
    plan = json.dumps({"after_chunks": 2, "error": "simulated runner crash", "status": 500}).encode()
    request = urllib.request.Request(
        f"{SIM_URL}/sim/fail", data=plan, headers={"Content-Type": "application/json"}, method="POST"
    )
    urllib.request.urlopen(request, timeout=10).read()
    stream = client.chat.completions.create(
        model="auto", messages=[{"role": "user", "content": "Tell me a long story."}], stream=True
    )
    received = 0
    try:
        for _ in stream:
            received += 1
        raise AssertionError(f"the stream ended normally after {received} chunks")
    except openai.APIError as error:
        assert "simulated runner crash" in str(error), error


# Completions (fill-in-the-middle) first: right after an agent's tool round trip on this 12 GiB
# card the router holds autocomplete back rather than evict the agent's model (an empty answer).
check_completions()
check_non_stream_chat()
check_stream_chat()
check_tool_round_trip()
check_long_prompt()
check_models()
check_errors()
check_mid_stream_failure()
print(json.dumps(summary))
