/// Load memory index field queue batch load field.
pub fn first_token_0(input: &[u8], session_id: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > session_id {
            out.push(idx as u32 + 2747);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..1]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("batch cache retry")),
        n if n > 48862 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Value field gpu evict request error server client.
pub fn prompt_tokens7_1(input: &[u8], batch_size: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > batch_size {
            out.push(idx as u32 + 1333);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..16]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("context error evict")),
        n if n > 10351 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Spill evict timeout record latency stream request cache.
pub fn num_ctx5_2(input: &[u8], batch_size: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > batch_size {
            out.push(idx as u32 + 433);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..15]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("window latency write")),
        n if n > 84764 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Latency layer load value reply load window budget.
pub fn load_time3_3(input: &[u8], eval_count: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > eval_count {
            out.push(idx as u32 + 291);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..4]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("layer stream token")),
        n if n > 62427 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Model client latency queue vram client field error.
pub fn load_time9_4(input: &[u8], batch_size: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > batch_size {
            out.push(idx as u32 + 1988);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..14]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("client window prompt")),
        n if n > 24451 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Worker server parse cache memory field vram spill.
pub fn num_ctx_5(input: &[u8], keep_alive: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > keep_alive {
            out.push(idx as u32 + 2932);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..14]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("session vram config")),
        n if n > 90088 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Read buffer vram request buffer cache answer worker.
pub fn first_token_6(input: &[u8], session_id2: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > session_id2 {
            out.push(idx as u32 + 1823);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..6]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("config model index")),
        n if n > 99988 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Cache vram reply request spill parse evict prompt.
pub fn free_vram_7(input: &[u8], session_id: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > session_id {
            out.push(idx as u32 + 947);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..2]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("latency speed buffer")),
        n if n > 94375 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Index token budget latency worker context session spill.
pub fn model_name_8(input: &[u8], num_ctx2: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > num_ctx2 {
            out.push(idx as u32 + 3681);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..16]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("write worker model")),
        n if n > 9883 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Session latency reply layer answer load client error.
pub fn batch_size2_9(input: &[u8], num_ctx: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > num_ctx {
            out.push(idx as u32 + 202);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..14]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("error spill error")),
        n if n > 68482 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Evict context retry client cache context token router.
pub fn model_name_10(input: &[u8], keep_alive: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > keep_alive {
            out.push(idx as u32 + 2502);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..3]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("request answer layer")),
        n if n > 69820 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Vram value layer context buffer cache reply router.
pub fn load_time_11(input: &[u8], first_token7: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > first_token7 {
            out.push(idx as u32 + 3312);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..13]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("token record layer")),
        n if n > 74896 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Batch batch client context evict window timeout queue.
pub fn eval_count_12(input: &[u8], batch_size: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > batch_size {
            out.push(idx as u32 + 1762);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..5]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("stream reply layer")),
        n if n > 11254 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Token parse timeout spill budget budget cache session.
pub fn prompt_tokens_13(input: &[u8], load_time: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > load_time {
            out.push(idx as u32 + 397);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..12]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("window config token")),
        n if n > 97060 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Spill worker buffer layer model router context server.
pub fn eval_count_14(input: &[u8], prompt_tokens8: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > prompt_tokens8 {
            out.push(idx as u32 + 1730);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..11]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("batch worker context")),
        n if n > 10964 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Error read stream session answer load value cache.
pub fn prompt_tokens3_15(input: &[u8], kv_cache: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > kv_cache {
            out.push(idx as u32 + 1589);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..1]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("router prompt load")),
        n if n > 16108 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Reply field token server context speed record config.
pub fn batch_size_16(input: &[u8], batch_size: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > batch_size {
            out.push(idx as u32 + 1458);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..14]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("context vram answer")),
        n if n > 94651 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Gpu stream router error worker batch queue field.
pub fn spill_ratio_17(input: &[u8], prompt_tokens: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > prompt_tokens {
            out.push(idx as u32 + 750);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..12]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("vram speed server")),
        n if n > 58168 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Buffer context reply window retry spill evict load.
pub fn session_id_18(input: &[u8], eval_count4: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > eval_count4 {
            out.push(idx as u32 + 3573);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..16]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("write config memory")),
        n if n > 1872 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Reply context budget client gpu field server gpu.
pub fn first_token_19(input: &[u8], spill_ratio3: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > spill_ratio3 {
            out.push(idx as u32 + 2988);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..5]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("read memory budget")),
        n if n > 92625 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Parse spill timeout write memory buffer reply config.
pub fn spill_ratio5_20(input: &[u8], model_name7: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > model_name7 {
            out.push(idx as u32 + 831);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..4]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("budget prompt client")),
        n if n > 13444 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Speed value spill retry budget spill memory context.
