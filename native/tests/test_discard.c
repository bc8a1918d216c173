/*
 * test_discard: discard removes every version, tombstone, object punch and object creation at
 * or above an epoch, in one container only, and its cost follows what it removes: truncating
 * the last few epochs of a container holding 60,000 keys must reach only a few dozen index
 * nodes (counted, not timed), and a discard above everything must reach one.
 */
#include "check.h"

#include "vos_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EPOCHS 500u
#define NEW_PER_EPOCH 100u
#define HOT_KEYS 10u
#define LEX_PER_EPOCH 20u
#define OLD_OBJS 50u

static vos_pool_t *pool;
static vos_cont_h cont, other;
static uint8_t data[1 << 20];

enum { OID_INT = 1, OID_LEX = 2, OID_LATE = 3, OID_PUNCHED = 4, OID_OLD = 10 };

static uint64_t value_seed(uint64_t oid, uint64_t key, uint64_t epoch)
{
	return oid * 1000003u + key * 7919u + epoch;
}

static void lex_key(uint64_t n, char out[16])
{
	snprintf(out, 16, "k%06llu", (unsigned long long)n);
}

/* One transaction per epoch: NEW_PER_EPOCH new integer keys, the HOT_KEYS rewritten, and
 * LEX_PER_EPOCH new lexical keys. */
static void load(void)
{
	static vos_op_t ops[NEW_PER_EPOCH + HOT_KEYS + LEX_PER_EPOCH + 16];

	CHECK_OK(test_obj_create(pool, cont, OID_INT, VOS_KEYS_INTEGER, 1));
	CHECK_OK(test_obj_create(pool, cont, OID_LEX, VOS_KEYS_LEXICAL, 1));
	CHECK_OK(test_obj_create(pool, cont, OID_PUNCHED, VOS_KEYS_INTEGER, 1));
	for (uint64_t o = 0; o < OLD_OBJS; o++)
		CHECK_OK(test_obj_create(pool, cont, OID_OLD + o, VOS_KEYS_INTEGER, 1));
	for (uint64_t e = 1; e <= EPOCHS; e++) {
		uint32_t n = 0;
		uint64_t used = 0;

		for (uint64_t i = 0; i < NEW_PER_EPOCH + HOT_KEYS; i++) {
			uint64_t key = i < HOT_KEYS ? i : HOT_KEYS + (e - 1) * NEW_PER_EPOCH + (i - HOT_KEYS);

			ops[n] = test_op_update_int(cont, OID_INT, e, key, used, 16);
			test_fill(data + used, 16, value_seed(OID_INT, key, e));
			used += 16;
			n++;
		}
		for (uint64_t i = 0; i < LEX_PER_EPOCH; i++) {
			char k[16];

			lex_key((e - 1) * LEX_PER_EPOCH + i, k);
			ops[n] = test_op(VOS_OP_UPDATE, cont, OID_LEX, e);
			memcpy(data + used, k, 7);
			ops[n].key_off = used;
			ops[n].key_len = 7;
			used += 8;
			ops[n].value_off = used;
			ops[n].value_len = 8;
			memcpy(data + used, &e, 8);
			used += 8;
			n++;
		}
		if (e <= 100) {
			/* The old objects are written only early on. */
			for (uint64_t o = 0; o < OLD_OBJS; o += 10) {
				ops[n] = test_op_update_int(cont, OID_OLD + o + e % 10, e, e, used, 8);
				memcpy(data + used, &e, 8);
				used += 8;
				n++;
			}
		}
		if (e == EPOCHS - 1) {
			ops[n] = test_op(VOS_OP_OBJ_CREATE, cont, OID_LATE, e);
			ops[n++].key_order = VOS_KEYS_INTEGER;
			ops[n++] = test_op_update_int(cont, OID_LATE, e, 1, 0, 8);
			ops[n++] = test_op(VOS_OP_OBJ_PUNCH, cont, OID_PUNCHED, e);
		}
		CHECK_OK(vos_tx_apply(pool, ops, n, data, used, NULL));
	}
	/* The other container gets writes at the same epochs. */
	CHECK_OK(test_obj_create(pool, other, OID_INT, VOS_KEYS_INTEGER, 1));
	for (uint64_t e = EPOCHS - 5; e <= EPOCHS; e++)
		CHECK_OK(test_put(pool, other, OID_INT, e, e, &e, 8));
}

