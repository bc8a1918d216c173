/*
 * test_ops: updates, punches, object creation and punch, and fetch, one rule at a time: the
 * version a fetch sees at each epoch, replacement at the same epoch (which must not leak the
 * old version's space), object lifetimes, the limits on keys, values and the bytes of one
 * transaction (before VOS_TX_BYTES_MAX, 65,536 values of 1 MiB made a 64 GiB transaction that
 * the WAL backend tried to buffer whole), every argument error
 * and the index of the operation it names, atomicity of a failing batch (nothing applied,
 * no space used), and batched fetch with mixed statuses, alignment and truncation.
 */
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static vos_pool_t *pool;
static vos_cont_h cont, cont2;
static uint8_t buf[2u << 20];

enum { OID_INT = 1, OID_LEX = 2 };

static uint64_t free_bytes(void)
{
	vos_pool_info_t info;

	CHECK_OK(vos_pool_query(pool, &info));
	return info.free_bytes;
}

/* Fetches integer key of OID_INT at epoch; returns the status and checks the value's seed. */
static int32_t get_int(uint64_t oid, uint64_t key, uint64_t epoch, uint64_t want_seed,
		       uint32_t want_len)
{
	static uint8_t want[4096];
	int32_t status;
	uint32_t len;

	CHECK_OK(test_get(pool, cont, oid, epoch, key, buf, sizeof(buf), &status, &len));
	if (status == VOS_OK) {
		CHECK(len == want_len);
		test_fill(want, len, want_seed);
		CHECK(memcmp(buf, want, len) == 0);
	}
	return status;
}

static void put_int(uint64_t oid, uint64_t key, uint64_t epoch, uint64_t seed, uint32_t len)
{
	static uint8_t value[4096];

	test_fill(value, len, seed);
	CHECK_OK(test_put(pool, cont, oid, epoch, key, value, len));
}

static int punch_int(uint64_t oid, uint64_t key, uint64_t epoch)
{
	vos_op_t op = test_op(VOS_OP_PUNCH, cont, oid, epoch);

	op.key_int = key;
	return vos_tx_apply(pool, &op, 1, NULL, 0, NULL);
}

static int obj_punch(uint64_t oid, uint64_t epoch)
{
	vos_op_t op = test_op(VOS_OP_OBJ_PUNCH, cont, oid, epoch);

	return vos_tx_apply(pool, &op, 1, NULL, 0, NULL);
}

static void test_versions(void)
{
	uint64_t before;

	put_int(OID_INT, 9, 5, 105, 100);
	put_int(OID_INT, 9, 10, 110, 200);
	put_int(OID_INT, 9, 7, 107, 50); /* in the past, between the two */
	CHECK(get_int(OID_INT, 9, 4, 0, 0) == VOS_ABSENT);
	CHECK(get_int(OID_INT, 9, 5, 105, 100) == VOS_OK);
	CHECK(get_int(OID_INT, 9, 6, 105, 100) == VOS_OK);
	CHECK(get_int(OID_INT, 9, 7, 107, 50) == VOS_OK);
	CHECK(get_int(OID_INT, 9, 9, 107, 50) == VOS_OK);
	CHECK(get_int(OID_INT, 9, 10, 110, 200) == VOS_OK);
	CHECK(get_int(OID_INT, 9, VOS_EPOCH_MAX, 110, 200) == VOS_OK);
	CHECK(get_int(OID_INT, 8, VOS_EPOCH_MAX, 0, 0) == VOS_ABSENT);

	/* The same epoch again replaces the version and gives its space back. */
	before = free_bytes();
	for (int i = 0; i < 50; i++)
		put_int(OID_INT, 9, 7, 1000 + (uint64_t)i, 50);
	CHECK(free_bytes() == before);
	CHECK(get_int(OID_INT, 9, 7, 1049, 50) == VOS_OK);
	CHECK(get_int(OID_INT, 9, 10, 110, 200) == VOS_OK);

	/* A punch hides the key from its epoch on; a later update revives it. */
	CHECK_OK(punch_int(OID_INT, 9, 12));
	CHECK(get_int(OID_INT, 9, 11, 110, 200) == VOS_OK);
	CHECK(get_int(OID_INT, 9, 12, 0, 0) == VOS_ABSENT);
	put_int(OID_INT, 9, 15, 115, 10);
	CHECK(get_int(OID_INT, 9, 14, 0, 0) == VOS_ABSENT);
	CHECK(get_int(OID_INT, 9, 15, 115, 10) == VOS_OK);
	/* A punch at the epoch of a value replaces it. */
	CHECK_OK(punch_int(OID_INT, 9, 15));
	CHECK(get_int(OID_INT, 9, 15, 0, 0) == VOS_ABSENT);
	/* Punching a key that never existed is allowed, and hides a later write in the past. */
	CHECK_OK(punch_int(OID_INT, 77, 20));
	put_int(OID_INT, 77, 18, 118, 5);
	CHECK(get_int(OID_INT, 77, 19, 118, 5) == VOS_OK);
	CHECK(get_int(OID_INT, 77, 20, 0, 0) == VOS_ABSENT);

	/* Empty values, and the extreme integer keys. */
	put_int(OID_INT, 0, 3, 0, 0);
	put_int(OID_INT, UINT64_MAX, 3, 3, 8);
	CHECK(get_int(OID_INT, 0, 3, 0, 0) == VOS_OK);
	CHECK(get_int(OID_INT, UINT64_MAX, 3, 3, 8) == VOS_OK);
	/* Epoch 0 is an epoch like any other. */
	CHECK_OK(test_obj_create(pool, cont, 50, VOS_KEYS_INTEGER, 0));
	put_int(50, 1, 0, 50, 1);
	CHECK(get_int(50, 1, 0, 50, 1) == VOS_OK);
}

