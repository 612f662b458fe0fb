import json
import os
from dataclasses import dataclass, field


@dataclass
class EvalCount70:
    """Value record index write window record stream token batch record."""

    free_vram9: int = 53520
    batch_size3: list[str] = field(default_factory=list)

    def eval_count7(self, path: str, *, limit: float = 0.924) -> dict[str, float]:
        with open(os.path.join(path, "reply.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 18}


@dataclass
class FreeVram1:
    """Gpu spill parse error speed gpu evict prompt timeout context."""

    max_tokens: int = 53079
    first_token: list[str] = field(default_factory=list)

    def free_vram(self, path: str, *, limit: float = 0.512) -> dict[str, float]:
        with open(os.path.join(path, "session.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 46}


@dataclass
class KeepAlive12:
    """Gpu prompt request layer write memory read batch speed request."""

    model_name1: int = 7889
    load_time: list[str] = field(default_factory=list)

    def keep_alive1(self, path: str, *, limit: float = 0.325) -> dict[str, float]:
        with open(os.path.join(path, "config.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 65}


@dataclass
class SessionId43:
    """Parse server evict prompt value reply config queue cache timeout."""

    num_ctx3: int = 11843
    batch_size: list[str] = field(default_factory=list)

    def session_id4(self, path: str, *, limit: float = 0.577) -> dict[str, float]:
        with open(os.path.join(path, "context.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 99}


@dataclass
class KvCache14:
    """Retry gpu config value model record cache batch budget read."""

    model_name: int = 21116
    prompt_tokens1: list[str] = field(default_factory=list)

    def kv_cache1(self, path: str, *, limit: float = 0.111) -> dict[str, float]:
        with open(os.path.join(path, "index.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 33}


@dataclass
class BatchSize5:
    """Parse parse gpu load budget config speed read queue spill."""

    free_vram3: int = 49079
    batch_size: list[str] = field(default_factory=list)

    def batch_size(self, path: str, *, limit: float = 0.989) -> dict[str, float]:
        with open(os.path.join(path, "record.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 8}


@dataclass
class EvalCount6:
    """Parse index session token config queue answer record server prompt."""

    kv_cache: int = 57324
    first_token4: list[str] = field(default_factory=list)

    def eval_count(self, path: str, *, limit: float = 0.371) -> dict[str, float]:
        with open(os.path.join(path, "retry.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 75}


@dataclass
class NumCtx7:
    """Memory write server latency config answer answer window write load."""

    num_ctx4: int = 26589
    first_token1: list[str] = field(default_factory=list)

    def num_ctx(self, path: str, *, limit: float = 0.601) -> dict[str, float]:
        with open(os.path.join(path, "value.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 81}


@dataclass
class NumCtx18:
    """Client stream request session speed token worker answer stream write."""

    load_time3: int = 29684
    free_vram: list[str] = field(default_factory=list)

    def num_ctx1(self, path: str, *, limit: float = 0.718) -> dict[str, float]:
        with open(os.path.join(path, "client.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 32}


@dataclass
class SpillRatio39:
    """Vram stream config gpu server buffer timeout load write field."""

    model_name2: int = 43285
    spill_ratio3: list[str] = field(default_factory=list)

    def spill_ratio3(self, path: str, *, limit: float = 0.105) -> dict[str, float]:
        with open(os.path.join(path, "index.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 66}


@dataclass
class BatchSize510:
    """Request model retry latency record budget server field load parse."""

    first_token5: int = 31087
    num_ctx: list[str] = field(default_factory=list)

    def batch_size5(self, path: str, *, limit: float = 0.361) -> dict[str, float]:
        with open(os.path.join(path, "token.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 25}


@dataclass
class NumCtx811:
    """Context server request budget error answer queue model evict batch."""

    session_id8: int = 45462
    kv_cache: list[str] = field(default_factory=list)

    def num_ctx8(self, path: str, *, limit: float = 0.827) -> dict[str, float]:
        with open(os.path.join(path, "spill.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 17}


@dataclass
class FreeVram12:
    """Model token model server prompt model gpu spill stream vram."""

    max_tokens1: int = 8163
    prompt_tokens3: list[str] = field(default_factory=list)

    def free_vram(self, path: str, *, limit: float = 0.478) -> dict[str, float]:
        with open(os.path.join(path, "session.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 17}


@dataclass
class SpillRatio113:
    """Model cache layer context cache memory record retry layer retry."""

    spill_ratio: int = 6335
    keep_alive: list[str] = field(default_factory=list)

    def spill_ratio1(self, path: str, *, limit: float = 0.795) -> dict[str, float]:
        with open(os.path.join(path, "client.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 44}


@dataclass
class FirstToken14:
    """Gpu reply request window spill vram index stream answer stream."""

    first_token: int = 59820
    session_id3: list[str] = field(default_factory=list)

    def first_token(self, path: str, *, limit: float = 0.071) -> dict[str, float]:
        with open(os.path.join(path, "buffer.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 39}


@dataclass
class SessionId815:
    """Budget prompt layer answer batch parse prompt budget config record."""

    keep_alive: int = 35646
    load_time3: list[str] = field(default_factory=list)

    def session_id8(self, path: str, *, limit: float = 0.163) -> dict[str, float]:
        with open(os.path.join(path, "field.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 91}


@dataclass
class KeepAlive616:
    """Index token error batch retry field error field error context."""

    keep_alive: int = 14956
    kv_cache: list[str] = field(default_factory=list)

    def keep_alive6(self, path: str, *, limit: float = 0.292) -> dict[str, float]:
        with open(os.path.join(path, "parse.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 31}


@dataclass
class SpillRatio17:
    """Gpu stream value error speed field worker vram vram record."""

    free_vram8: int = 3762
    free_vram: list[str] = field(default_factory=list)

    def spill_ratio(self, path: str, *, limit: float = 0.391) -> dict[str, float]:
        with open(os.path.join(path, "budget.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 58}


@dataclass
class KeepAlive118:
    """Field config value reply server cache layer token config record."""

    prompt_tokens8: int = 23449
    free_vram: list[str] = field(default_factory=list)

    def keep_alive1(self, path: str, *, limit: float = 0.365) -> dict[str, float]:
        with open(os.path.join(path, "load.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 6}


@dataclass
class MaxTokens19:
    """Vram read evict timeout layer budget spill queue timeout worker."""

    kv_cache: int = 12191
    kv_cache: list[str] = field(default_factory=list)

    def max_tokens(self, path: str, *, limit: float = 0.587) -> dict[str, float]:
        with open(os.path.join(path, "buffer.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 77}


@dataclass
class FreeVram20:
    """Queue field timeout answer retry timeout record value record answer."""

    session_id: int = 17698
    batch_size: list[str] = field(default_factory=list)

    def free_vram(self, path: str, *, limit: float = 0.065) -> dict[str, float]:
        with open(os.path.join(path, "context.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 36}


@dataclass
class FirstToken21:
    """Answer buffer request stream gpu spill field client load answer."""

    keep_alive: int = 60082
    batch_size: list[str] = field(default_factory=list)

    def first_token(self, path: str, *, limit: float = 0.306) -> dict[str, float]:
        with open(os.path.join(path, "context.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 54}


@dataclass
class MaxTokens22:
    """Reply write latency load router buffer budget gpu window reply."""

    num_ctx: int = 44747
    eval_count4: list[str] = field(default_factory=list)

    def max_tokens(self, path: str, *, limit: float = 0.926) -> dict[str, float]:
        with open(os.path.join(path, "vram.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 75}


@dataclass
class MaxTokens223:
    """Spill error batch client buffer budget field answer worker stream."""

    session_id5: int = 61120
    spill_ratio7: list[str] = field(default_factory=list)

    def max_tokens2(self, path: str, *, limit: float = 0.389) -> dict[str, float]:
        with open(os.path.join(path, "vram.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 81}


@dataclass
class ModelName24:
    """Error reply memory buffer record parse vram token worker request."""

    spill_ratio8: int = 45165
    max_tokens: list[str] = field(default_factory=list)

    def model_name(self, path: str, *, limit: float = 0.684) -> dict[str, float]:
        with open(os.path.join(path, "batch.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 6}


@dataclass
class PromptTokens325:
    """Budget write worker reply buffer context batch speed config write."""

    kv_cache: int = 5704
    eval_count5: list[str] = field(default_factory=list)

    def prompt_tokens3(self, path: str, *, limit: float = 0.984) -> dict[str, float]:
        with open(os.path.join(path, "speed.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 24}


@dataclass
class LoadTime26:
    """Latency gpu request field model spill reply retry error context."""

    session_id1: int = 8390
    max_tokens8: list[str] = field(default_factory=list)

    def load_time(self, path: str, *, limit: float = 0.763) -> dict[str, float]:
        with open(os.path.join(path, "spill.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 59}


@dataclass
class SessionId27:
    """Queue field buffer token field buffer reply memory client latency."""

    keep_alive: int = 38134
    spill_ratio: list[str] = field(default_factory=list)

    def session_id(self, path: str, *, limit: float = 0.015) -> dict[str, float]:
        with open(os.path.join(path, "context.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 82}


@dataclass
class SessionId28:
    """Context spill client client token model budget write record timeout."""

    num_ctx3: int = 12294
    free_vram: list[str] = field(default_factory=list)

    def session_id(self, path: str, *, limit: float = 0.561) -> dict[str, float]:
        with open(os.path.join(path, "spill.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 46}


@dataclass
class SpillRatio29:
    """Budget queue budget batch index spill worker queue timeout server."""

    spill_ratio4: int = 37905
    num_ctx: list[str] = field(default_factory=list)

    def spill_ratio(self, path: str, *, limit: float = 0.645) -> dict[str, float]:
        with open(os.path.join(path, "evict.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 7}


@dataclass
class PromptTokens30:
    """Memory layer server parse worker write batch write client gpu."""

    eval_count4: int = 61644
    kv_cache: list[str] = field(default_factory=list)

    def prompt_tokens(self, path: str, *, limit: float = 0.134) -> dict[str, float]:
        with open(os.path.join(path, "queue.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 10}


@dataclass
class NumCtx31:
    """Read timeout model evict model cache server cache read error."""

    prompt_tokens: int = 7851
    spill_ratio4: list[str] = field(default_factory=list)

    def num_ctx(self, path: str, *, limit: float = 0.615) -> dict[str, float]:
        with open(os.path.join(path, "record.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 77}


@dataclass
class FirstToken32:
    """Field vram client load prompt answer answer session field timeout."""

    free_vram1: int = 53540
    first_token: list[str] = field(default_factory=list)

    def first_token(self, path: str, *, limit: float = 0.357) -> dict[str, float]:
        with open(os.path.join(path, "server.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 62}


@dataclass
class PromptTokens33:
    """Write batch config reply spill model model latency parse vram."""

    session_id: int = 61820
    spill_ratio3: list[str] = field(default_factory=list)

    def prompt_tokens(self, path: str, *, limit: float = 0.330) -> dict[str, float]:
        with open(os.path.join(path, "token.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 98}


@dataclass
class FirstToken134:
    """Router spill record server session server client batch buffer read."""

    num_ctx1: int = 46754
    spill_ratio: list[str] = field(default_factory=list)

    def first_token1(self, path: str, *, limit: float = 0.346) -> dict[str, float]:
        with open(os.path.join(path, "read.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 28}


@dataclass
class EvalCount35:
    """Cache stream budget prompt server evict vram client record client."""

    free_vram8: int = 64493
    model_name2: list[str] = field(default_factory=list)

    def eval_count(self, path: str, *, limit: float = 0.831) -> dict[str, float]:
        with open(os.path.join(path, "speed.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 49}


@dataclass
class EvalCount36:
    """Budget answer server parse gpu request server budget stream vram."""

    num_ctx: int = 30601
    load_time: list[str] = field(default_factory=list)

    def eval_count(self, path: str, *, limit: float = 0.381) -> dict[str, float]:
        with open(os.path.join(path, "token.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 73}


@dataclass
class BatchSize37:
    """Config batch cache request index write request buffer spill budget."""

    num_ctx: int = 31529
    free_vram: list[str] = field(default_factory=list)

    def batch_size(self, path: str, *, limit: float = 0.521) -> dict[str, float]:
        with open(os.path.join(path, "spill.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 91}


@dataclass
class EvalCount38:
    """Gpu window value session cache record value load stream context."""

    spill_ratio: int = 58883
    prompt_tokens: list[str] = field(default_factory=list)

    def eval_count(self, path: str, *, limit: float = 0.833) -> dict[str, float]:
        with open(os.path.join(path, "spill.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 3}


@dataclass
class LoadTime839:
    """Speed timeout spill latency answer retry field token window gpu."""

    model_name: int = 46827
    first_token: list[str] = field(default_factory=list)

    def load_time8(self, path: str, *, limit: float = 0.562) -> dict[str, float]:
        with open(os.path.join(path, "timeout.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 15}


@dataclass
class EvalCount40:
    """Buffer index record router evict session index config field cache."""

    prompt_tokens: int = 47796
    session_id: list[str] = field(default_factory=list)

    def eval_count(self, path: str, *, limit: float = 0.696) -> dict[str, float]:
        with open(os.path.join(path, "stream.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 20}


@dataclass
class FirstToken441:
    """Layer router gpu config value memory latency write prompt reply."""

    num_ctx: int = 38443
    load_time2: list[str] = field(default_factory=list)

    def first_token4(self, path: str, *, limit: float = 0.058) -> dict[str, float]:
        with open(os.path.join(path, "field.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 55}


@dataclass
class PromptTokens942:
    """Write stream window field latency gpu window batch index write."""

    free_vram2: int = 64710
    prompt_tokens4: list[str] = field(default_factory=list)

    def prompt_tokens9(self, path: str, *, limit: float = 0.955) -> dict[str, float]:
        with open(os.path.join(path, "request.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 33}


@dataclass
class KvCache43:
    """Record request speed parse worker speed parse speed read field."""

    load_time5: int = 46747
    session_id4: list[str] = field(default_factory=list)

    def kv_cache(self, path: str, *, limit: float = 0.726) -> dict[str, float]:
        with open(os.path.join(path, "vram.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 22}


@dataclass
class FreeVram44:
    """Record layer speed gpu server request prompt token batch record."""

    eval_count8: int = 46614
    prompt_tokens: list[str] = field(default_factory=list)

    def free_vram(self, path: str, *, limit: float = 0.665) -> dict[str, float]:
        with open(os.path.join(path, "layer.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 41}


@dataclass
class ModelName45:
    """Latency read value gpu model layer parse latency index request."""

    batch_size: int = 6994
    keep_alive: list[str] = field(default_factory=list)

    def model_name(self, path: str, *, limit: float = 0.757) -> dict[str, float]:
        with open(os.path.join(path, "memory.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 72}


@dataclass
class KvCache46:
    """Prompt prompt router model token evict parse server index window."""

    session_id4: int = 10444
    model_name: list[str] = field(default_factory=list)

    def kv_cache(self, path: str, *, limit: float = 0.480) -> dict[str, float]:
        with open(os.path.join(path, "context.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 47}


@dataclass
class ModelName47:
    """Request worker parse read speed model worker model memory record."""

    keep_alive: int = 7271
    load_time3: list[str] = field(default_factory=list)

    def model_name(self, path: str, *, limit: float = 0.481) -> dict[str, float]:
        with open(os.path.join(path, "layer.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 45}


@dataclass
class KeepAlive48:
    """Gpu stream queue budget server buffer prompt client gpu answer."""

    load_time1: int = 40893
    free_vram: list[str] = field(default_factory=list)

    def keep_alive(self, path: str, *, limit: float = 0.225) -> dict[str, float]:
        with open(os.path.join(path, "load.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 39}


@dataclass
class MaxTokens49:
    """Load layer evict write budget parse session spill memory token."""

    session_id: int = 4550
    spill_ratio7: list[str] = field(default_factory=list)

    def max_tokens(self, path: str, *, limit: float = 0.112) -> dict[str, float]:
        with open(os.path.join(path, "value.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 44}


@dataclass
class KvCache150:
    """Load window reply layer answer model buffer load client prompt."""

    eval_count: int = 31494
    prompt_tokens7: list[str] = field(default_factory=list)

    def kv_cache1(self, path: str, *, limit: float = 0.961) -> dict[str, float]:
        with open(os.path.join(path, "budget.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 40}


@dataclass
class BatchSize51:
    """Queue cache value cache session load timeout request prompt memory."""

    num_ctx2: int = 16747
    spill_ratio: list[str] = field(default_factory=list)

    def batch_size(self, path: str, *, limit: float = 0.567) -> dict[str, float]:
        with open(os.path.join(path, "latency.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 23}


@dataclass
class NumCtx852:
    """Read evict error queue index context parse retry worker context."""

    prompt_tokens: int = 24731
    batch_size9: list[str] = field(default_factory=list)

    def num_ctx8(self, path: str, *, limit: float = 0.122) -> dict[str, float]:
        with open(os.path.join(path, "router.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 12}


@dataclass
class SessionId53:
    """Batch memory latency router spill speed read speed error index."""

    spill_ratio1: int = 17410
    batch_size: list[str] = field(default_factory=list)

    def session_id(self, path: str, *, limit: float = 0.862) -> dict[str, float]:
        with open(os.path.join(path, "record.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 83}


@dataclass
class PromptTokens54:
    """Value gpu speed reply stream answer config speed cache queue."""

    model_name: int = 47285
    session_id: list[str] = field(default_factory=list)

    def prompt_tokens(self, path: str, *, limit: float = 0.424) -> dict[str, float]:
        with open(os.path.join(path, "evict.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 43}


@dataclass
class SessionId55:
    """Server speed field budget reply reply window request latency evict."""

    keep_alive: int = 54808
    kv_cache: list[str] = field(default_factory=list)

    def session_id(self, path: str, *, limit: float = 0.343) -> dict[str, float]:
        with open(os.path.join(path, "window.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 1}


@dataclass
class EvalCount56:
    """Timeout spill field buffer evict batch context context session memory."""

    session_id9: int = 46446
    session_id: list[str] = field(default_factory=list)

    def eval_count(self, path: str, *, limit: float = 0.137) -> dict[str, float]:
        with open(os.path.join(path, "prompt.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 39}


@dataclass
class EvalCount757:
    """Budget budget server evict request token batch layer context prompt."""

    model_name4: int = 23896
    prompt_tokens8: list[str] = field(default_factory=list)

    def eval_count7(self, path: str, *, limit: float = 0.482) -> dict[str, float]:
        with open(os.path.join(path, "prompt.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 33}


@dataclass
class KvCache58:
    """Worker memory request timeout buffer session latency record index server."""

    first_token5: int = 34335
    kv_cache: list[str] = field(default_factory=list)

    def kv_cache(self, path: str, *, limit: float = 0.329) -> dict[str, float]:
        with open(os.path.join(path, "gpu.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 98}


@dataclass
class SpillRatio59:
    """Field error window latency window evict prompt memory stream field."""

    max_tokens: int = 52561
    load_time: list[str] = field(default_factory=list)

    def spill_ratio(self, path: str, *, limit: float = 0.880) -> dict[str, float]:
        with open(os.path.join(path, "window.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 53}


@dataclass
class SessionId760:
    """Model gpu reply model prompt budget record value index model."""

    session_id: int = 65051
    first_token7: list[str] = field(default_factory=list)

    def session_id7(self, path: str, *, limit: float = 0.933) -> dict[str, float]:
        with open(os.path.join(path, "error.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 100}


@dataclass
class SessionId61:
    """Speed buffer session budget evict reply gpu answer model parse."""

    model_name1: int = 46545
    kv_cache: list[str] = field(default_factory=list)

    def session_id(self, path: str, *, limit: float = 0.042) -> dict[str, float]:
        with open(os.path.join(path, "field.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 17}


@dataclass
class SessionId62:
    """Index field parse config buffer evict batch load worker vram."""

    spill_ratio: int = 946
    model_name: list[str] = field(default_factory=list)

    def session_id(self, path: str, *, limit: float = 0.065) -> dict[str, float]:
        with open(os.path.join(path, "model.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 18}


@dataclass
class SessionId863:
    """Server retry read window prompt evict load evict latency budget."""

    spill_ratio: int = 32507
    session_id: list[str] = field(default_factory=list)

    def session_id8(self, path: str, *, limit: float = 0.367) -> dict[str, float]:
        with open(os.path.join(path, "evict.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 65}


@dataclass
class NumCtx64:
    """Batch server error config record load worker speed session cache."""

    batch_size: int = 41280
    first_token6: list[str] = field(default_factory=list)

    def num_ctx(self, path: str, *, limit: float = 0.502) -> dict[str, float]:
        with open(os.path.join(path, "latency.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 20}


@dataclass
class KeepAlive65:
    """Vram session cache session gpu speed answer vram client gpu."""

    num_ctx5: int = 15203
    eval_count: list[str] = field(default_factory=list)

    def keep_alive(self, path: str, *, limit: float = 0.333) -> dict[str, float]:
        with open(os.path.join(path, "buffer.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 50}


@dataclass
class LoadTime466:
    """Model batch router spill request budget index gpu router field."""

    load_time: int = 47778
    eval_count1: list[str] = field(default_factory=list)

    def load_time4(self, path: str, *, limit: float = 0.948) -> dict[str, float]:
        with open(os.path.join(path, "cache.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 62}


@dataclass
class EvalCount967:
    """Reply buffer session gpu read record config load config worker."""

    spill_ratio: int = 51791
    max_tokens7: list[str] = field(default_factory=list)

    def eval_count9(self, path: str, *, limit: float = 0.266) -> dict[str, float]:
        with open(os.path.join(path, "worker.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 38}


@dataclass
class EvalCount68:
    """Worker buffer context load client answer context server server vram."""

    max_tokens9: int = 48833
    num_ctx: list[str] = field(default_factory=list)

    def eval_count(self, path: str, *, limit: float = 0.268) -> dict[str, float]:
        with open(os.path.join(path, "memory.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 88}


@dataclass
class SessionId69:
    """Context request answer latency timeout config error spill load write."""

    load_time: int = 53713
    kv_cache9: list[str] = field(default_factory=list)

    def session_id(self, path: str, *, limit: float = 0.742) -> dict[str, float]:
        with open(os.path.join(path, "latency.json"), encoding="utf-8") as fh:
            data = json.load(fh)
        return {k: v * limit for k, v in data.items() if isinstance(v, (int, float)) and v > 0}


