/*
 * test_aggregate: aggregation folds each key's versions at or below the epoch into one, drops
 * keys whose newest such version is a tombstone and objects punched at or below it, and gives
 * their space back (measured: at least the bytes of every dropped value); reads at and above
 * the epoch do not change; it works in slices of keys_max keys that resume from the cursor,
 * also with writes in between; a second pass frees nothing more; a finished cursor stays
 * finished. A pass visits only the keys changed since the last one (an object created below the
 * aggregated epoch does not change that), and a change below an epoch already aggregated (before
 * or during a pass) is still folded by the next one.
 */
#include "check.h"

#include "vos_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEYS 1000u
#define VERSIONS 10u
#define VALUE_BYTES 1024u

static vos_pool_t *pool;
static vos_cont_h cont;
static uint8_t data[64 * VALUE_BYTES];

enum { OID = 1, OID_PUNCHED = 2, OID_LEX = 3 };

static uint64_t free_bytes(void)
{
	vos_pool_info_t info;

	CHECK_OK(vos_pool_query(pool, &info));
	return info.free_bytes;
}

/* Runs aggregation to the end in slices of keys_max; returns the number of calls. */
static uint32_t aggregate_all(uint64_t up_to, uint32_t keys_max)
{
	vos_agg_cursor_t *cursor = calloc(1, sizeof(*cursor));
	uint32_t done = 0, calls = 0;

	CHECK(cursor != NULL);
	while (!done) {
		CHECK_OK(vos_aggregate(pool, cont, up_to, cursor, keys_max, &done));
		calls++;
		CHECK(calls < 100000);
	}
	free(cursor);
	return calls;
}

/* Key k at epoch e holds seed k * 100 + e. */
static void load(void)
{
	vos_op_t ops[64];

	CHECK_OK(test_obj_create(pool, cont, OID, VOS_KEYS_INTEGER, 1));
	CHECK_OK(test_obj_create(pool, cont, OID_PUNCHED, VOS_KEYS_INTEGER, 1));
	CHECK_OK(test_obj_create(pool, cont, OID_LEX, VOS_KEYS_LEXICAL, 1));
	for (uint64_t e = 1; e <= VERSIONS; e++) {
		for (uint64_t k = 0; k < KEYS; k += 50) {
			for (uint32_t i = 0; i < 50; i++) {
				ops[i] = test_op_update_int(cont, OID, e, k + i, (uint64_t)i * VALUE_BYTES,
							    VALUE_BYTES);
				test_fill(data + (uint64_t)i * VALUE_BYTES, VALUE_BYTES, (k + i) * 100 + e);
			}
			CHECK_OK(vos_tx_apply(pool, ops, 50, data, sizeof(data), NULL));
		}
	}
	/* Every third key is punched at 11, above all its values. */
	for (uint64_t k = 0; k < KEYS; k += 3) {
		vos_op_t op = test_op(VOS_OP_PUNCH, cont, OID, 11);

		op.key_int = k;
		CHECK_OK(vos_tx_apply(pool, &op, 1, NULL, 0, NULL));
	}
	for (uint64_t k = 0; k < 300; k++)
		CHECK_OK(test_put(pool, cont, OID_PUNCHED, 2, k, data, VALUE_BYTES));
	{
		vos_op_t op = test_op(VOS_OP_OBJ_PUNCH, cont, OID_PUNCHED, 5);

		CHECK_OK(vos_tx_apply(pool, &op, 1, NULL, 0, NULL));
	}
	for (uint32_t k = 0; k < 100; k++) {
		vos_op_t op = test_op(VOS_OP_UPDATE, cont, OID_LEX, 1 + k % 4);
		char key[32];
		int len = snprintf(key, sizeof(key), "lexical-key-%05u", k);

		memcpy(data, key, (size_t)len);
		op.key_len = (uint32_t)len;
		op.value_off = (uint64_t)len;
		op.value_len = 100;
		CHECK_OK(vos_tx_apply(pool, &op, 1, data, (uint64_t)len + 100, NULL));
		op.epoch = 9;
		CHECK_OK(vos_tx_apply(pool, &op, 1, data, (uint64_t)len + 100, NULL));
	}
}

static void check_reads(uint64_t epoch)
{
	static uint8_t got[VALUE_BYTES], want[VALUE_BYTES];

	for (uint64_t k = 0; k < KEYS; k += 7) {
		int32_t status;
		uint32_t len;

		CHECK_OK(test_get(pool, cont, OID, epoch, k, got, sizeof(got), &status, &len));
		if (k % 3 == 0 && epoch >= 11) {
			CHECK(status == VOS_ABSENT);
			continue;
		}
		CHECK(status == VOS_OK && len == VALUE_BYTES);
		test_fill(want, VALUE_BYTES, k * 100 + (epoch < VERSIONS ? epoch : VERSIONS));
		CHECK(memcmp(got, want, VALUE_BYTES) == 0);
	}
}

