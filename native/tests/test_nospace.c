/*
 * test_nospace: a full pool answers NOSPACE with a message that says what to do, loses none of
 * what was committed, applies nothing of the transaction that ran out, and stays usable: reads
 * work, a discard, an aggregation and a container destroy (which free space) work on the full
 * pool, and writes work again afterwards, also after a close and reopen.
 */
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VALUE_BYTES (64u << 10)

static vos_pool_t *pool;
static vos_cont_h cont;
static uint8_t data[16 * VALUE_BYTES];
static uint64_t committed; /* keys 0 .. committed - 1 are in, key k at epoch k / 4 + 1 */

static uint64_t free_bytes(void)
{
	vos_pool_info_t info;

	CHECK_OK(vos_pool_query(pool, &info));
	return info.free_bytes;
}

/* Writes batches of 4 large values until the pool is full; returns how many batches went. */
static uint32_t fill(void)
{
	uint32_t batches = 0;

	for (;;) {
		vos_op_t ops[4];
		uint32_t failed;
		int rc;

		for (uint32_t i = 0; i < 4; i++) {
			uint64_t k = committed + i;

			ops[i] = test_op_update_int(cont, 1, k / 4 + 1, k, (uint64_t)i * VALUE_BYTES,
						    VALUE_BYTES);
			test_fill(data + (uint64_t)i * VALUE_BYTES, VALUE_BYTES, k);
		}
		rc = vos_tx_apply(pool, ops, 4, data, sizeof(data), &failed);
		if (rc == VOS_ERR_NOSPACE) {
			CHECK(failed <= 4);
			CHECK(strstr(vos_last_message(), "full") != NULL ||
			      strstr(vos_last_message(), "no free block") != NULL);
			CHECK(strstr(vos_last_message(), "aggregate") != NULL);
			return batches;
		}
		CHECK_OK(rc);
		committed += 4;
		batches++;
		CHECK(batches < 10000);
	}
}

static void check_all(void)
{
	static uint8_t got[VALUE_BYTES], want[VALUE_BYTES];

	for (uint64_t k = 0; k < committed; k++) {
		int32_t status;
		uint32_t len;

		CHECK_OK(test_get(pool, cont, 1, VOS_EPOCH_MAX, k, got, sizeof(got), &status, &len));
		CHECK(status == VOS_OK && len == VALUE_BYTES);
		test_fill(want, VALUE_BYTES, k);
		CHECK(memcmp(got, want, VALUE_BYTES) == 0);
	}
	{
		int32_t status;

		CHECK_OK(test_get(pool, cont, 1, VOS_EPOCH_MAX, committed, got, sizeof(got), &status,
				  NULL));
		CHECK(status == VOS_ABSENT);
	}
}

