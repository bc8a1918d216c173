/*
 * bench_ops: the loops of the VOS benchmark's operations, shared by vos_bench (one op per call,
 * in a process of its own) and by libvostok-bench-loops (whole rounds called from a JVM, on the
 * pool the Java binding has open, in turns with the binding's own rounds). One source, so that
 * the C side does the same work in both.
 *
 * The library's functions are reached through struct bench_vos: vos_bench fills it with the
 * functions it links, the JNI library with those of the libvostok-vos.so the binding loaded.
 * Every function returns VOS_OK or a VOS_ERR_* code (BENCH_ERR_UNEXPECTED: a preloaded key came
 * back absent or of another length, an iteration counted other than the preloaded keys).
 */
#ifndef VOSTOK_BENCH_OPS_H
#define VOSTOK_BENCH_OPS_H

#include "vostok/vos.h"

#include <stdint.h>

#define BENCH_READ_OID 1u
#define BENCH_WRITE_OID 2u
#define BENCH_LOAD_EPOCH 1u
#define BENCH_BATCH_UPDATES 64u
#define BENCH_ITER_BUFFER_BYTES (1u << 20)
#define BENCH_HOT_KEY 7u
#define BENCH_RANDOM_SEED 0x9e3779b97f4a7c15ull
#define BENCH_ERR_UNEXPECTED (-100)

struct bench_vos {
	int (*fetch)(vos_pool_t *pool, vos_fetch_req_t *reqs, uint32_t n, const uint8_t *keys,
		     uint64_t keys_len, uint8_t *out, uint64_t out_len);
	int (*tx_apply)(vos_pool_t *pool, const vos_op_t *ops, uint32_t n_ops, const uint8_t *data,
			uint64_t data_len, uint32_t *failed_op);
	int (*iterate)(vos_pool_t *pool, const vos_iter_req_t *req, const uint8_t *anchor_key,
		       uint8_t *out, uint64_t out_len, uint32_t *n_out, uint64_t *used_out,
		       uint32_t *state_out);
};

/* One benchmark's pool, buffers and running state. */
struct bench_ctx {
	const struct bench_vos *vos;
	vos_pool_t *pool;
	vos_cont_h  cont;
	uint64_t    keys;         /* preloaded keys of BENCH_READ_OID: 0 .. keys - 1 */
	uint32_t    value_bytes;
	uint8_t    *value;        /* what the updates write: byte i is i * 31 + 7 */
	uint8_t    *buffer;       /* the fetches' and the iteration's out buffer */
	uint8_t    *tx_data;      /* a transaction's values, each in its own place */
	uint64_t    random_state; /* xorshift64 of the random fetches */
	uint64_t    next_key;     /* the updates' next key, modulo keys */
	uint64_t    epoch;        /* the updates' last epoch */
	volatile uint8_t sink;    /* what the consumer of fetch_alloc's values reads */
};

/* Allocates ctx's buffers and sets its state to the start (pool and cont are the caller's). */
int bench_ctx_init(struct bench_ctx *ctx, const struct bench_vos *vos, uint64_t keys,
		   uint32_t value_bytes);
void bench_ctx_fini(struct bench_ctx *ctx);

/* n fetches of random preloaded keys into ctx->buffer. */
int bench_fetch(struct bench_ctx *ctx, uint64_t n);
/* The same, each value then copied into a malloc'd buffer of its length, read and freed. */
int bench_fetch_alloc(struct bench_ctx *ctx, uint64_t n);
/* n fetches of BENCH_HOT_KEY. */
int bench_fetch_hot(struct bench_ctx *ctx, uint64_t n);
/* n transactions of one update each, at new epochs. */
int bench_update1(struct bench_ctx *ctx, uint64_t n);
/* n transactions of BENCH_BATCH_UPDATES updates each, one new epoch each. */
int bench_update64(struct bench_ctx *ctx, uint64_t n);
/* n passes over all preloaded keys with their values; each must find ctx->keys records. */
int bench_iterate(struct bench_ctx *ctx, uint64_t n);

#endif