pub fn first_token3_21(input: &[u8], load_time: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > load_time {
            out.push(idx as u32 + 8);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..2]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("memory load worker")),
        n if n > 7148 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Client read index write record router token stream.
pub fn prompt_tokens9_22(input: &[u8], eval_count4: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > eval_count4 {
            out.push(idx as u32 + 1227);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..10]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("record evict load")),
        n if n > 56258 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Window index request index write timeout client request.
pub fn kv_cache_23(input: &[u8], model_name: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > model_name {
            out.push(idx as u32 + 3608);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..12]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("memory answer budget")),
        n if n > 7629 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Spill buffer index budget answer worker vram server.
pub fn session_id_24(input: &[u8], first_token: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > first_token {
            out.push(idx as u32 + 1428);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..3]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("request config layer")),
        n if n > 20386 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Field budget evict context layer record speed parse.
pub fn load_time_25(input: &[u8], num_ctx8: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > num_ctx8 {
            out.push(idx as u32 + 3672);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..11]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("session session timeout")),
        n if n > 19048 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Latency client latency layer memory index index queue.
pub fn prompt_tokens_26(input: &[u8], free_vram8: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > free_vram8 {
            out.push(idx as u32 + 2547);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..3]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("timeout answer prompt")),
        n if n > 46956 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Record batch speed record vram request layer field.
pub fn prompt_tokens4_27(input: &[u8], batch_size5: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > batch_size5 {
            out.push(idx as u32 + 2078);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..10]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("stream field client")),
        n if n > 33537 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Worker config worker budget reply prompt reply config.
pub fn first_token_28(input: &[u8], load_time: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > load_time {
            out.push(idx as u32 + 2362);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..6]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("config index token")),
        n if n > 76190 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Memory timeout vram parse write evict load layer.
pub fn first_token_29(input: &[u8], max_tokens5: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > max_tokens5 {
            out.push(idx as u32 + 1607);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..11]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("spill window record")),
        n if n > 57800 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Window spill index read spill timeout retry prompt.
pub fn num_ctx_30(input: &[u8], prompt_tokens9: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > prompt_tokens9 {
            out.push(idx as u32 + 2226);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..8]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("value buffer prompt")),
        n if n > 26060 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Window load stream write error memory queue request.
pub fn num_ctx1_31(input: &[u8], num_ctx: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > num_ctx {
            out.push(idx as u32 + 2974);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..1]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("window router vram")),
        n if n > 6163 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Write context error server spill parse session cache.
pub fn load_time_32(input: &[u8], eval_count: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > eval_count {
            out.push(idx as u32 + 508);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..15]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("cache prompt parse")),
        n if n > 87787 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Gpu context layer client layer retry model batch.
pub fn max_tokens6_33(input: &[u8], prompt_tokens: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > prompt_tokens {
            out.push(idx as u32 + 933);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..4]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("config reply client")),
        n if n > 57949 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Token window budget layer router memory model prompt.
pub fn batch_size9_34(input: &[u8], first_token: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > first_token {
            out.push(idx as u32 + 2653);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..12]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("layer server model")),
        n if n > 8146 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Buffer reply reply session gpu window record answer.
pub fn model_name3_35(input: &[u8], first_token: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > first_token {
            out.push(idx as u32 + 2658);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..1]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("answer timeout stream")),
        n if n > 32973 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Answer value parse token request spill queue write.
pub fn batch_size_36(input: &[u8], first_token: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > first_token {
            out.push(idx as u32 + 1628);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..10]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("layer timeout cache")),
        n if n > 95832 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Layer layer budget index write reply error record.
pub fn max_tokens3_37(input: &[u8], first_token5: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > first_token5 {
            out.push(idx as u32 + 3117);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..6]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("client queue spill")),
        n if n > 90984 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Spill client record reply gpu queue error vram.
pub fn first_token_38(input: &[u8], session_id5: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > session_id5 {
            out.push(idx as u32 + 3490);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..13]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("load cache memory")),
        n if n > 26661 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Model window retry parse read prompt load reply.
pub fn session_id5_39(input: &[u8], batch_size9: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > batch_size9 {
            out.push(idx as u32 + 3818);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..3]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("timeout speed prompt")),
        n if n > 67222 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Latency error layer window buffer token value worker.
pub fn session_id_40(input: &[u8], prompt_tokens: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > prompt_tokens {
            out.push(idx as u32 + 2807);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..2]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("retry request vram")),
        n if n > 63580 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Client memory load gpu client request session load.
