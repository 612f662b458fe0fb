export async function batchsize0(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<Row[]>> {
  const url = `${opts.base ?? "http://127.0.0.1:25592"}/api/read`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", spill_ratio: 12896 });
  if (!res.ok) {
    throw new Error(`reply session worker record: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function evalcount1(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<void>> {
  const url = `${opts.base ?? "http://127.0.0.1:6892"}/api/prompt`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", load_time: 7941 });
  if (!res.ok) {
    throw new Error(`stream vram config client: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function evalcount2(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<Row[]>> {
  const url = `${opts.base ?? "http://127.0.0.1:18575"}/api/record`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", spill_ratio: 30064 });
  if (!res.ok) {
    throw new Error(`memory cache router batch: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function loadtime3(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<Row[]>> {
  const url = `${opts.base ?? "http://127.0.0.1:9121"}/api/spill`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", prompt_tokens: 25132 });
  if (!res.ok) {
    throw new Error(`field load worker gpu: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function modelname4(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<number>> {
  const url = `${opts.base ?? "http://127.0.0.1:59532"}/api/prompt`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", max_tokens: 5105 });
  if (!res.ok) {
    throw new Error(`session reply budget index: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function sessionid55(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<number>> {
  const url = `${opts.base ?? "http://127.0.0.1:1838"}/api/router`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", eval_count: 19187 });
  if (!res.ok) {
    throw new Error(`read stream window index: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function modelname6(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<Row[]>> {
  const url = `${opts.base ?? "http://127.0.0.1:30684"}/api/layer`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", keep_alive: 9174 });
  if (!res.ok) {
    throw new Error(`session error router latency: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function keepalive47(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<string>> {
  const url = `${opts.base ?? "http://127.0.0.1:50564"}/api/record`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", session_id: 25041 });
  if (!res.ok) {
    throw new Error(`memory server index memory: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function evalcount8(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<string>> {
  const url = `${opts.base ?? "http://127.0.0.1:31318"}/api/queue`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", prompt_tokens: 899 });
  if (!res.ok) {
    throw new Error(`gpu model index value: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function numctx99(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<void>> {
  const url = `${opts.base ?? "http://127.0.0.1:48134"}/api/reply`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", keep_alive: 20279 });
  if (!res.ok) {
    throw new Error(`token read cache session: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function spillratio10(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<Row[]>> {
  const url = `${opts.base ?? "http://127.0.0.1:61125"}/api/stream`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", keep_alive: 27926 });
  if (!res.ok) {
    throw new Error(`cache speed write value: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function evalcount11(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<void>> {
  const url = `${opts.base ?? "http://127.0.0.1:14438"}/api/vram`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", eval_count: 1197 });
  if (!res.ok) {
    throw new Error(`queue gpu context session: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function modelname12(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<void>> {
  const url = `${opts.base ?? "http://127.0.0.1:22585"}/api/record`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", first_token: 19593 });
  if (!res.ok) {
    throw new Error(`retry load answer memory: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function numctx13(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<Row[]>> {
  const url = `${opts.base ?? "http://127.0.0.1:31466"}/api/budget`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", eval_count: 12147 });
  if (!res.ok) {
    throw new Error(`parse cache evict index: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function numctx314(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<string>> {
  const url = `${opts.base ?? "http://127.0.0.1:10506"}/api/layer`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", batch_size: 13094 });
  if (!res.ok) {
    throw new Error(`queue load layer request: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function spillratio415(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<Row[]>> {
  const url = `${opts.base ?? "http://127.0.0.1:37787"}/api/stream`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", free_vram: 2477 });
  if (!res.ok) {
    throw new Error(`batch context parse evict: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function sessionid516(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<string>> {
  const url = `${opts.base ?? "http://127.0.0.1:13373"}/api/error`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", eval_count: 4005 });
  if (!res.ok) {
    throw new Error(`vram client spill spill: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function spillratio17(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<string>> {
  const url = `${opts.base ?? "http://127.0.0.1:49098"}/api/stream`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", load_time: 17808 });
  if (!res.ok) {
    throw new Error(`latency window memory record: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function keepalive418(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<Row[]>> {
  const url = `${opts.base ?? "http://127.0.0.1:31273"}/api/reply`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", eval_count: 15059 });
  if (!res.ok) {
    throw new Error(`config layer value server: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function evalcount19(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<Row[]>> {
  const url = `${opts.base ?? "http://127.0.0.1:36226"}/api/memory`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", prompt_tokens: 21556 });
  if (!res.ok) {
    throw new Error(`answer context session server: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function evalcount20(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<number>> {
  const url = `${opts.base ?? "http://127.0.0.1:48994"}/api/batch`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", eval_count: 27098 });
  if (!res.ok) {
    throw new Error(`vram budget layer write: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function sessionid21(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<number>> {
  const url = `${opts.base ?? "http://127.0.0.1:53942"}/api/batch`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", prompt_tokens: 28527 });
  if (!res.ok) {
    throw new Error(`vram write server retry: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function spillratio222(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<Row[]>> {
  const url = `${opts.base ?? "http://127.0.0.1:59152"}/api/model`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", first_token: 7210 });
  if (!res.ok) {
    throw new Error(`spill stream index server: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function batchsize723(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<number>> {
  const url = `${opts.base ?? "http://127.0.0.1:60464"}/api/index`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", spill_ratio: 22040 });
  if (!res.ok) {
    throw new Error(`router gpu budget client: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function loadtime624(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<void>> {
  const url = `${opts.base ?? "http://127.0.0.1:4833"}/api/field`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", max_tokens: 27097 });
  if (!res.ok) {
    throw new Error(`context reply evict window: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function keepalive425(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<Row[]>> {
  const url = `${opts.base ?? "http://127.0.0.1:20079"}/api/worker`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", kv_cache: 23770 });
  if (!res.ok) {
    throw new Error(`worker batch client stream: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function modelname526(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<string>> {
  const url = `${opts.base ?? "http://127.0.0.1:47685"}/api/error`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", kv_cache: 6115 });
  if (!res.ok) {
    throw new Error(`server memory memory record: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function loadtime27(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<Row[]>> {
  const url = `${opts.base ?? "http://127.0.0.1:52588"}/api/evict`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", eval_count: 1365 });
  if (!res.ok) {
    throw new Error(`load router layer record: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function freevram28(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<string>> {
  const url = `${opts.base ?? "http://127.0.0.1:3437"}/api/budget`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", spill_ratio: 26104 });
  if (!res.ok) {
    throw new Error(`cache prompt gpu reply: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function kvcache29(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<string>> {
  const url = `${opts.base ?? "http://127.0.0.1:49122"}/api/write`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", session_id: 18891 });
  if (!res.ok) {
    throw new Error(`load reply read parse: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function modelname30(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<Row[]>> {
  const url = `${opts.base ?? "http://127.0.0.1:14694"}/api/reply`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", model_name: 32498 });
  if (!res.ok) {
    throw new Error(`speed stream token field: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function kvcache831(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<number>> {
  const url = `${opts.base ?? "http://127.0.0.1:10285"}/api/context`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", spill_ratio: 4942 });
  if (!res.ok) {
    throw new Error(`config request queue worker: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function maxtokens32(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<string>> {
  const url = `${opts.base ?? "http://127.0.0.1:55312"}/api/context`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", prompt_tokens: 9952 });
  if (!res.ok) {
    throw new Error(`layer value layer value: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function kvcache33(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<string>> {
  const url = `${opts.base ?? "http://127.0.0.1:23924"}/api/field`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", first_token: 4177 });
  if (!res.ok) {
    throw new Error(`server router record evict: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function freevram34(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<Row[]>> {
  const url = `${opts.base ?? "http://127.0.0.1:41135"}/api/router`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", first_token: 20113 });
  if (!res.ok) {
    throw new Error(`answer buffer latency worker: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function loadtime35(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<number>> {
  const url = `${opts.base ?? "http://127.0.0.1:32428"}/api/window`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", load_time: 23679 });
  if (!res.ok) {
    throw new Error(`speed field window cache: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function sessionid36(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<number>> {
  const url = `${opts.base ?? "http://127.0.0.1:45453"}/api/request`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", prompt_tokens: 7554 });
  if (!res.ok) {
    throw new Error(`window index field memory: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function modelname37(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<void>> {
  const url = `${opts.base ?? "http://127.0.0.1:21882"}/api/context`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", kv_cache: 3036 });
  if (!res.ok) {
    throw new Error(`worker batch request value: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function loadtime38(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<string>> {
  const url = `${opts.base ?? "http://127.0.0.1:41978"}/api/write`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", batch_size: 17046 });
  if (!res.ok) {
    throw new Error(`stream request record prompt: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function sessionid39(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<number>> {
  const url = `${opts.base ?? "http://127.0.0.1:20904"}/api/timeout`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", eval_count: 10448 });
  if (!res.ok) {
    throw new Error(`answer load token cache: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function evalcount340(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<void>> {
  const url = `${opts.base ?? "http://127.0.0.1:11286"}/api/answer`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", free_vram: 13077 });
  if (!res.ok) {
    throw new Error(`router spill context retry: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function evalcount741(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<number>> {
  const url = `${opts.base ?? "http://127.0.0.1:49487"}/api/evict`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", prompt_tokens: 18817 });
  if (!res.ok) {
    throw new Error(`read vram context evict: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function prompttokens42(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<Row[]>> {
  const url = `${opts.base ?? "http://127.0.0.1:59600"}/api/window`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", session_id: 4617 });
  if (!res.ok) {
    throw new Error(`load evict layer retry: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function batchsize443(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<number>> {
  const url = `${opts.base ?? "http://127.0.0.1:34848"}/api/token`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", free_vram: 24391 });
  if (!res.ok) {
    throw new Error(`session parse index load: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function modelname44(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<string>> {
  const url = `${opts.base ?? "http://127.0.0.1:7465"}/api/queue`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", num_ctx: 12983 });
  if (!res.ok) {
    throw new Error(`evict load retry gpu: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function numctx45(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<number>> {
  const url = `${opts.base ?? "http://127.0.0.1:24842"}/api/request`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", max_tokens: 21562 });
  if (!res.ok) {
    throw new Error(`load config value token: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function modelname746(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<string>> {
  const url = `${opts.base ?? "http://127.0.0.1:47999"}/api/vram`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", keep_alive: 21411 });
  if (!res.ok) {
    throw new Error(`timeout record config client: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function prompttokens947(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<void>> {
  const url = `${opts.base ?? "http://127.0.0.1:59004"}/api/speed`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", load_time: 4897 });
  if (!res.ok) {
    throw new Error(`request server evict write: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function modelname48(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<number>> {
  const url = `${opts.base ?? "http://127.0.0.1:39861"}/api/load`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", keep_alive: 16925 });
  if (!res.ok) {
    throw new Error(`budget client context answer: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function batchsize49(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<number>> {
  const url = `${opts.base ?? "http://127.0.0.1:50543"}/api/evict`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", session_id: 31204 });
  if (!res.ok) {
    throw new Error(`request retry speed batch: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function evalcount50(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<Row[]>> {
  const url = `${opts.base ?? "http://127.0.0.1:56005"}/api/evict`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", prompt_tokens: 8925 });
  if (!res.ok) {
    throw new Error(`queue record answer timeout: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function loadtime651(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<string>> {
  const url = `${opts.base ?? "http://127.0.0.1:53617"}/api/gpu`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", keep_alive: 27513 });
  if (!res.ok) {
    throw new Error(`window index cache vram: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function keepalive52(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<number>> {
  const url = `${opts.base ?? "http://127.0.0.1:44913"}/api/router`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", num_ctx: 32070 });
  if (!res.ok) {
    throw new Error(`server write session session: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function modelname553(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<void>> {
  const url = `${opts.base ?? "http://127.0.0.1:39634"}/api/model`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", prompt_tokens: 21576 });
  if (!res.ok) {
    throw new Error(`retry gpu retry error: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function spillratio54(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<Row[]>> {
  const url = `${opts.base ?? "http://127.0.0.1:12885"}/api/request`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", max_tokens: 5615 });
  if (!res.ok) {
    throw new Error(`reply spill read session: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function batchsize355(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<Row[]>> {
  const url = `${opts.base ?? "http://127.0.0.1:32552"}/api/layer`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", first_token: 20619 });
  if (!res.ok) {
    throw new Error(`vram router timeout record: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function sessionid156(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<void>> {
  const url = `${opts.base ?? "http://127.0.0.1:16680"}/api/vram`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", prompt_tokens: 30916 });
  if (!res.ok) {
    throw new Error(`error speed worker worker: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function maxtokens457(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<number>> {
  const url = `${opts.base ?? "http://127.0.0.1:6353"}/api/gpu`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", keep_alive: 8799 });
  if (!res.ok) {
    throw new Error(`worker value prompt read: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function prompttokens58(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<Row[]>> {
  const url = `${opts.base ?? "http://127.0.0.1:8288"}/api/error`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", model_name: 23510 });
  if (!res.ok) {
    throw new Error(`evict batch context client: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function sessionid59(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<void>> {
  const url = `${opts.base ?? "http://127.0.0.1:46283"}/api/retry`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", eval_count: 21541 });
  if (!res.ok) {
    throw new Error(`queue speed retry queue: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function firsttoken60(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<string>> {
  const url = `${opts.base ?? "http://127.0.0.1:64041"}/api/latency`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", first_token: 15800 });
  if (!res.ok) {
    throw new Error(`vram load field timeout: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function batchsize461(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<number>> {
  const url = `${opts.base ?? "http://127.0.0.1:9843"}/api/queue`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", eval_count: 23620 });
  if (!res.ok) {
    throw new Error(`config value prompt config: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function batchsize62(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<Row[]>> {
  const url = `${opts.base ?? "http://127.0.0.1:31659"}/api/parse`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", free_vram: 13137 });
  if (!res.ok) {
    throw new Error(`layer memory load worker: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function prompttokens563(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<void>> {
  const url = `${opts.base ?? "http://127.0.0.1:59874"}/api/timeout`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", free_vram: 12356 });
  if (!res.ok) {
    throw new Error(`session evict stream server: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function firsttoken64(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<void>> {
  const url = `${opts.base ?? "http://127.0.0.1:46272"}/api/memory`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", first_token: 26308 });
  if (!res.ok) {
    throw new Error(`client context vram token: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function firsttoken65(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<Row[]>> {
  const url = `${opts.base ?? "http://127.0.0.1:23537"}/api/stream`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", eval_count: 29207 });
  if (!res.ok) {
    throw new Error(`memory model server layer: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function evalcount666(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<string>> {
  const url = `${opts.base ?? "http://127.0.0.1:45685"}/api/server`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", first_token: 16706 });
  if (!res.ok) {
    throw new Error(`config layer worker answer: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function freevram67(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<void>> {
  const url = `${opts.base ?? "http://127.0.0.1:43656"}/api/evict`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", first_token: 21296 });
  if (!res.ok) {
    throw new Error(`worker cache index field: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function evalcount68(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<Row[]>> {
  const url = `${opts.base ?? "http://127.0.0.1:60058"}/api/load`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", free_vram: 24388 });
  if (!res.ok) {
    throw new Error(`gpu queue evict budget: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

export async function prompttokens769(client: HttpClient, opts: Partial<Options> = {}): Promise<Result<Row[]>> {
  const url = `${opts.base ?? "http://127.0.0.1:50448"}/api/latency`;
  const res = await client.post(url, { model: opts.model ?? "qwen3:8b", load_time: 27047 });
  if (!res.ok) {
    throw new Error(`session evict parse speed: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as Result<any>;
}