static int32_t get(vos_cont_h c, uint64_t oid, uint64_t key, uint64_t epoch, uint64_t *seed_epoch)
{
	uint8_t got[16], want[16];
	int32_t status;
	uint32_t len;

	CHECK_OK(test_get(pool, c, oid, epoch, key, got, sizeof(got), &status, &len));
	if (status == VOS_OK && oid == OID_INT && c == cont) {
		CHECK(len == 16);
		test_fill(want, 16, value_seed(OID_INT, key, *seed_epoch));
		CHECK(memcmp(got, want, 16) == 0);
	}
	return status;
}

/* The structure of every tree in the container is sound, epochs included. */
static void check_trees(vos_cont_h c)
{
	struct vos_cont_df *df;
	struct btr_cursor cur;
	struct btr_tree objs;
	int rc;

	CHECK_OK(vos_cont_get(pool, c, &df));
	CHECK_OK(vos_cont_objs(pool, df, &objs));
	CHECK_OK(btr_check(&objs));
	for (rc = btr_probe(&objs, &cur, BTR_PROBE_FIRST, NULL); rc == VOS_OK; rc = btr_next(&cur)) {
		struct vos_obj_df *obj;
		struct btr_tree keys;
		uint64_t newest;

		CHECK_OK(vos_obj_at(pool, btr_cur_ent(&cur)->val, &obj));
		CHECK_OK(vos_obj_keys(pool, obj, &keys));
		CHECK_OK(btr_check(&keys));
		CHECK_OK(btr_max_epoch(&keys, &newest));
		CHECK(btr_cur_ent(&cur)->epoch >= newest);
	}
	CHECK(rc == VOS_ERR_NONEXIST);
}

static uint64_t free_bytes(void)
{
	vos_pool_info_t info;

	CHECK_OK(vos_pool_query(pool, &info));
	return info.free_bytes;
}

static uint32_t count_keys(uint64_t oid, uint64_t epoch)
{
	static uint8_t out[1 << 20];
	vos_iter_req_t req;
	uint32_t total = 0, state = 0;

	memset(&req, 0, sizeof(req));
	req.cont = cont;
	req.oid = oid;
	req.epoch = epoch;
	req.flags = VOS_ITER_KEYS_ONLY;
	while (state != VOS_ITER_END) {
		uint32_t n;
		uint64_t used;
		vos_rec_hdr_t hdr;

		CHECK_OK(vos_iterate(pool, &req, out + sizeof(out) - VOS_KEY_BYTES_MAX, out,
				     sizeof(out) - VOS_KEY_BYTES_MAX, &n, &used, &state));
		total += n;
		if (n == 0)
			break;
		/* Resume after the last record: find it by walking the buffer. */
		for (uint64_t at = 0, i = 0; i < n; i++) {
			memcpy(&hdr, out + at, sizeof(hdr));
			if (i + 1 == n) {
				req.anchor_int = hdr.key_int;
				req.anchor_len = hdr.key_len;
				memcpy(out + sizeof(out) - VOS_KEY_BYTES_MAX, out + at + sizeof(hdr),
				       hdr.key_len);
			}
			at += (sizeof(hdr) + hdr.key_len + 7) & ~7ull;
		}
		req.flags |= VOS_ITER_HAS_ANCHOR;
	}
	return total;
}

static void test_truncate_tail(void)
{
	const uint64_t from = EPOCHS - 2; /* the last three epochs go */
	uint64_t visits, before = free_bytes();
	uint64_t e;

	CHECK(count_keys(OID_INT, VOS_EPOCH_MAX) == HOT_KEYS + EPOCHS * NEW_PER_EPOCH);
	visits = pool->discard_visits;
	CHECK_OK(vos_discard(pool, cont, from));
	visits = pool->discard_visits - visits;
	printf("discarding 3 of %u epochs (%u keys and their index) reached %llu index nodes\n",
	       EPOCHS, 3 * (NEW_PER_EPOCH + LEX_PER_EPOCH),
	       (unsigned long long)visits);
	/* OID_INT alone has at least 50,010 / 32 = 1,563 leaves. */
	CHECK(visits < 120);
	CHECK(free_bytes() > before);
	check_trees(cont);

	/* New keys of the discarded epochs are gone; older ones are all there. */
	CHECK(count_keys(OID_INT, VOS_EPOCH_MAX) == HOT_KEYS + (from - 1) * NEW_PER_EPOCH);
	CHECK(count_keys(OID_LEX, VOS_EPOCH_MAX) == (from - 1) * LEX_PER_EPOCH);
	e = from - 1;
	CHECK(get(cont, OID_INT, HOT_KEYS + (from - 1) * NEW_PER_EPOCH, VOS_EPOCH_MAX, &e) ==
	      VOS_ABSENT);
	CHECK(get(cont, OID_INT, HOT_KEYS + (from - 1) * NEW_PER_EPOCH - 1, VOS_EPOCH_MAX, &e) ==
	      VOS_OK);
	/* Hot keys fall back to their version before the epoch. */
	for (uint64_t k = 0; k < HOT_KEYS; k++)
		CHECK(get(cont, OID_INT, k, VOS_EPOCH_MAX, &e) == VOS_OK);
	/* An object created in the discarded epochs is gone, and its id is free again; one
	 * punched in them exists again. */
	CHECK(get(cont, OID_LATE, 1, VOS_EPOCH_MAX, &e) == VOS_ERR_NONEXIST);
	CHECK(get(cont, OID_PUNCHED, 1, VOS_EPOCH_MAX, &e) == VOS_ABSENT);
	CHECK_OK(test_obj_create(pool, cont, OID_LATE, VOS_KEYS_LEXICAL, from));
	/* The other container keeps its writes at those epochs. */
	e = EPOCHS;
	CHECK(get(other, OID_INT, EPOCHS, VOS_EPOCH_MAX, &e) == VOS_OK);

	/* Above everything: the object index root alone is reached. */
	visits = pool->discard_visits;
	CHECK_OK(vos_discard(pool, cont, 100000));
	CHECK(pool->discard_visits - visits <= 1);
}