/* Entries in the object's key tree, tombstoned or not. */
static uint64_t key_entries(uint64_t oid)
{
	struct vos_cont_df *df;
	struct vos_obj_df *obj;
	struct btr_cursor ocur;

	CHECK_OK(vos_cont_get(pool, cont, &df));
	CHECK_OK(vos_obj_find(pool, df, oid, &ocur, &obj));
	return obj->keys.count;
}

static uint32_t count_keys(uint64_t oid, uint64_t epoch)
{
	static uint8_t out[1 << 20];
	vos_iter_req_t req;
	uint32_t n, state;
	uint64_t used;

	memset(&req, 0, sizeof(req));
	req.cont = cont;
	req.oid = oid;
	req.epoch = epoch;
	req.flags = VOS_ITER_KEYS_ONLY;
	CHECK_OK(vos_iterate(pool, &req, NULL, out, sizeof(out), &n, &used, &state));
	CHECK(state == VOS_ITER_END);
	return n;
}

static bool absent_at(uint64_t key, uint64_t epoch)
{
	int32_t status;

	CHECK_OK(test_get(pool, cont, OID, epoch, key, NULL, 0, &status, NULL));
	return status == VOS_ABSENT;
}

/* Keys folded by aggregating cont up to up_to in slices of keys_max. */
static uint64_t folds(uint64_t up_to, uint32_t keys_max)
{
	uint64_t before = pool->agg_folds;

	aggregate_all(up_to, keys_max);
	return pool->agg_folds - before;
}

/* In a container of its own: a pass costs what changed since the last one. */
static void incremental(void)
{
	uint8_t uuid[16] = { 0xa7 };
	vos_cont_h saved = cont;
	vos_op_t ops[50];

	CHECK_OK(vos_cont_create(pool, uuid));
	CHECK_OK(vos_cont_open(pool, uuid, &cont));
	CHECK_OK(test_obj_create(pool, cont, OID, VOS_KEYS_INTEGER, 1));
	for (uint64_t k = 0; k < 2000; k += 50) {
		for (uint32_t i = 0; i < 50; i++)
			ops[i] = test_op_update_int(cont, OID, 2, k + i, 0, 16);
		CHECK_OK(vos_tx_apply(pool, ops, 50, data, sizeof(data), NULL));
	}
	CHECK(folds(5, 100) == 2000);
	CHECK(folds(5, 100) == 0); /* nothing new: nothing visited */

	/* Two keys written since: the next pass folds those two only. */
	CHECK_OK(test_put(pool, cont, OID, 6, 10, data, 16));
	CHECK_OK(test_put(pool, cont, OID, 6, 20, data, 16));
	CHECK(!absent_at(10, 3));
	CHECK(folds(7, 100) == 2);
	CHECK(absent_at(10, 3) && !absent_at(10, 6) && !absent_at(11, 3));

	/* A write and a tombstone below the aggregated epoch (7): the next pass folds them. */
	CHECK_OK(test_put(pool, cont, OID, 4, 30, data, 16));
	{
		vos_op_t op = test_op(VOS_OP_PUNCH, cont, OID, 5);

		op.key_int = 40;
		CHECK_OK(vos_tx_apply(pool, &op, 1, NULL, 0, NULL));
	}
	CHECK(!absent_at(30, 3) && !absent_at(40, 3));
	CHECK(key_entries(OID) == 2000);
	CHECK(folds(7, 100) >= 2);
	CHECK(absent_at(30, 3) && !absent_at(30, 7));
	CHECK(key_entries(OID) == 1999); /* key 40 went */

	/* A write at or below the epoch of a running pass, to a key the pass has passed already:
	 * the pass does not count as complete, and the next one folds the key. */
	for (uint64_t k = 100; k < 105; k++)
		CHECK_OK(test_put(pool, cont, OID, 8, k, data, 16));
	{
		vos_agg_cursor_t *cursor = calloc(1, sizeof(*cursor));
		uint32_t done = 0;

		CHECK(cursor != NULL);
		CHECK_OK(vos_aggregate(pool, cont, 9, cursor, 1, &done));
		CHECK(!done);
		CHECK_OK(test_put(pool, cont, OID, 7, 100, data, 16));
		while (!done)
			CHECK_OK(vos_aggregate(pool, cont, 9, cursor, 1, &done));
		free(cursor);
	}
	CHECK(!absent_at(100, 7));
	CHECK(folds(9, 100) >= 1);
	CHECK(absent_at(100, 7) && !absent_at(100, 8));
	CHECK(folds(9, 100) == 0);

	/* An object created below the aggregated epoch (as a store creates its structural
	 * objects at epoch 0): the creation leaves nothing to fold, so the next pass still visits
	 * only what changed since, the new object's keys among them. Before, the creation lowered
	 * the container's floor to 0 and every later pass went through the whole container. */
	CHECK_OK(test_obj_create(pool, cont, OID + 10, VOS_KEYS_INTEGER, 0));
	CHECK_OK(test_put(pool, cont, OID + 10, 12, 1, data, 16));
	CHECK_OK(test_put(pool, cont, OID + 10, 14, 1, data, 16));
	CHECK_OK(test_put(pool, cont, OID + 10, 12, 2, data, 16));
	CHECK_OK(test_put(pool, cont, OID, 12, 50, data, 16));
	CHECK(folds(15, 100) == 3);
	{
		int32_t status;

		CHECK_OK(test_get(pool, cont, OID + 10, 13, 1, NULL, 0, &status, NULL));
		CHECK(status == VOS_ABSENT); /* its version at 12 was folded into the one at 14 */
		CHECK_OK(test_get(pool, cont, OID + 10, 15, 2, NULL, 0, &status, NULL));
		CHECK(status != VOS_ABSENT);
	}
	CHECK(folds(15, 100) == 0);
	CHECK_OK(vos_cont_close(pool, cont));
	cont = saved;
}

