/* The operations' loops of the VOS benchmark; see bench_ops.h. */
#include "bench_ops.h"

#include <stdlib.h>
#include <string.h>

int bench_ctx_init(struct bench_ctx *ctx, const struct bench_vos *vos, uint64_t keys,
		   uint32_t value_bytes)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->vos = vos;
	ctx->keys = keys;
	ctx->value_bytes = value_bytes;
	ctx->random_state = BENCH_RANDOM_SEED;
	ctx->epoch = BENCH_LOAD_EPOCH;
	ctx->value = malloc(value_bytes);
	ctx->buffer = malloc(BENCH_ITER_BUFFER_BYTES > value_bytes ? BENCH_ITER_BUFFER_BYTES
								   : value_bytes);
	ctx->tx_data = malloc((size_t)BENCH_BATCH_UPDATES * value_bytes);
	if (ctx->value == NULL || ctx->buffer == NULL || ctx->tx_data == NULL) {
		bench_ctx_fini(ctx);
		return VOS_ERR_NOMEM;
	}
	for (uint32_t i = 0; i < value_bytes; i++)
		ctx->value[i] = (uint8_t)(i * 31 + 7);
	return VOS_OK;
}

void bench_ctx_fini(struct bench_ctx *ctx)
{
	free(ctx->value);
	free(ctx->buffer);
	free(ctx->tx_data);
	ctx->value = ctx->buffer = ctx->tx_data = NULL;
}

/* xorshift64, as in the JMH benchmark. */
static uint64_t next_random_key(struct bench_ctx *ctx)
{
	ctx->random_state ^= ctx->random_state << 13;
	ctx->random_state ^= ctx->random_state >> 7;
	ctx->random_state ^= ctx->random_state << 17;
	return ctx->random_state % ctx->keys;
}

/* One fetch of a preloaded key into ctx->buffer; req says where its value is. */
static int fetch_key(struct bench_ctx *ctx, uint64_t key, vos_fetch_req_t *req)
{
	int rc;

	memset(req, 0, sizeof(*req));
	req->cont = ctx->cont;
	req->oid = BENCH_READ_OID;
	req->epoch = BENCH_LOAD_EPOCH;
	req->key_int = key;
	rc = ctx->vos->fetch(ctx->pool, req, 1, NULL, 0, ctx->buffer, ctx->value_bytes);
	if (rc != VOS_OK)
		return rc;
	if (req->status != VOS_OK || req->value_len != ctx->value_bytes)
		return req->status != VOS_OK && req->status != VOS_ABSENT ? req->status
									  : BENCH_ERR_UNEXPECTED;
	return VOS_OK;
}

int bench_fetch(struct bench_ctx *ctx, uint64_t n)
{
	vos_fetch_req_t req;

	for (uint64_t i = 0; i < n; i++) {
		int rc = fetch_key(ctx, next_random_key(ctx), &req);

		if (rc != VOS_OK)
			return rc;
	}
	return VOS_OK;
}

/*
 * A fetch whose value the caller then gets in a buffer of its own, of the value's length, and
 * lets go of after reading it: the C counterpart of the Java fetch returning a new byte[] (which
 * the JVM allocates, fills and later collects).
 */
int bench_fetch_alloc(struct bench_ctx *ctx, uint64_t n)
{
	vos_fetch_req_t req;

	for (uint64_t i = 0; i < n; i++) {
		int rc = fetch_key(ctx, next_random_key(ctx), &req);
		uint8_t *copy;

		if (rc != VOS_OK)
			return rc;
		copy = malloc(req.value_len);
		if (copy == NULL)
			return VOS_ERR_NOMEM;
		memcpy(copy, ctx->buffer + req.value_off, req.value_len);
		ctx->sink = copy[req.value_len - 1];
		free(copy);
	}
	return VOS_OK;
}

