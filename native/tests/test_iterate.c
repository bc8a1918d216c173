/*
 * test_iterate: ordered iteration, case by case: both directions, inclusive and exclusive
 * anchors on keys that exist and keys that do not, the probes a caller builds from it (first,
 * last, next, previous, the largest integer key), records_max, keys only, the END state, a
 * first record that does not fit (TRUNC with the size it needs), tombstones and versions above
 * the epoch skipped, and the argument errors.
 */
#include "check.h"

#include <stdio.h>
#include <string.h>

static vos_pool_t *pool;
static vos_cont_h cont;
static uint8_t out[1 << 16];

enum { OID_INT = 1, OID_LEX = 2, OID_EMPTY = 3 };

struct result {
	uint32_t n, state;
	uint64_t used;
	uint64_t keys[64];
	char     lex[64][16];
};

static int iterate(uint64_t oid, uint64_t epoch, uint32_t flags, uint64_t anchor_int,
		   const char *anchor, uint32_t records_max, uint64_t out_len, struct result *r)
{
	vos_iter_req_t req;
	uint64_t at = 0;
	int rc;

	memset(&req, 0, sizeof(req));
	memset(r, 0, sizeof(*r));
	req.cont = cont;
	req.oid = oid;
	req.epoch = epoch;
	req.flags = flags;
	req.anchor_int = anchor_int;
	req.anchor_len = anchor != NULL ? (uint32_t)strlen(anchor) : 0;
	req.records_max = records_max;
	rc = vos_iterate(pool, &req, (const uint8_t *)anchor, out, out_len, &r->n, &r->used,
			 &r->state);
	for (uint32_t i = 0; rc == VOS_OK && i < r->n; i++) {
		vos_rec_hdr_t hdr;

		memcpy(&hdr, out + at, sizeof(hdr));
		r->keys[i] = hdr.key_int;
		CHECK(hdr.key_len < sizeof(r->lex[i]));
		memcpy(r->lex[i], out + at + sizeof(hdr), hdr.key_len);
		r->lex[i][hdr.key_len] = '\0';
		if (!(flags & VOS_ITER_KEYS_ONLY) && oid == OID_INT) {
			uint64_t v;

			CHECK(hdr.value_len == 8);
			memcpy(&v, out + at + sizeof(hdr), 8);
			CHECK(v == hdr.key_int * 3);
		}
		at += (sizeof(hdr) + hdr.key_len + hdr.value_len + 7) & ~7ull;
	}
	if (rc == VOS_OK)
		CHECK(at == r->used);
	return rc;
}

/* Integer keys 10, 20, .., 200 at epoch 5; 50 and 150 punched at 7; 300 written at 9. */
static void load(void)
{
	static const char *words[] = { "apple", "b", "banana", "band", "can", "cat", "dog" };
	uint8_t data[64];

	CHECK_OK(test_obj_create(pool, cont, OID_INT, VOS_KEYS_INTEGER, 1));
	CHECK_OK(test_obj_create(pool, cont, OID_LEX, VOS_KEYS_LEXICAL, 1));
	CHECK_OK(test_obj_create(pool, cont, OID_EMPTY, VOS_KEYS_INTEGER, 1));
	for (uint64_t k = 10; k <= 200; k += 10) {
		uint64_t v = k * 3;

		CHECK_OK(test_put(pool, cont, OID_INT, 5, k, &v, 8));
	}
	{
		vos_op_t ops[2] = { test_op(VOS_OP_PUNCH, cont, OID_INT, 7),
				    test_op(VOS_OP_PUNCH, cont, OID_INT, 7) };
		uint64_t v = 900;

		ops[0].key_int = 50;
		ops[1].key_int = 150;
		CHECK_OK(vos_tx_apply(pool, ops, 2, NULL, 0, NULL));
		CHECK_OK(test_put(pool, cont, OID_INT, 9, 300, &v, 8));
	}
	for (uint32_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		vos_op_t op = test_op(VOS_OP_UPDATE, cont, OID_LEX, 5);
		size_t len = strlen(words[i]);

		memcpy(data, words[i], len);
		op.key_len = (uint32_t)len;
		op.value_off = len;
		op.value_len = 1;
		data[len] = (uint8_t)i;
		CHECK_OK(vos_tx_apply(pool, &op, 1, data, len + 1, NULL));
	}
}