int main(void)
{
	uint8_t uuid[16] = { 0xa6 };
	uint64_t before, after, calls;
	uint32_t extra = 0;

	test_init("aggregate", true);
	CHECK_OK(test_pool_create(test_path("agg.pool"), 128ull << 20, &pool));
	CHECK_OK(vos_cont_create(pool, uuid));
	CHECK_OK(vos_cont_open(pool, uuid, &cont));
	load();
	check_reads(8);
	check_reads(VOS_EPOCH_MAX);

	/* Up to 8, in slices of 7 keys: 7 of the 10 versions of every key go. */
	before = free_bytes();
	calls = aggregate_all(8, 7);
	after = free_bytes();
	printf("aggregation up to 8 took %llu calls and freed %llu bytes\n",
	       (unsigned long long)calls, (unsigned long long)(after - before));
	CHECK(calls >= (KEYS + 300 + 100) / 7);
	CHECK(after - before >= (uint64_t)KEYS * 7 * VALUE_BYTES + 300ull * VALUE_BYTES);
	check_reads(8);
	check_reads(VOS_EPOCH_MAX);
	/* The punched object is gone whole (its id can be created again); the lexical keys
	 * kept their newest version. */
	{
		int32_t status;

		CHECK_OK(test_get(pool, cont, OID_PUNCHED, 4, 1, NULL, 0, &status, NULL));
		CHECK(status == VOS_ERR_NONEXIST);
	}
	CHECK_OK(test_obj_create(pool, cont, OID_PUNCHED, VOS_KEYS_INTEGER, 20));
	CHECK(count_keys(OID_LEX, 9) == 100);

	/* Again up to 8: nothing more to free. */
	before = free_bytes();
	aggregate_all(8, 1000);
	CHECK(free_bytes() == before);

	/* Up to the newest epoch, with writes at higher epochs between the slices: punched
	 * keys go with their versions, every other key keeps one version. */
	{
		vos_agg_cursor_t *cursor = calloc(1, sizeof(*cursor));
		uint32_t done = 0, round = 0;
		uint64_t freed;

		CHECK(cursor != NULL);
		before = free_bytes();
		while (!done) {
			uint64_t k = 5000 + round++;

			CHECK_OK(vos_aggregate(pool, cont, 11, cursor, 50, &done));
			CHECK_OK(test_put(pool, cont, OID, 12, k, data, 8));
		}
		free(cursor);
		CHECK(count_keys(OID, 12) == KEYS - (KEYS + 2) / 3 + round);
		CHECK(count_keys(OID, 11) == KEYS - (KEYS + 2) / 3);
		/* The punched keys are gone from the index, not just hidden. */
		CHECK(key_entries(OID) == KEYS - (KEYS + 2) / 3 + round);
		check_reads(11);
		check_reads(VOS_EPOCH_MAX);
		/* Up to 11, each key's versions at 8 and 9 went, and the punched keys' at 10 too;
		 * the writes in between took a little (their values and a few index nodes). */
		freed = free_bytes() + (uint64_t)round * 64 + 8192 - before;
		CHECK(freed >= (uint64_t)KEYS * 2 * VALUE_BYTES + (KEYS + 2) / 3 * VALUE_BYTES);
		extra = round;
	}
	/* Up to VOS_EPOCH_MAX: objects that were never punched stay. */
	aggregate_all(VOS_EPOCH_MAX, 100);
	CHECK(count_keys(OID, VOS_EPOCH_MAX) == KEYS - (KEYS + 2) / 3 + extra);
	CHECK(count_keys(OID_LEX, VOS_EPOCH_MAX) == 100);

	incremental();

	/* Argument errors. */
	{
		vos_agg_cursor_t *cursor = calloc(1, sizeof(*cursor));
		uint32_t done;

		CHECK(cursor != NULL);
		CHECK_RC(vos_aggregate(pool, cont, 5, cursor, 0, &done), VOS_ERR_INVAL);
		CHECK_RC(vos_aggregate(pool, cont, 5, NULL, 10, &done), VOS_ERR_INVAL);
		cursor->state = 0x100;
		CHECK_RC(vos_aggregate(pool, cont, 5, cursor, 10, &done), VOS_ERR_INVAL);
		free(cursor);
	}
	CHECK_OK(vos_pool_close(pool));
	printf("test_aggregate: OK\n");
	return 0;
}