/* The same key over and over: the library's own work with everything in cache. */
int bench_fetch_hot(struct bench_ctx *ctx, uint64_t n)
{
	vos_fetch_req_t req;

	for (uint64_t i = 0; i < n; i++) {
		int rc = fetch_key(ctx, BENCH_HOT_KEY % ctx->keys, &req);

		if (rc != VOS_OK)
			return rc;
	}
	return VOS_OK;
}

static vos_op_t update_op(const struct bench_ctx *ctx, uint64_t key, uint64_t at_epoch,
			  uint64_t value_off)
{
	vos_op_t op;

	memset(&op, 0, sizeof(op));
	op.kind = VOS_OP_UPDATE;
	op.cont = ctx->cont;
	op.oid = BENCH_WRITE_OID;
	op.epoch = at_epoch;
	op.key_int = key;
	op.value_off = value_off;
	op.value_len = ctx->value_bytes;
	return op;
}

/* The value copied into the transaction's data, as the Java transaction copies a byte[]. */
int bench_update1(struct bench_ctx *ctx, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		vos_op_t op = update_op(ctx, ctx->next_key++ % ctx->keys, ++ctx->epoch, 0);
		int rc;

		memcpy(ctx->tx_data, ctx->value, ctx->value_bytes);
		rc = ctx->vos->tx_apply(ctx->pool, &op, 1, ctx->tx_data, ctx->value_bytes, NULL);
		if (rc != VOS_OK)
			return rc;
	}
	return VOS_OK;
}

/* 64 values, each copied into its own place in the transaction's data. */
int bench_update64(struct bench_ctx *ctx, uint64_t n)
{
	vos_op_t ops[BENCH_BATCH_UPDATES];

	for (uint64_t t = 0; t < n; t++) {
		int rc;

		++ctx->epoch;
		for (uint32_t i = 0; i < BENCH_BATCH_UPDATES; i++) {
			uint64_t at = (uint64_t)i * ctx->value_bytes;

			memcpy(ctx->tx_data + at, ctx->value, ctx->value_bytes);
			ops[i] = update_op(ctx, ctx->next_key++ % ctx->keys, ctx->epoch, at);
		}
		rc = ctx->vos->tx_apply(ctx->pool, ops, BENCH_BATCH_UPDATES, ctx->tx_data,
					(uint64_t)BENCH_BATCH_UPDATES * ctx->value_bytes, NULL);
		if (rc != VOS_OK)
			return rc;
	}
	return VOS_OK;
}

/* One pass over all preloaded keys, reading each record's header. */
static int iterate_pass(struct bench_ctx *ctx)
{
	vos_iter_req_t req;
	uint32_t state = 0;
	uint64_t records = 0;

	memset(&req, 0, sizeof(req));
	req.cont = ctx->cont;
	req.oid = BENCH_READ_OID;
	req.epoch = BENCH_LOAD_EPOCH;
	while (state != VOS_ITER_END) {
		vos_rec_hdr_t hdr;
		uint32_t n;
		uint64_t used, at = 0;
		int rc = ctx->vos->iterate(ctx->pool, &req, NULL, ctx->buffer, BENCH_ITER_BUFFER_BYTES,
					   &n, &used, &state);

		if (rc != VOS_OK)
			return rc;
		/* The last record's key is the next anchor. */
		for (uint32_t r = 0; r + 1 < n; r++) {
			memcpy(&hdr, ctx->buffer + at, sizeof(hdr));
			at += (sizeof(hdr) + hdr.key_len + hdr.value_len + 7) & ~(uint64_t)7;
		}
		if (n > 0) {
			memcpy(&hdr, ctx->buffer + at, sizeof(hdr));
			req.anchor_int = hdr.key_int;
			req.flags = VOS_ITER_HAS_ANCHOR;
		}
		records += n;
	}
	return records == ctx->keys ? VOS_OK : BENCH_ERR_UNEXPECTED;
}

int bench_iterate(struct bench_ctx *ctx, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		int rc = iterate_pass(ctx);

		if (rc != VOS_OK)
			return rc;
	}
	return VOS_OK;
}