static void test_objects(void)
{
	vos_op_t op;

	/* Ids are never reused: create twice is EXIST, also after a punch. */
	CHECK_OK(test_obj_create(pool, cont, 30, VOS_KEYS_INTEGER, 10));
	CHECK_RC(test_obj_create(pool, cont, 30, VOS_KEYS_INTEGER, 11), VOS_ERR_EXIST);
	/* Before its creation epoch the object does not exist, for writes and reads. */
	{
		uint8_t v = 1;

		CHECK_RC(test_put(pool, cont, 30, 9, 1, &v, 1), VOS_ERR_NONEXIST);
	}
	put_int(30, 1, 10, 10, 4);
	put_int(30, 2, 12, 12, 4);
	CHECK(get_int(30, 1, 9, 0, 0) == VOS_ERR_NONEXIST);
	CHECK(get_int(30, 1, 10, 10, 4) == VOS_OK);
	/* Object punch at 20: the object and every key cease to exist at 20 and above. */
	CHECK_OK(obj_punch(30, 20));
	CHECK(get_int(30, 1, 19, 10, 4) == VOS_OK);
	CHECK(get_int(30, 1, 20, 0, 0) == VOS_ERR_NONEXIST);
	CHECK(get_int(30, 2, VOS_EPOCH_MAX, 0, 0) == VOS_ERR_NONEXIST);
	CHECK_RC(test_put(pool, cont, 30, 21, 1, buf, 1), VOS_ERR_NONEXIST);
	CHECK_RC(obj_punch(30, 25), VOS_ERR_NONEXIST);
	CHECK_RC(punch_int(30, 1, 20), VOS_ERR_NONEXIST);
	CHECK_RC(test_obj_create(pool, cont, 30, VOS_KEYS_INTEGER, 30), VOS_ERR_EXIST);
	/* Writing below the punch is still writing where the object exists. */
	put_int(30, 3, 15, 15, 4);
	CHECK(get_int(30, 3, 19, 15, 4) == VOS_OK);
	/* A missing object. */
	CHECK(get_int(31, 1, 19, 0, 0) == VOS_ERR_NONEXIST);
	CHECK_RC(obj_punch(31, 5), VOS_ERR_NONEXIST);
	/* The same id in another container is another object. */
	op = test_op(VOS_OP_OBJ_CREATE, cont2, 30, 1);
	op.key_order = VOS_KEYS_LEXICAL;
	CHECK_OK(vos_tx_apply(pool, &op, 1, NULL, 0, NULL));
}