int main(void)
{
	uint8_t u1[16] = { 0x0f, 1 }, u2[16] = { 0x0f, 2 };
	vos_pool_info_t info;
	uint64_t before;
	uint32_t batches;

	test_init("nospace", true);
	CHECK_OK(test_pool_create(test_path("small.pool"), VOS_POOL_BYTES_MIN, &pool));
	CHECK_OK(vos_cont_create(pool, u1));
	CHECK_OK(vos_cont_create(pool, u2));
	CHECK_OK(vos_cont_open(pool, u1, &cont));
	CHECK_OK(test_obj_create(pool, cont, 1, VOS_KEYS_INTEGER, 1));
	{
		/* The second container holds some data, to be destroyed on a full pool. */
		vos_cont_h c2;

		CHECK_OK(vos_cont_open(pool, u2, &c2));
		CHECK_OK(test_obj_create(pool, c2, 1, VOS_KEYS_INTEGER, 1));
		for (uint64_t k = 0; k < 8; k++)
			CHECK_OK(test_put(pool, c2, 1, 1, k, data, VALUE_BYTES));
		CHECK_OK(vos_cont_close(pool, c2));
	}

	batches = fill();
	CHECK_OK(vos_pool_query(pool, &info));
	printf("full after %u batches (%llu values of 64 KiB): %llu of %llu bytes free\n", batches,
	       (unsigned long long)committed, (unsigned long long)info.free_bytes,
	       (unsigned long long)info.total_bytes);
	/* The allocator gives whole 256 KiB chunks to each size class, so a pool this small fills
	 * up before every byte is in use. */
	CHECK(batches > 10);
	CHECK(info.free_bytes < info.total_bytes / 2);
	check_all();

	/* A transaction of 16 values that runs out part way: nothing of it stays. */
	before = free_bytes();
	{
		vos_op_t ops[16];

		for (uint32_t i = 0; i < 16; i++)
			ops[i] = test_op_update_int(cont, 1, 9999, 100000 + i,
						    (uint64_t)i * VALUE_BYTES, VALUE_BYTES);
		CHECK_RC(vos_tx_apply(pool, ops, 16, data, sizeof(data), NULL), VOS_ERR_NOSPACE);
	}
	CHECK(free_bytes() == before);
	check_all();

	/* Discarding the newest epochs works on the full pool and frees their space. */
	CHECK_OK(vos_discard(pool, cont, committed / 4 - 2)); /* the last three batches */
	committed -= 12;
	CHECK(free_bytes() >= before + 12ull * VALUE_BYTES);
	check_all();
	/* Writing works again. */
	CHECK(fill() >= 2);
	check_all();

	/* Full again: punching needs a little space for tombstones; aggregation frees the rest.
	 * Punch a few keys in one batch (tombstones are small), then aggregate. */
	{
		vos_op_t ops[8];
		uint64_t epoch = committed / 4 + 10;
		vos_agg_cursor_t *cursor = calloc(1, sizeof(*cursor));
		uint32_t done = 0;
		int rc;

		CHECK(cursor != NULL);
		for (uint32_t i = 0; i < 8; i++) {
			ops[i] = test_op(VOS_OP_PUNCH, cont, 1, epoch);
			ops[i].key_int = i;
		}
		rc = vos_tx_apply(pool, ops, 8, NULL, 0, NULL);
		CHECK(rc == VOS_OK || rc == VOS_ERR_NOSPACE);
		if (rc == VOS_ERR_NOSPACE) {
			/* Make room by discarding the newest batch first. */
			CHECK_OK(vos_discard(pool, cont, committed / 4));
			committed -= 4;
			CHECK_OK(vos_tx_apply(pool, ops, 8, NULL, 0, NULL));
		}
		before = free_bytes();
		while (!done)
			CHECK_OK(vos_aggregate(pool, cont, epoch, cursor, 16, &done));
		CHECK(free_bytes() >= before + 8ull * VALUE_BYTES);
		free(cursor);
		for (uint64_t k = 0; k < 8; k++) {
			int32_t status;

			CHECK_OK(test_get(pool, cont, 1, VOS_EPOCH_MAX, k, NULL, 0, &status, NULL));
			CHECK(status == VOS_ABSENT);
		}
	}

	/* Full again; destroying the other container works and frees its space. */
	fill();
	before = free_bytes();
	CHECK_OK(vos_cont_destroy(pool, u2));
	CHECK(free_bytes() >= before + 8ull * VALUE_BYTES);

	/* Everything committed survives a close and reopen, and the pool takes writes. */
	CHECK_OK(vos_pool_close(pool));
	CHECK_OK(vos_pool_open(test_path("small.pool"), &pool));
	CHECK_OK(vos_cont_open(pool, u1, &cont));
	{
		uint64_t first = committed;

		CHECK(fill() >= 1);
		/* Keys 0 .. 7 were punched and aggregated away; the rest are as written. */
		for (uint64_t k = 8; k < committed; k++) {
			int32_t status;

			CHECK_OK(test_get(pool, cont, 1, VOS_EPOCH_MAX, k, NULL, 0, &status, NULL));
			CHECK(status == VOS_ERR_TRUNC);
		}
		CHECK(committed > first);
	}
	CHECK_OK(vos_pool_close(pool));
	printf("test_nospace: OK\n");
	return 0;
}
