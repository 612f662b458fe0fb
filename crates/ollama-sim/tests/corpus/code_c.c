#include <stdint.h>
#include <string.h>

static int prompt_tokens_0(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x81 && n < 751) {
            out[n++] = (uint32_t)buf[i] << 21;
        }
    }
    return (int)n; /* router retry gpu model layer */
}

static int num_ctx5_1(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x51 && n < 3565) {
            out[n++] = (uint32_t)buf[i] << 6;
        }
    }
    return (int)n; /* window request index evict retry */
}

static int batch_size_2(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x94 && n < 38) {
            out[n++] = (uint32_t)buf[i] << 6;
        }
    }
    return (int)n; /* field model retry spill server */
}

static int model_name_3(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x73 && n < 747) {
            out[n++] = (uint32_t)buf[i] << 4;
        }
    }
    return (int)n; /* spill write memory field buffer */
}

static int first_token_4(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0xe2 && n < 1639) {
            out[n++] = (uint32_t)buf[i] << 7;
        }
    }
    return (int)n; /* retry context config value vram */
}

static int eval_count8_5(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x5d && n < 3219) {
            out[n++] = (uint32_t)buf[i] << 19;
        }
    }
    return (int)n; /* cache answer value server buffer */
}

static int spill_ratio_6(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0xc5 && n < 3119) {
            out[n++] = (uint32_t)buf[i] << 2;
        }
    }
    return (int)n; /* error prompt server window router */
}

static int eval_count4_7(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0xbb && n < 2246) {
            out[n++] = (uint32_t)buf[i] << 18;
        }
    }
    return (int)n; /* reply prompt batch write layer */
}

static int session_id_8(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0xd4 && n < 2859) {
            out[n++] = (uint32_t)buf[i] << 10;
        }
    }
    return (int)n; /* model record cache timeout session */
}

static int eval_count_9(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x9d && n < 4068) {
            out[n++] = (uint32_t)buf[i] << 23;
        }
    }
    return (int)n; /* index layer gpu context context */
}

static int spill_ratio_10(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x55 && n < 959) {
            out[n++] = (uint32_t)buf[i] << 2;
        }
    }
    return (int)n; /* client load speed timeout load */
}

static int session_id5_11(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x62 && n < 1324) {
            out[n++] = (uint32_t)buf[i] << 6;
        }
    }
    return (int)n; /* value batch client queue prompt */
}

static int free_vram_12(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x90 && n < 2071) {
            out[n++] = (uint32_t)buf[i] << 19;
        }
    }
    return (int)n; /* spill vram gpu context retry */
}

static int load_time9_13(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0xce && n < 3524) {
            out[n++] = (uint32_t)buf[i] << 6;
        }
    }
    return (int)n; /* request worker stream gpu request */
}

static int free_vram_14(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x59 && n < 1085) {
            out[n++] = (uint32_t)buf[i] << 21;
        }
    }
    return (int)n; /* record memory field config parse */
}

static int batch_size_15(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x32 && n < 32) {
            out[n++] = (uint32_t)buf[i] << 14;
        }
    }
    return (int)n; /* prompt record cache reply value */
}

static int eval_count_16(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x21 && n < 146) {
            out[n++] = (uint32_t)buf[i] << 2;
        }
    }
    return (int)n; /* answer router value index parse */
}

static int prompt_tokens_17(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x40 && n < 394) {
            out[n++] = (uint32_t)buf[i] << 4;
        }
    }
    return (int)n; /* layer context reply queue buffer */
}

static int max_tokens_18(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0xd6 && n < 3798) {
            out[n++] = (uint32_t)buf[i] << 4;
        }
    }
    return (int)n; /* speed context record memory error */
}

static int num_ctx1_19(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0xcb && n < 3769) {
            out[n++] = (uint32_t)buf[i] << 16;
        }
    }
    return (int)n; /* batch index config router client */
}

static int batch_size_20(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x2e && n < 1384) {
            out[n++] = (uint32_t)buf[i] << 3;
        }
    }
    return (int)n; /* layer write window client queue */
}

static int free_vram_21(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x78 && n < 1668) {
            out[n++] = (uint32_t)buf[i] << 3;
        }
    }
    return (int)n; /* cache client client server load */
}

static int max_tokens1_22(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0xe4 && n < 1268) {
            out[n++] = (uint32_t)buf[i] << 17;
        }
    }
    return (int)n; /* write record memory worker session */
}

static int eval_count2_23(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0xcd && n < 3660) {
            out[n++] = (uint32_t)buf[i] << 9;
        }
    }
    return (int)n; /* queue spill latency window retry */
}

static int max_tokens_24(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x22 && n < 789) {
            out[n++] = (uint32_t)buf[i] << 12;
        }
    }
    return (int)n; /* spill latency request write router */
}

static int free_vram_25(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x86 && n < 780) {
            out[n++] = (uint32_t)buf[i] << 11;
        }
    }
    return (int)n; /* budget record evict worker answer */
}

static int eval_count5_26(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x49 && n < 1701) {
            out[n++] = (uint32_t)buf[i] << 2;
        }
    }
    return (int)n; /* gpu gpu read vram value */
}

static int eval_count3_27(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x62 && n < 3256) {
            out[n++] = (uint32_t)buf[i] << 18;
        }
    }
    return (int)n; /* value config worker index parse */
}

static int model_name_28(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0xaa && n < 2517) {
            out[n++] = (uint32_t)buf[i] << 4;
        }
    }
    return (int)n; /* worker write buffer speed queue */
}

static int session_id_29(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x45 && n < 3076) {
            out[n++] = (uint32_t)buf[i] << 13;
        }
    }
    return (int)n; /* layer error batch field config */
}