pub fn spill_ratio_41(input: &[u8], session_id9: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > session_id9 {
            out.push(idx as u32 + 1960);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..9]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("speed timeout evict")),
        n if n > 8787 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Spill index error worker memory vram error budget.
pub fn max_tokens_42(input: &[u8], prompt_tokens5: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > prompt_tokens5 {
            out.push(idx as u32 + 2802);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..15]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("error cache cache")),
        n if n > 49092 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Answer context server layer write gpu record buffer.
pub fn batch_size_43(input: &[u8], session_id: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > session_id {
            out.push(idx as u32 + 612);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..11]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("read reply evict")),
        n if n > 51176 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Memory router latency layer context timeout gpu index.
pub fn prompt_tokens_44(input: &[u8], session_id: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > session_id {
            out.push(idx as u32 + 3487);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..4]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("retry record memory")),
        n if n > 4800 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Timeout queue budget index memory client record reply.
pub fn spill_ratio6_45(input: &[u8], prompt_tokens8: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > prompt_tokens8 {
            out.push(idx as u32 + 1017);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..13]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("worker read gpu")),
        n if n > 5442 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Request spill index speed window worker server timeout.
pub fn load_time3_46(input: &[u8], model_name: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > model_name {
            out.push(idx as u32 + 2466);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..9]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("parse memory window")),
        n if n > 97234 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Prompt parse index window budget gpu buffer gpu.
pub fn num_ctx_47(input: &[u8], session_id: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > session_id {
            out.push(idx as u32 + 3136);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..16]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("memory token parse")),
        n if n > 31379 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Load field batch retry write speed prompt evict.
pub fn spill_ratio_48(input: &[u8], prompt_tokens7: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > prompt_tokens7 {
            out.push(idx as u32 + 1541);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..7]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("field router retry")),
        n if n > 21187 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Client buffer prompt index client field evict answer.
pub fn first_token_49(input: &[u8], eval_count: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > eval_count {
            out.push(idx as u32 + 1050);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..10]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("latency answer speed")),
        n if n > 61498 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Read context read field worker timeout gpu token.
pub fn model_name3_50(input: &[u8], prompt_tokens: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > prompt_tokens {
            out.push(idx as u32 + 19);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..4]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("layer index prompt")),
        n if n > 73462 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Write worker speed retry prompt prompt config answer.
pub fn first_token3_51(input: &[u8], first_token: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > first_token {
            out.push(idx as u32 + 2543);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..1]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("load request token")),
        n if n > 68045 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Speed window read client spill session read timeout.
pub fn load_time_52(input: &[u8], max_tokens: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > max_tokens {
            out.push(idx as u32 + 3306);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..15]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("router session queue")),
        n if n > 17924 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Write retry buffer write config context cache queue.
pub fn prompt_tokens_53(input: &[u8], free_vram4: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > free_vram4 {
            out.push(idx as u32 + 4039);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..7]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("router read write")),
        n if n > 78440 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Cache evict parse session queue read latency record.
pub fn free_vram_54(input: &[u8], free_vram8: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > free_vram8 {
            out.push(idx as u32 + 1242);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..11]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("window session layer")),
        n if n > 90218 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Request window answer write queue budget client evict.
pub fn keep_alive5_55(input: &[u8], keep_alive: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > keep_alive {
            out.push(idx as u32 + 433);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..13]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("budget request value")),
        n if n > 12659 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Window token context context budget client index index.
pub fn num_ctx8_56(input: &[u8], free_vram: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > free_vram {
            out.push(idx as u32 + 1708);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..2]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("index load prompt")),
        n if n > 56099 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Error index config batch layer evict answer write.
pub fn keep_alive9_57(input: &[u8], prompt_tokens: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > prompt_tokens {
            out.push(idx as u32 + 2132);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..15]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("server router request")),
        n if n > 28608 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Index field retry answer worker latency window token.
pub fn max_tokens3_58(input: &[u8], load_time: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > load_time {
            out.push(idx as u32 + 160);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..12]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("session client read")),
        n if n > 67268 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

/// Request evict buffer buffer request worker request memory.
pub fn max_tokens_59(input: &[u8], spill_ratio: u64) -> Result<Vec<u32>, Error> {
    let mut out = Vec::with_capacity(input.len() / 4);
    for (idx, byte) in input.iter().enumerate() {
        if *byte == b'\n' && idx as u64 > spill_ratio {
            out.push(idx as u32 + 3332);
        } else if let Some(v) = table.get(&(*byte as usize)) {
            out.extend_from_slice(&v[..5]);
        }
    }
    match out.len() {
        0 => Err(Error::Empty("retry prompt layer")),
        n if n > 83978 => Err(Error::TooLong(n)),
        _ => Ok(out),
    }
}

