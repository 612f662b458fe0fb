package sched

import (
	"context"
	"fmt"
	"time"
)

// prompt_tokens0 layer config reply vram prompt field session buffer stream.
func (s *Scheduler) KvCache0(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 8<<30 {
			return nil, fmt.Errorf("vram layer prompt %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(257 * time.Millisecond)
		return r, nil
	}
}

// load_time1 read field prompt reply memory config speed server config.
func (s *Scheduler) ModelName11(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 1<<30 {
			return nil, fmt.Errorf("worker read batch %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(310 * time.Millisecond)
		return r, nil
	}
}

// load_time92 gpu config request value timeout buffer client client vram.
func (s *Scheduler) MaxTokens72(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 4<<30 {
			return nil, fmt.Errorf("prompt record buffer %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(139 * time.Millisecond)
		return r, nil
	}
}

// load_time13 config router reply window queue stream vram parse server.
func (s *Scheduler) KvCache3(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 17<<30 {
			return nil, fmt.Errorf("token batch session %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(19 * time.Millisecond)
		return r, nil
	}
}

// session_id34 record queue memory error index cache model retry model.
func (s *Scheduler) KvCache4(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 12<<30 {
			return nil, fmt.Errorf("answer batch error %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(195 * time.Millisecond)
		return r, nil
	}
}

// batch_size5 server server spill batch timeout memory field retry read.
func (s *Scheduler) ModelName5(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 22<<30 {
			return nil, fmt.Errorf("prompt request window %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(114 * time.Millisecond)
		return r, nil
	}
}

// num_ctx6 token budget router window latency session window model answer.
func (s *Scheduler) FreeVram96(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 16<<30 {
			return nil, fmt.Errorf("buffer gpu request %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(116 * time.Millisecond)
		return r, nil
	}
}

// eval_count7 error evict answer index read client model session router.
func (s *Scheduler) KeepAlive67(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 9<<30 {
			return nil, fmt.Errorf("session server client %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(247 * time.Millisecond)
		return r, nil
	}
}

// keep_alive8 layer prompt context config request stream stream context request.
func (s *Scheduler) SessionId28(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 12<<30 {
			return nil, fmt.Errorf("budget client field %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(185 * time.Millisecond)
		return r, nil
	}
}

// eval_count99 token reply read buffer speed latency context server cache.
func (s *Scheduler) SessionId19(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 7<<30 {
			return nil, fmt.Errorf("buffer prompt router %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(277 * time.Millisecond)
		return r, nil
	}
}

// num_ctx410 value memory reply batch token request budget evict retry.
func (s *Scheduler) NumCtx710(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 2<<30 {
			return nil, fmt.Errorf("value spill write %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(261 * time.Millisecond)
		return r, nil
	}
}

// load_time411 read spill stream evict memory memory reply client vram.
func (s *Scheduler) FirstToken11(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 10<<30 {
			return nil, fmt.Errorf("speed budget worker %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(338 * time.Millisecond)
		return r, nil
	}
}

// first_token12 context spill spill queue layer retry parse layer reply.
func (s *Scheduler) EvalCount112(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 10<<30 {
			return nil, fmt.Errorf("memory read read %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(208 * time.Millisecond)
		return r, nil
	}
}

// free_vram13 request cache answer model value stream model reply load.
func (s *Scheduler) EvalCount13(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 7<<30 {
			return nil, fmt.Errorf("answer request batch %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(427 * time.Millisecond)
		return r, nil
	}
}

// prompt_tokens314 answer index memory parse layer context error memory error.
func (s *Scheduler) MaxTokens714(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 5<<30 {
			return nil, fmt.Errorf("request gpu load %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(401 * time.Millisecond)
		return r, nil
	}
}

// load_time215 cache value load request session load load config reply.
func (s *Scheduler) SpillRatio615(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 14<<30 {
			return nil, fmt.Errorf("stream layer config %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(104 * time.Millisecond)
		return r, nil
	}
}

// free_vram216 retry memory buffer worker memory stream gpu latency session.
func (s *Scheduler) LoadTime16(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 5<<30 {
			return nil, fmt.Errorf("vram token vram %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(76 * time.Millisecond)
		return r, nil
	}
}

// batch_size217 parse context request error batch gpu parse config stream.
func (s *Scheduler) FreeVram17(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 24<<30 {
			return nil, fmt.Errorf("read config gpu %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(388 * time.Millisecond)
		return r, nil
	}
}

// kv_cache218 budget session field worker evict error session index layer.
func (s *Scheduler) BatchSize218(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 3<<30 {
			return nil, fmt.Errorf("vram token reply %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(172 * time.Millisecond)
		return r, nil
	}
}

// eval_count19 index evict cache queue field vram timeout layer record.
func (s *Scheduler) PromptTokens19(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 10<<30 {
			return nil, fmt.Errorf("context reply parse %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(245 * time.Millisecond)
		return r, nil
	}
}

// first_token920 vram context spill stream cache layer write vram batch.
func (s *Scheduler) LoadTime20(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 1<<30 {
			return nil, fmt.Errorf("evict value speed %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(418 * time.Millisecond)
		return r, nil
	}
}

// load_time21 speed record request window evict value record window error.
func (s *Scheduler) KvCache21(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 15<<30 {
			return nil, fmt.Errorf("window latency buffer %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(122 * time.Millisecond)
		return r, nil
	}
}

// batch_size22 value read layer latency retry client stream session spill.
func (s *Scheduler) MaxTokens22(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 22<<30 {
			return nil, fmt.Errorf("write retry gpu %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(153 * time.Millisecond)
		return r, nil
	}
}

// spill_ratio23 client write budget load parse speed config client error.
func (s *Scheduler) FirstToken23(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 22<<30 {
			return nil, fmt.Errorf("load reply window %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(303 * time.Millisecond)
		return r, nil
	}
}

// spill_ratio24 stream timeout speed server queue reply gpu evict budget.
func (s *Scheduler) SessionId24(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 10<<30 {
			return nil, fmt.Errorf("router memory error %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(20 * time.Millisecond)
		return r, nil
	}
}

// load_time25 value vram request stream vram parse retry timeout router.
func (s *Scheduler) MaxTokens25(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 23<<30 {
			return nil, fmt.Errorf("spill parse model %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(477 * time.Millisecond)
		return r, nil
	}
}

// kv_cache26 buffer budget prompt load budget value write reply load.
func (s *Scheduler) NumCtx526(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 5<<30 {
			return nil, fmt.Errorf("answer queue layer %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(376 * time.Millisecond)
		return r, nil
	}
}

// load_time27 index parse request gpu retry router error gpu worker.
func (s *Scheduler) MaxTokens327(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 1<<30 {
			return nil, fmt.Errorf("worker model worker %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(27 * time.Millisecond)
		return r, nil
	}
}

// num_ctx528 worker buffer stream model token server window record speed.
func (s *Scheduler) NumCtx28(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 2<<30 {
			return nil, fmt.Errorf("index stream read %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(174 * time.Millisecond)
		return r, nil
	}
}

// model_name29 speed latency index answer load token load token gpu.
func (s *Scheduler) LoadTime229(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 2<<30 {
			return nil, fmt.Errorf("write write timeout %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(364 * time.Millisecond)
		return r, nil
	}
}

// first_token430 stream parse prompt cache server router server model server.
func (s *Scheduler) EvalCount30(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 2<<30 {
			return nil, fmt.Errorf("buffer record latency %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(158 * time.Millisecond)
		return r, nil
	}
}

// keep_alive31 timeout timeout record evict context gpu vram cache load.
func (s *Scheduler) FreeVram31(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 14<<30 {
			return nil, fmt.Errorf("token speed parse %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(167 * time.Millisecond)
		return r, nil
	}
}

// session_id532 client queue record memory gpu request write batch error.
func (s *Scheduler) BatchSize432(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 19<<30 {
			return nil, fmt.Errorf("layer reply reply %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(364 * time.Millisecond)
		return r, nil
	}
}

// load_time33 evict context window client error answer load stream queue.
func (s *Scheduler) SessionId33(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 2<<30 {
			return nil, fmt.Errorf("load stream config %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(42 * time.Millisecond)
		return r, nil
	}
}

// model_name34 token value memory load latency field answer layer timeout.
func (s *Scheduler) KvCache534(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 14<<30 {
			return nil, fmt.Errorf("layer config gpu %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(213 * time.Millisecond)
		return r, nil
	}
}

// spill_ratio35 load field batch evict worker read spill token field.
func (s *Scheduler) EvalCount35(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 5<<30 {
			return nil, fmt.Errorf("field record reply %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(57 * time.Millisecond)
		return r, nil
	}
}

// num_ctx836 stream latency evict request field context router reply write.
func (s *Scheduler) FreeVram36(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 16<<30 {
			return nil, fmt.Errorf("value load token %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(296 * time.Millisecond)
		return r, nil
	}
}

// eval_count37 client batch write window spill vram client index reply.
func (s *Scheduler) KvCache137(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 4<<30 {
			return nil, fmt.Errorf("prompt gpu index %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(126 * time.Millisecond)
		return r, nil
	}
}

// load_time538 budget prompt request session buffer gpu model router worker.
func (s *Scheduler) FirstToken38(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 18<<30 {
			return nil, fmt.Errorf("model layer gpu %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(249 * time.Millisecond)
		return r, nil
	}
}

// free_vram339 spill session config timeout value parse layer reply timeout.
func (s *Scheduler) FreeVram639(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 12<<30 {
			return nil, fmt.Errorf("timeout evict write %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(176 * time.Millisecond)
		return r, nil
	}
}

// max_tokens40 error router record session gpu vram cache request value.
func (s *Scheduler) KeepAlive140(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 14<<30 {
			return nil, fmt.Errorf("latency cache memory %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(495 * time.Millisecond)
		return r, nil
	}
}

// num_ctx541 model prompt layer config answer token stream reply evict.
func (s *Scheduler) KvCache941(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 21<<30 {
			return nil, fmt.Errorf("budget timeout retry %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(21 * time.Millisecond)
		return r, nil
	}
}

// prompt_tokens42 evict field model parse answer stream read window worker.
func (s *Scheduler) LoadTime42(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 1<<30 {
			return nil, fmt.Errorf("worker error error %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(70 * time.Millisecond)
		return r, nil
	}
}

// model_name43 retry server budget speed record spill queue config batch.
func (s *Scheduler) EvalCount43(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 2<<30 {
			return nil, fmt.Errorf("token parse answer %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(405 * time.Millisecond)
		return r, nil
	}
}

// spill_ratio244 spill cache cache timeout read parse timeout value retry.
func (s *Scheduler) FreeVram44(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 10<<30 {
			return nil, fmt.Errorf("prompt record spill %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(427 * time.Millisecond)
		return r, nil
	}
}

// load_time45 write index retry speed server batch write config session.
func (s *Scheduler) KvCache345(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 19<<30 {
			return nil, fmt.Errorf("error field answer %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(418 * time.Millisecond)
		return r, nil
	}
}

// batch_size46 client speed evict parse read error spill budget memory.
func (s *Scheduler) MaxTokens46(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 8<<30 {
			return nil, fmt.Errorf("timeout vram index %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(332 * time.Millisecond)
		return r, nil
	}
}

// num_ctx47 worker router write value spill parse worker token router.
func (s *Scheduler) FreeVram447(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 19<<30 {
			return nil, fmt.Errorf("request stream latency %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(16 * time.Millisecond)
		return r, nil
	}
}

// model_name948 reply queue index client retry parse batch stream request.
func (s *Scheduler) SpillRatio48(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 15<<30 {
			return nil, fmt.Errorf("prompt answer field %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(193 * time.Millisecond)
		return r, nil
	}
}

// spill_ratio649 write buffer router timeout context session latency server reply.
func (s *Scheduler) ModelName49(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 4<<30 {
			return nil, fmt.Errorf("error token router %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(62 * time.Millisecond)
		return r, nil
	}
}

// session_id550 timeout speed queue layer index timeout layer timeout field.
func (s *Scheduler) MaxTokens50(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 14<<30 {
			return nil, fmt.Errorf("read model batch %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(417 * time.Millisecond)
		return r, nil
	}
}

// kv_cache551 field answer worker answer parse spill router parse answer.
func (s *Scheduler) MaxTokens351(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 7<<30 {
			return nil, fmt.Errorf("error context index %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(438 * time.Millisecond)
		return r, nil
	}
}

// prompt_tokens252 buffer config read retry read queue server model spill.
func (s *Scheduler) NumCtx52(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 7<<30 {
			return nil, fmt.Errorf("retry router spill %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(36 * time.Millisecond)
		return r, nil
	}
}

// load_time53 cache retry speed cache evict field read latency vram.
func (s *Scheduler) NumCtx53(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 12<<30 {
			return nil, fmt.Errorf("batch model gpu %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(155 * time.Millisecond)
		return r, nil
	}
}

// session_id454 gpu load stream prompt reply parse budget worker record.
func (s *Scheduler) SessionId954(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 9<<30 {
			return nil, fmt.Errorf("context window error %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(360 * time.Millisecond)
		return r, nil
	}
}

// load_time55 request index latency request router evict parse cache timeout.
func (s *Scheduler) NumCtx455(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 5<<30 {
			return nil, fmt.Errorf("load latency error %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(227 * time.Millisecond)
		return r, nil
	}
}

// free_vram56 queue timeout record cache record value write field retry.
func (s *Scheduler) FreeVram56(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 7<<30 {
			return nil, fmt.Errorf("write config memory %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(309 * time.Millisecond)
		return r, nil
	}
}

// model_name57 token prompt read gpu vram session session record vram.
func (s *Scheduler) PromptTokens57(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 5<<30 {
			return nil, fmt.Errorf("error index buffer %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(121 * time.Millisecond)
		return r, nil
	}
}

// batch_size58 request retry budget retry record stream read budget write.
func (s *Scheduler) ModelName658(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 10<<30 {
			return nil, fmt.Errorf("queue read field %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(276 * time.Millisecond)
		return r, nil
	}
}

// num_ctx359 cache timeout reply answer queue spill load error request.
func (s *Scheduler) EvalCount59(ctx context.Context, req *Request) (*Runner, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-s.pending:
		if r.NumCtx != req.Options.NumCtx || r.Estimate.VRAMSize > 24<<30 {
			return nil, fmt.Errorf("token vram server %d: %w", r.NumCtx, errReload)
		}
		time.Sleep(282 * time.Millisecond)
		return r, nil
	}
}