static void test_lexical(void)
{
	static uint8_t keys[8][VOS_KEY_BYTES_MAX];
	static const uint32_t lens[8] = { 1, 2, 8, 9, 100, 4095, VOS_KEY_BYTES_MAX, 3 };
	vos_fetch_req_t reqs[8];
	vos_op_t ops[8];
	uint64_t used = 0;

	/* Keys that share their first bytes, and zero bytes that make "a" and "a\0" differ. */
	for (int i = 0; i < 8; i++) {
		memset(keys[i], 'k', lens[i]);
		if (i == 7)
			keys[i][1] = 0, keys[i][2] = 0;
		memcpy(buf + used, keys[i], lens[i]);
		ops[i] = test_op(VOS_OP_UPDATE, cont, OID_LEX, 4);
		ops[i].key_off = used;
		ops[i].key_len = lens[i];
		used += lens[i];
		ops[i].value_off = used;
		ops[i].value_len = 10 + (uint32_t)i;
		test_fill(buf + used, ops[i].value_len, (uint64_t)i);
		used += ops[i].value_len;
	}
	CHECK_OK(vos_tx_apply(pool, ops, 8, buf, used, NULL));
	memset(reqs, 0, sizeof(reqs));
	for (int i = 0; i < 8; i++) {
		reqs[i].cont = cont;
		reqs[i].oid = OID_LEX;
		reqs[i].epoch = 4;
		reqs[i].key_off = ops[i].key_off;
		reqs[i].key_len = lens[i];
	}
	{
		static uint8_t out[4096];

		CHECK_OK(vos_fetch(pool, reqs, 8, buf, used, out, sizeof(out)));
		for (int i = 0; i < 8; i++) {
			uint8_t want[32];

			CHECK(reqs[i].status == VOS_OK);
			CHECK(reqs[i].value_len == 10u + (uint32_t)i);
			CHECK(reqs[i].value_off % 8 == 0);
			test_fill(want, reqs[i].value_len, (uint64_t)i);
			CHECK(memcmp(out + reqs[i].value_off, want, reqs[i].value_len) == 0);
		}
	}
}