static void test_integer(void)
{
	struct result r;

	/* Everything at 8: 10..200 without 50 and 150. */
	CHECK_OK(iterate(OID_INT, 8, 0, 0, NULL, 0, sizeof(out), &r));
	CHECK(r.n == 18 && r.state == VOS_ITER_END);
	CHECK(r.keys[0] == 10 && r.keys[3] == 40 && r.keys[4] == 60 && r.keys[17] == 200);
	/* At 6 the punches are not there yet; at 9 key 300 is. */
	CHECK_OK(iterate(OID_INT, 6, 0, 0, NULL, 0, sizeof(out), &r));
	CHECK(r.n == 20);
	CHECK_OK(iterate(OID_INT, 9, VOS_ITER_BACKWARD, 0, NULL, 0, sizeof(out), &r));
	CHECK(r.n == 19 && r.keys[0] == 300 && r.keys[1] == 200 && r.keys[18] == 10);
	CHECK(r.state == VOS_ITER_END);
	/* Anchors: on a key, inclusive or not; between keys; on a punched key. */
	CHECK_OK(iterate(OID_INT, 8, VOS_ITER_HAS_ANCHOR | VOS_ITER_ANCHOR_INCLUSIVE, 40, NULL,
			 2, sizeof(out), &r));
	CHECK(r.n == 2 && r.keys[0] == 40 && r.keys[1] == 60 && r.state == 0);
	CHECK_OK(iterate(OID_INT, 8, VOS_ITER_HAS_ANCHOR, 40, NULL, 2, sizeof(out), &r));
	CHECK(r.n == 2 && r.keys[0] == 60 && r.keys[1] == 70);
	CHECK_OK(iterate(OID_INT, 8, VOS_ITER_HAS_ANCHOR | VOS_ITER_ANCHOR_INCLUSIVE, 45, NULL,
			 1, sizeof(out), &r));
	CHECK(r.n == 1 && r.keys[0] == 60);
	CHECK_OK(iterate(OID_INT, 8,
			 VOS_ITER_HAS_ANCHOR | VOS_ITER_ANCHOR_INCLUSIVE | VOS_ITER_BACKWARD, 50,
			 NULL, 3, sizeof(out), &r));
	CHECK(r.n == 3 && r.keys[0] == 40 && r.keys[1] == 30 && r.keys[2] == 20 && r.state == 0);
	CHECK_OK(iterate(OID_INT, 8, VOS_ITER_HAS_ANCHOR | VOS_ITER_BACKWARD, 20, NULL, 0,
			 sizeof(out), &r));
	CHECK(r.n == 1 && r.keys[0] == 10 && r.state == VOS_ITER_END);
	/* Past either end: nothing, and END. */
	CHECK_OK(iterate(OID_INT, 8, VOS_ITER_HAS_ANCHOR, 200, NULL, 0, sizeof(out), &r));
	CHECK(r.n == 0 && r.state == VOS_ITER_END);
	CHECK_OK(iterate(OID_INT, 8, VOS_ITER_HAS_ANCHOR | VOS_ITER_BACKWARD, 10, NULL, 0,
			 sizeof(out), &r));
	CHECK(r.n == 0 && r.state == VOS_ITER_END);
	/* records_max equal to what is left: END, since no live key follows. */
	CHECK_OK(iterate(OID_INT, 8, VOS_ITER_HAS_ANCHOR, 170, NULL, 3, sizeof(out), &r));
	CHECK(r.n == 3 && r.keys[2] == 200 && r.state == VOS_ITER_END);
	/* Probes: first, last, next, previous, the largest key. */
	CHECK_OK(iterate(OID_INT, 8, VOS_ITER_KEYS_ONLY, 0, NULL, 1, sizeof(out), &r));
	CHECK(r.n == 1 && r.keys[0] == 10 && r.used == 16);
	CHECK_OK(iterate(OID_INT, VOS_EPOCH_MAX, VOS_ITER_KEYS_ONLY | VOS_ITER_BACKWARD, 0, NULL,
			 1, sizeof(out), &r));
	CHECK(r.n == 1 && r.keys[0] == 300);
	CHECK_OK(iterate(OID_INT, 8, VOS_ITER_KEYS_ONLY | VOS_ITER_HAS_ANCHOR, 140, NULL, 1,
			 sizeof(out), &r));
	CHECK(r.n == 1 && r.keys[0] == 160);
	CHECK_OK(iterate(OID_INT, 8, VOS_ITER_KEYS_ONLY | VOS_ITER_HAS_ANCHOR | VOS_ITER_BACKWARD,
			 160, NULL, 1, sizeof(out), &r));
	CHECK(r.n == 1 && r.keys[0] == 140);
	/* Buffers: a first record that does not fit says what it needs; later ones just stop. */
	CHECK_RC(iterate(OID_INT, 8, 0, 0, NULL, 0, 23, &r), VOS_ERR_TRUNC);
	CHECK(r.n == 0 && r.used == 24);
	CHECK_OK(iterate(OID_INT, 8, 0, 0, NULL, 0, 24 * 3 + 10, &r));
	CHECK(r.n == 3 && r.used == 72 && r.state == 0);
	CHECK_OK(iterate(OID_INT, 8, VOS_ITER_KEYS_ONLY, 0, NULL, 0, 16 * 18, &r));
	CHECK(r.n == 18 && r.state == VOS_ITER_END);
	/* An empty object, and epochs where the object does not exist. */
	CHECK_OK(iterate(OID_EMPTY, 8, 0, 0, NULL, 0, sizeof(out), &r));
	CHECK(r.n == 0 && r.state == VOS_ITER_END);
	CHECK_RC(iterate(OID_INT, 0, 0, 0, NULL, 0, sizeof(out), &r), VOS_ERR_NONEXIST);
	CHECK_RC(iterate(99, 8, 0, 0, NULL, 0, sizeof(out), &r), VOS_ERR_NONEXIST);
}