/* Raft's case: truncate the log and append in one transaction. */
static void test_truncate_and_append(void)
{
	vos_op_t ops[3];
	uint64_t v = 4242, e = 480;
	uint32_t failed;

	ops[0] = test_op(VOS_OP_DISCARD, cont, 0, 481);
	ops[1] = test_op_update_int(cont, OID_INT, 481, 0, 0, 8);
	ops[2] = test_op_update_int(cont, OID_INT, 481, 1000000, 0, 8);
	CHECK_OK(vos_tx_apply(pool, ops, 3, (uint8_t *)&v, 8, &failed));
	CHECK(count_keys(OID_INT, VOS_EPOCH_MAX) == HOT_KEYS + 480 * NEW_PER_EPOCH + 1);
	CHECK(get(cont, OID_INT, 1, VOS_EPOCH_MAX, &e) == VOS_OK);
	check_trees(cont);
	/* A failing operation after the discard undoes the discard too. */
	ops[0] = test_op(VOS_OP_DISCARD, cont, 0, 300);
	ops[1] = test_op_update_int(cont, 777, 300, 0, 0, 8);
	CHECK_RC(vos_tx_apply(pool, ops, 2, (uint8_t *)&v, 8, &failed), VOS_ERR_NONEXIST);
	CHECK(failed == 1);
	CHECK(count_keys(OID_INT, VOS_EPOCH_MAX) == HOT_KEYS + 480 * NEW_PER_EPOCH + 1);
}

/* Discarding from epoch 0 empties the container and gives back all its space. */
static void test_discard_all(void)
{
	uint64_t before_all;
	uint8_t uuid[16] = { 0xd1, 3 };
	vos_cont_h c;

	CHECK_OK(vos_cont_create(pool, uuid));
	before_all = free_bytes();
	CHECK_OK(vos_cont_open(pool, uuid, &c));
	CHECK_OK(test_obj_create(pool, c, 5, VOS_KEYS_INTEGER, 0));
	for (uint64_t k = 0; k < 3000; k++)
		CHECK_OK(test_put(pool, c, 5, k % 7, k, data, 100));
	CHECK(free_bytes() < before_all);
	CHECK_OK(vos_discard(pool, c, 0));
	CHECK(free_bytes() == before_all);
	CHECK(get(c, 5, 1, VOS_EPOCH_MAX, NULL) == VOS_ERR_NONEXIST);
	CHECK_OK(vos_cont_close(pool, c));
}

int main(void)
{
	uint8_t u1[16] = { 0xd1, 1 }, u2[16] = { 0xd1, 2 };

	test_init("discard", true);
	CHECK_OK(test_pool_create(test_path("discard.pool"), 256ull << 20, &pool));
	CHECK_OK(vos_cont_create(pool, u1));
	CHECK_OK(vos_cont_create(pool, u2));
	CHECK_OK(vos_cont_open(pool, u1, &cont));
	CHECK_OK(vos_cont_open(pool, u2, &other));
	load();
	check_trees(cont);
	test_truncate_tail();
	test_truncate_and_append();
	test_discard_all();
	CHECK_OK(vos_pool_close(pool));
	printf("test_discard: OK\n");
	return 0;
}