static void test_limits_and_errors(void)
{
	static uint8_t data[VOS_VALUE_BYTES_MAX + VOS_KEY_BYTES_MAX + 16];
	uint64_t before;
	vos_op_t ops[4];
	uint32_t failed;

	/* The largest value and key are accepted. */
	ops[0] = test_op_update_int(cont, OID_INT, 30, 500, 0, VOS_VALUE_BYTES_MAX);
	test_fill(data, VOS_VALUE_BYTES_MAX, 500);
	CHECK_OK(vos_tx_apply(pool, ops, 1, data, VOS_VALUE_BYTES_MAX, NULL));
	CHECK_OK(test_get(pool, cont, OID_INT, 30, 500, buf, sizeof(buf), NULL, NULL));
	CHECK(memcmp(buf, data, VOS_VALUE_BYTES_MAX) == 0);

	/* One byte more is TOOBIG, and the index of the operation is given. */
	ops[0] = test_op_update_int(cont, OID_INT, 30, 1, 0, 1);
	ops[1] = test_op_update_int(cont, OID_INT, 30, 501, 0, VOS_VALUE_BYTES_MAX + 1);
	CHECK_RC(vos_tx_apply(pool, ops, 2, data, sizeof(data), &failed), VOS_ERR_TOOBIG);
	CHECK(failed == 1);
	CHECK(strstr(vos_last_message(), "VOS_VALUE_BYTES_MAX") != NULL);
	ops[1] = test_op(VOS_OP_UPDATE, cont, OID_LEX, 30);
	ops[1].key_len = VOS_KEY_BYTES_MAX + 1;
	CHECK_RC(vos_tx_apply(pool, ops, 2, data, sizeof(data), &failed), VOS_ERR_TOOBIG);
	CHECK(failed == 1);
	CHECK(strstr(vos_last_message(), "VOS_KEY_BYTES_MAX") != NULL);
	/* Buffers: a key or a value outside the data buffer, also by overflow. */
	ops[1] = test_op_update_int(cont, OID_INT, 30, 2, 10, 10);
	CHECK_RC(vos_tx_apply(pool, ops, 2, data, 19, &failed), VOS_ERR_INVAL);
	CHECK(failed == 1);
	ops[1] = test_op_update_int(cont, OID_INT, 30, 2, UINT64_MAX - 2, 10);
	CHECK_RC(vos_tx_apply(pool, ops, 2, data, 100, &failed), VOS_ERR_INVAL);
	ops[1] = test_op(VOS_OP_PUNCH, cont, OID_LEX, 30);
	ops[1].key_off = 95;
	ops[1].key_len = 10;
	CHECK_RC(vos_tx_apply(pool, ops, 2, data, 100, &failed), VOS_ERR_INVAL);
	CHECK_RC(vos_tx_apply(pool, ops, 1, NULL, 100, &failed), VOS_ERR_INVAL);
	/* Kinds, orders, epochs, counts. */
	ops[1] = test_op(99, cont, OID_INT, 30);
	CHECK_RC(vos_tx_apply(pool, ops, 2, data, 100, &failed), VOS_ERR_INVAL);
	CHECK(failed == 1);
	ops[1] = test_op(VOS_OP_OBJ_CREATE, cont, 60, 30);
	ops[1].key_order = 3;
	CHECK_RC(vos_tx_apply(pool, ops, 2, data, 100, &failed), VOS_ERR_INVAL);
	ops[1] = test_op_update_int(cont, OID_INT, VOS_EPOCH_MAX, 2, 0, 1);
	CHECK_RC(vos_tx_apply(pool, ops, 2, data, 100, &failed), VOS_ERR_INVAL);
	CHECK(strstr(vos_last_message(), "epoch") != NULL);
	CHECK_RC(vos_tx_apply(pool, ops, 0, data, 100, &failed), VOS_ERR_INVAL);
	CHECK_RC(vos_tx_apply(pool, NULL, 1, data, 100, &failed), VOS_ERR_INVAL);
	CHECK_RC(vos_tx_apply(pool, ops, VOS_TX_OPS_MAX + 1, data, 100, &failed), VOS_ERR_TOOBIG);
	CHECK_RC(vos_tx_apply(NULL, ops, 1, data, 100, &failed), VOS_ERR_INVAL);
	/* More keys and values than VOS_TX_BYTES_MAX in all, even from one shared buffer: TOOBIG
	 * at the operation that crosses the limit, before the pool is touched. */
	{
		enum { BIG_OPS = VOS_TX_BYTES_MAX / VOS_VALUE_BYTES_MAX + 1 };
		static vos_op_t big[BIG_OPS];

		before = free_bytes();
		for (uint32_t i = 0; i < BIG_OPS; i++)
			big[i] = test_op_update_int(cont, OID_INT, 31, 700 + i, 0, VOS_VALUE_BYTES_MAX);
		CHECK_RC(vos_tx_apply(pool, big, BIG_OPS, data, VOS_VALUE_BYTES_MAX, &failed),
			 VOS_ERR_TOOBIG);
		CHECK(failed == BIG_OPS - 1);
		CHECK(strstr(vos_last_message(), "VOS_TX_BYTES_MAX") != NULL);
		CHECK(get_int(OID_INT, 700, VOS_EPOCH_MAX, 0, 0) == VOS_ABSENT);
		CHECK(free_bytes() == before);
	}
	/* A key that does not suit the object's key order. */
	ops[1] = test_op_update_int(cont, OID_INT, 30, 2, 0, 1);
	ops[1].key_len = 3;
	CHECK_RC(vos_tx_apply(pool, ops, 2, data, 100, &failed), VOS_ERR_INVAL);
	CHECK(failed == 1);
	CHECK(strstr(vos_last_message(), "integer keys") != NULL);
	ops[1] = test_op_update_int(cont, OID_LEX, 30, 2, 0, 1);
	CHECK_RC(vos_tx_apply(pool, ops, 2, data, 100, &failed), VOS_ERR_INVAL);
	CHECK(strstr(vos_last_message(), "lexical keys") != NULL);

	/* Atomicity: two good updates and a third on a missing object: nothing is applied and no
	 * space is used. */
	before = free_bytes();
	ops[0] = test_op_update_int(cont, OID_INT, 40, 600, 0, 1000);
	ops[1] = test_op_update_int(cont, OID_INT, 40, 601, 0, 1000);
	ops[2] = test_op_update_int(cont, 999, 40, 602, 0, 1000);
	CHECK_RC(vos_tx_apply(pool, ops, 3, data, 1000, &failed), VOS_ERR_NONEXIST);
	CHECK(failed == 2);
	CHECK(strstr(vos_last_message(), "nothing of this transaction") != NULL);
	CHECK(get_int(OID_INT, 600, VOS_EPOCH_MAX, 0, 0) == VOS_ABSENT);
	CHECK(get_int(OID_INT, 601, VOS_EPOCH_MAX, 0, 0) == VOS_ABSENT);
	/* Same with a closed handle as the culprit, after an object creation. */
	ops[0] = test_op(VOS_OP_OBJ_CREATE, cont, 61, 40);
	ops[0].key_order = VOS_KEYS_INTEGER;
	ops[1] = test_op_update_int(cont, 61, 40, 1, 0, 1000);
	ops[2] = test_op_update_int(cont + 1, OID_INT, 40, 602, 0, 1000);
	CHECK_RC(vos_tx_apply(pool, ops, 3, data, 1000, &failed), VOS_ERR_BADHANDLE);
	CHECK(failed == 2);
	CHECK(get_int(61, 1, VOS_EPOCH_MAX, 0, 0) == VOS_ERR_NONEXIST);
	CHECK(free_bytes() == before);
	/* The creation alone goes through, once. */
	CHECK_OK(vos_tx_apply(pool, ops, 1, NULL, 0, NULL));
	CHECK_RC(vos_tx_apply(pool, ops, 1, NULL, 0, &failed), VOS_ERR_EXIST);
	CHECK(failed == 0);
	CHECK(free_bytes() < before);
}

