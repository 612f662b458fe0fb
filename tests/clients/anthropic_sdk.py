"""Drives the router's Anthropic endpoints with the official `anthropic` Python SDK.

Usage: python3 anthropic_sdk.py ROUTER_BASE_URL

Checks what Claude Code and SDK users depend on: streaming text events, a tool_use -> tool_result
round trip, thinking blocks, count_tokens, and the "prompt is too long" error (the text Claude Code
compacts on). Exits non-zero with a message on the first failure.
"""

import sys

import anthropic

MODEL = "claude-sonnet-4-6"  # mapped by the router's aliases, never sent to Ollama as is

WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Current weather for a city",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string", "description": "City name"}},
        "required": ["city"],
    },
}


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def streaming_text(client):
    """Raw events arrive in Anthropic's order and the SDK accumulates them into a message."""
    # The beta client posts to /v1/messages?beta=true, exactly like Claude Code.
    with client.beta.messages.stream(
        model=MODEL,
        max_tokens=256,
        messages=[{"role": "user", "content": "Say hello to the router."}],
    ) as stream:
        events = [event.type for event in stream]
        message = stream.get_final_message()
    check(events[0] == "message_start", f"first event is message_start: {events[:3]}")
    check(events[-1] == "message_stop", f"last event is message_stop: {events[-3:]}")
    check("text" in events, f"text deltas were streamed: {sorted(set(events))}")
    texts = [b.text for b in message.content if b.type == "text"]
    check(texts and texts[0].strip(), f"final message has text: {message.content}")
    check(message.stop_reason == "end_turn", f"stop_reason end_turn: {message.stop_reason}")
    check(message.usage.output_tokens > 0, f"real output usage: {message.usage}")
    check(message.usage.input_tokens > 0, f"real input usage: {message.usage}")
    check(message.id.startswith("msg_"), f"message id: {message.id}")
    check(not message.model.startswith("claude"), f"model reports what answered: {message.model}")
    print(f"ok streaming text: {len(events)} events from {message.model}")


def tool_round_trip(client):
    """tool_use streamed (input_json_delta), result sent back, answer quotes the result."""
    question = {"role": "user", "content": "What is the weather in Paris?"}
    with client.messages.stream(
        model=MODEL, max_tokens=256, tools=[WEATHER_TOOL], messages=[question]
    ) as stream:
        first = stream.get_final_message()
    check(first.stop_reason == "tool_use", f"stop_reason tool_use: {first.stop_reason}")
    uses = [b for b in first.content if b.type == "tool_use"]
    check(len(uses) == 1, f"one tool_use block: {first.content}")
    use = uses[0]
    check(use.name == "get_weather", f"tool name: {use.name}")
    check(isinstance(use.input, dict) and "city" in use.input, f"tool input parsed: {use.input}")
    check(use.id, "tool_use id present")

    result = "sunny and 21 degrees"
    second = client.messages.create(
        model=MODEL,
        max_tokens=256,
        tools=[WEATHER_TOOL],
        messages=[
            question,
            {"role": "assistant", "content": first.content},
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": use.id, "content": result}],
            },
        ],
    )
    text = "".join(b.text for b in second.content if b.type == "text")
    check(result in text, f"answer quotes the tool result: {text!r}")
    check(second.stop_reason == "end_turn", f"stop_reason after result: {second.stop_reason}")
    print(f"ok tool round trip: {use.id} -> {text[:60]!r}")


def thinking(client):
    """Enabled thinking yields a thinking block (with a signature field) before the text, and the
    block can be sent back in history."""
    question = {"role": "user", "content": "Why is the sky blue? One sentence."}
    with client.messages.stream(
        model=MODEL,
        max_tokens=1024,
        thinking={"type": "enabled", "budget_tokens": 512},
        messages=[question],
    ) as stream:
        kinds = [event.type for event in stream]
        message = stream.get_final_message()
    check("thinking" in kinds, f"thinking deltas were streamed: {sorted(set(kinds))}")
    blocks = [b.type for b in message.content]
    check(blocks[:1] == ["thinking"] and "text" in blocks, f"thinking then text: {blocks}")
    block = message.content[0]
    check(block.thinking.strip(), "thinking text is not empty")
    check(isinstance(block.signature, str), f"signature is a string: {block.signature!r}")

    follow_up = client.messages.create(
        model=MODEL,
        max_tokens=256,
        thinking={"type": "enabled", "budget_tokens": 512},
        messages=[
            question,
            {"role": "assistant", "content": message.content},
            {"role": "user", "content": "And at sunset?"},
        ],
    )
    check(follow_up.content, "follow-up with thinking history answered")
    print(f"ok thinking: {blocks}")


def count_tokens(client):
    short = client.messages.count_tokens(
        model=MODEL, messages=[{"role": "user", "content": "hi"}]
    )
    longer = client.beta.messages.count_tokens(
        model=MODEL,
        system="You are a careful reviewer.",
        tools=[WEATHER_TOOL],
        messages=[{"role": "user", "content": "explain this function " * 200}],
    )
    check(short.input_tokens > 0, f"count_tokens > 0: {short}")
    check(
        longer.input_tokens > short.input_tokens + 200,
        f"count grows with the prompt: {short.input_tokens} -> {longer.input_tokens}",
    )
    print(f"ok count_tokens: {short.input_tokens} / {longer.input_tokens}")


def too_long(client):
    """A prompt no local context can hold is refused with the text Claude Code compacts on."""
    huge = "lorem ipsum dolor sit amet " * 60_000
    for streaming in (False, True):
        try:
            client.messages.create(
                model=MODEL,
                max_tokens=64,
                stream=streaming,
                messages=[{"role": "user", "content": huge}],
            )
        except anthropic.BadRequestError as err:
            check(err.status_code == 400, f"status 400: {err.status_code}")
            check("prompt is too long" in str(err), f"message: {err}")
            body = err.body or {}
            check(
                body.get("error", {}).get("type") == "invalid_request_error",
                f"error type: {body}",
            )
        else:
            raise AssertionError(f"a huge prompt (stream={streaming}) was accepted")
    print("ok too long: BadRequestError 'prompt is too long'")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: anthropic_sdk.py ROUTER_BASE_URL")
    client = anthropic.Anthropic(base_url=sys.argv[1], api_key="x", max_retries=0, timeout=60)
    for check_fn in (streaming_text, tool_round_trip, thinking, count_tokens, too_long):
        check_fn(client)
    print("all anthropic SDK checks passed")


if __name__ == "__main__":
    main()