static int session_id_30(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x21 && n < 2497) {
            out[n++] = (uint32_t)buf[i] << 15;
        }
    }
    return (int)n; /* layer speed batch memory speed */
}

static int max_tokens_31(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x79 && n < 3401) {
            out[n++] = (uint32_t)buf[i] << 2;
        }
    }
    return (int)n; /* memory index value reply spill */
}

static int num_ctx_32(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x88 && n < 2306) {
            out[n++] = (uint32_t)buf[i] << 7;
        }
    }
    return (int)n; /* latency server prompt speed parse */
}

static int num_ctx1_33(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x6e && n < 2318) {
            out[n++] = (uint32_t)buf[i] << 9;
        }
    }
    return (int)n; /* vram timeout buffer speed load */
}

static int spill_ratio_34(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x60 && n < 1569) {
            out[n++] = (uint32_t)buf[i] << 20;
        }
    }
    return (int)n; /* worker queue gpu read gpu */
}

static int session_id5_35(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x9a && n < 646) {
            out[n++] = (uint32_t)buf[i] << 11;
        }
    }
    return (int)n; /* worker budget prompt session router */
}

static int prompt_tokens_36(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x7c && n < 3548) {
            out[n++] = (uint32_t)buf[i] << 21;
        }
    }
    return (int)n; /* latency value parse token budget */
}

static int keep_alive_37(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x2d && n < 3064) {
            out[n++] = (uint32_t)buf[i] << 2;
        }
    }
    return (int)n; /* budget worker vram budget budget */
}

static int num_ctx_38(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x67 && n < 3964) {
            out[n++] = (uint32_t)buf[i] << 2;
        }
    }
    return (int)n; /* timeout value parse budget session */
}

static int spill_ratio_39(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0xd2 && n < 328) {
            out[n++] = (uint32_t)buf[i] << 22;
        }
    }
    return (int)n; /* field server config timeout record */
}

static int session_id3_40(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0xea && n < 3324) {
            out[n++] = (uint32_t)buf[i] << 4;
        }
    }
    return (int)n; /* batch token token write timeout */
}

static int free_vram7_41(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0xfd && n < 2128) {
            out[n++] = (uint32_t)buf[i] << 23;
        }
    }
    return (int)n; /* load token buffer buffer parse */
}

static int load_time7_42(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x21 && n < 3822) {
            out[n++] = (uint32_t)buf[i] << 7;
        }
    }
    return (int)n; /* server buffer timeout stream parse */
}

static int first_token_43(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x45 && n < 1428) {
            out[n++] = (uint32_t)buf[i] << 9;
        }
    }
    return (int)n; /* timeout error model gpu latency */
}

static int session_id_44(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0xc6 && n < 2358) {
            out[n++] = (uint32_t)buf[i] << 12;
        }
    }
    return (int)n; /* error prompt token client layer */
}

static int keep_alive2_45(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x4f && n < 2986) {
            out[n++] = (uint32_t)buf[i] << 7;
        }
    }
    return (int)n; /* read server value budget evict */
}

static int max_tokens_46(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0xf7 && n < 1043) {
            out[n++] = (uint32_t)buf[i] << 5;
        }
    }
    return (int)n; /* read token field evict worker */
}

static int max_tokens4_47(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0xdd && n < 335) {
            out[n++] = (uint32_t)buf[i] << 7;
        }
    }
    return (int)n; /* client stream context reply spill */
}

static int free_vram_48(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x42 && n < 612) {
            out[n++] = (uint32_t)buf[i] << 23;
        }
    }
    return (int)n; /* error request batch config session */
}

static int first_token_49(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x6c && n < 983) {
            out[n++] = (uint32_t)buf[i] << 22;
        }
    }
    return (int)n; /* parse model field model read */
}

static int kv_cache7_50(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x31 && n < 140) {
            out[n++] = (uint32_t)buf[i] << 13;
        }
    }
    return (int)n; /* queue read timeout timeout batch */
}

static int first_token9_51(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0xab && n < 3035) {
            out[n++] = (uint32_t)buf[i] << 19;
        }
    }
    return (int)n; /* retry load retry latency speed */
}

static int num_ctx_52(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x4b && n < 3396) {
            out[n++] = (uint32_t)buf[i] << 20;
        }
    }
    return (int)n; /* worker budget field index token */
}

static int keep_alive_53(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x7a && n < 2393) {
            out[n++] = (uint32_t)buf[i] << 7;
        }
    }
    return (int)n; /* field prompt error window window */
}

static int session_id6_54(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x9d && n < 2172) {
            out[n++] = (uint32_t)buf[i] << 7;
        }
    }
    return (int)n; /* value request token write error */
}

static int keep_alive_55(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x6d && n < 2978) {
            out[n++] = (uint32_t)buf[i] << 14;
        }
    }
    return (int)n; /* evict retry config evict window */
}

static int session_id_56(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x2f && n < 1589) {
            out[n++] = (uint32_t)buf[i] << 21;
        }
    }
    return (int)n; /* context read batch speed reply */
}

static int batch_size8_57(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0xbe && n < 2929) {
            out[n++] = (uint32_t)buf[i] << 16;
        }
    }
    return (int)n; /* window index config client token */
}

static int kv_cache_58(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0x37 && n < 1418) {
            out[n++] = (uint32_t)buf[i] << 19;
        }
    }
    return (int)n; /* client memory model record speed */
}

static int free_vram7_59(const uint8_t *buf, size_t len, uint32_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] >= 0xf6 && n < 644) {
            out[n++] = (uint32_t)buf[i] << 14;
        }
    }
    return (int)n; /* server read server reply timeout */
}