static void test_fetch_batch(void)
{
	vos_fetch_req_t reqs[6];
	uint8_t keys[8] = { 'k' };
	uint8_t out[64];

	put_int(OID_INT, 700, 50, 700, 20);
	put_int(OID_INT, 701, 50, 701, 30);
	put_int(OID_INT, 702, 50, 702, 5);
	memset(reqs, 0, sizeof(reqs));
	for (int i = 0; i < 6; i++) {
		reqs[i].cont = cont;
		reqs[i].oid = OID_INT;
		reqs[i].epoch = 50;
	}
	reqs[0].key_int = 700;       /* 20 bytes at 0 */
	reqs[1].key_int = 703;       /* absent */
	reqs[2].oid = 998;           /* no such object */
	reqs[3].cont = cont + 12345; /* not a handle */
	reqs[4].key_int = 701;       /* 30 bytes at 24 */
	reqs[5].key_int = 702;       /* 5 bytes at 56 */
	CHECK_OK(vos_fetch(pool, reqs, 6, keys, 0, out, sizeof(out)));
	CHECK(reqs[0].status == VOS_OK && reqs[0].value_off == 0 && reqs[0].value_len == 20);
	CHECK(reqs[1].status == VOS_ABSENT);
	CHECK(reqs[2].status == VOS_ERR_NONEXIST);
	CHECK(reqs[3].status == VOS_ERR_BADHANDLE);
	CHECK(reqs[4].status == VOS_OK && reqs[4].value_off == 24 && reqs[4].value_len == 30);
	CHECK(reqs[5].status == VOS_OK && reqs[5].value_off == 56 && reqs[5].value_len == 5);
	/* 40 bytes of room: the first fits, the second does not, and neither does any later one
	 * (the values returned are those of a prefix), but each says its length. */
	CHECK_OK(vos_fetch(pool, reqs, 6, keys, 0, out, 40));
	CHECK(reqs[0].status == VOS_OK);
	CHECK(reqs[4].status == VOS_ERR_TRUNC && reqs[4].value_len == 30);
	CHECK(reqs[5].status == VOS_ERR_TRUNC && reqs[5].value_len == 5);
	/* A lexical request whose key lies outside the keys buffer fails the whole call. */
	reqs[1].oid = OID_LEX;
	reqs[1].key_off = 4;
	reqs[1].key_len = 8;
	CHECK_RC(vos_fetch(pool, reqs, 6, keys, 8, out, sizeof(out)), VOS_ERR_INVAL);
	/* A key of the wrong form for its object fails that request only. */
	reqs[1].key_off = 0;
	reqs[1].key_len = 0;
	CHECK_OK(vos_fetch(pool, reqs, 6, keys, 8, out, sizeof(out)));
	CHECK(reqs[1].status == VOS_ERR_INVAL);
	CHECK(reqs[0].status == VOS_OK);
	reqs[1].key_len = VOS_KEY_BYTES_MAX + 1;
	CHECK_RC(vos_fetch(pool, reqs, 6, keys, 8, out, sizeof(out)), VOS_ERR_TOOBIG);
	CHECK_RC(vos_fetch(pool, reqs, 0, keys, 8, out, sizeof(out)), VOS_ERR_INVAL);
	CHECK_RC(vos_fetch(pool, NULL, 1, keys, 8, out, sizeof(out)), VOS_ERR_INVAL);
	CHECK_RC(vos_fetch(pool, reqs, 1, keys, 8, NULL, 8), VOS_ERR_INVAL);
}

int main(void)
{
	uint8_t u1[16] = { 0xc0, 1 }, u2[16] = { 0xc0, 2 };

	test_init("ops", true);
	CHECK_OK(test_pool_create(test_path("ops.pool"), 64ull << 20, &pool));
	CHECK_OK(vos_cont_create(pool, u1));
	CHECK_OK(vos_cont_create(pool, u2));
	CHECK_OK(vos_cont_open(pool, u1, &cont));
	CHECK_OK(vos_cont_open(pool, u2, &cont2));
	CHECK_OK(test_obj_create(pool, cont, OID_INT, VOS_KEYS_INTEGER, 1));
	CHECK_OK(test_obj_create(pool, cont, OID_LEX, VOS_KEYS_LEXICAL, 1));
	test_versions();
	test_objects();
	test_lexical();
	test_limits_and_errors();
	test_fetch_batch();
	CHECK_OK(vos_pool_close(pool));
	printf("test_ops: OK\n");
	return 0;
}