static void test_lexical(void)
{
	struct result r;

	CHECK_OK(iterate(OID_LEX, 5, VOS_ITER_KEYS_ONLY, 0, NULL, 0, sizeof(out), &r));
	CHECK(r.n == 7);
	CHECK(strcmp(r.lex[0], "apple") == 0 && strcmp(r.lex[1], "b") == 0 &&
	      strcmp(r.lex[2], "banana") == 0 && strcmp(r.lex[3], "band") == 0 &&
	      strcmp(r.lex[6], "dog") == 0);
	CHECK_OK(iterate(OID_LEX, 5, VOS_ITER_HAS_ANCHOR | VOS_ITER_ANCHOR_INCLUSIVE, 0, "ban",
			 2, sizeof(out), &r));
	CHECK(r.n == 2 && strcmp(r.lex[0], "banana") == 0 && strcmp(r.lex[1], "band") == 0);
	CHECK_OK(iterate(OID_LEX, 5, VOS_ITER_HAS_ANCHOR | VOS_ITER_BACKWARD, 0, "can", 0,
			 sizeof(out), &r));
	CHECK(r.n == 4 && strcmp(r.lex[0], "band") == 0 && strcmp(r.lex[3], "apple") == 0);
	CHECK(r.state == VOS_ITER_END);
	CHECK_OK(iterate(OID_LEX, 5, VOS_ITER_HAS_ANCHOR, 0, "b", 1, sizeof(out), &r));
	CHECK(r.n == 1 && strcmp(r.lex[0], "banana") == 0);
	/* Anchor errors: missing, empty, too long. */
	{
		vos_iter_req_t req;
		uint32_t n, state;
		uint64_t used;
		static uint8_t long_key[VOS_KEY_BYTES_MAX + 1];

		memset(&req, 0, sizeof(req));
		req.cont = cont;
		req.oid = OID_LEX;
		req.epoch = 5;
		req.flags = VOS_ITER_HAS_ANCHOR;
		req.anchor_len = 3;
		CHECK_RC(vos_iterate(pool, &req, NULL, out, sizeof(out), &n, &used, &state),
			 VOS_ERR_INVAL);
		req.anchor_len = 0;
		CHECK_RC(vos_iterate(pool, &req, long_key, out, sizeof(out), &n, &used, &state),
			 VOS_ERR_INVAL);
		req.anchor_len = VOS_KEY_BYTES_MAX + 1;
		CHECK_RC(vos_iterate(pool, &req, long_key, out, sizeof(out), &n, &used, &state),
			 VOS_ERR_TOOBIG);
		req.flags = 64;
		CHECK_RC(vos_iterate(pool, &req, long_key, out, sizeof(out), &n, &used, &state),
			 VOS_ERR_INVAL);
		CHECK_RC(vos_iterate(pool, NULL, long_key, out, sizeof(out), &n, &used, &state),
			 VOS_ERR_INVAL);
		req.flags = 0;
		CHECK_RC(vos_iterate(pool, &req, NULL, NULL, 10, &n, &used, &state), VOS_ERR_INVAL);
	}
}

int main(void)
{
	uint8_t uuid[16] = { 0x17 };

	test_init("iterate", true);
	CHECK_OK(test_pool_create(test_path("iter.pool"), 32ull << 20, &pool));
	CHECK_OK(vos_cont_create(pool, uuid));
	CHECK_OK(vos_cont_open(pool, uuid, &cont));
	load();
	test_integer();
	test_lexical();
	CHECK_OK(vos_pool_close(pool));
	printf("test_iterate: OK\n");
	return 0;
}
