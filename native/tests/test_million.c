/*
 * test_million: one object holding 1,000,000 integer keys, inserted in a scrambled order in
 * transactions of 10,000. The index must stay a sound B+-tree; iteration forwards and
 * backwards (in 1 MiB batches, resumed from anchors) must return every key once, in order, with
 * its value; batched lookups of 100,000 present and 20,000 absent keys must answer right; and
 * all of it must still be there after the pool is closed and opened again.
 */
#include "check.h"

#include "vos_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KEYS 1000000u
#define BATCH 10000u
#define LOOKUPS 100000u
#define LOOKUP_BATCH 1000u
#define SCRAMBLE 0x9e3779b97f4a7c15ull /* odd, so i -> i * SCRAMBLE is a bijection */

static vos_pool_t *pool;
static vos_cont_h cont;
static uint64_t *sorted;
static const uint8_t uuid[16] = { 0x10, 0x00, 0x00 };

static uint64_t key_of(uint64_t i)
{
	return (i + 1) * SCRAMBLE;
}

static uint64_t value_of(uint64_t key)
{
	return key ^ 0x5555555555555555ull;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static void insert(void)
{
	static vos_op_t ops[BATCH];
	static uint64_t values[BATCH];

	for (uint64_t i = 0; i < KEYS; i += BATCH) {
		for (uint32_t j = 0; j < BATCH; j++) {
			uint64_t key = key_of(i + j);

			values[j] = value_of(key);
			ops[j] = test_op_update_int(cont, 1, 1 + i / BATCH, key, (uint64_t)j * 8, 8);
		}
		CHECK_OK(vos_tx_apply(pool, ops, BATCH, (const uint8_t *)values, sizeof(values), NULL));
	}
}

static void check_structure(void)
{
	struct vos_cont_df *df;
	struct vos_obj_df *obj;
	struct btr_cursor ocur;
	struct btr_tree keys;

	CHECK_OK(vos_cont_get(pool, cont, &df));
	CHECK_OK(vos_obj_find(pool, df, 1, &ocur, &obj));
	CHECK_OK(vos_obj_keys(pool, obj, &keys));
	CHECK_OK(btr_check(&keys));
	CHECK(keys.root->count == KEYS);
	printf("index: %u keys, %u levels\n", KEYS, (unsigned)keys.root->depth);
}

static void iterate(bool backward)
{
	static uint8_t out[1 << 20];
	vos_iter_req_t req;
	uint32_t state = 0, calls = 0;
	uint64_t seen = 0;

	memset(&req, 0, sizeof(req));
	req.cont = cont;
	req.oid = 1;
	req.epoch = VOS_EPOCH_MAX;
	req.flags = backward ? VOS_ITER_BACKWARD : 0;
	while (state != VOS_ITER_END) {
		uint32_t n;
		uint64_t used;

		CHECK_OK(vos_iterate(pool, &req, NULL, out, sizeof(out), &n, &used, &state));
		CHECK(used == (uint64_t)n * 24);
		for (uint32_t r = 0; r < n; r++) {
			vos_rec_hdr_t hdr;
			uint64_t v;

			memcpy(&hdr, out + (uint64_t)r * 24, sizeof(hdr));
			memcpy(&v, out + (uint64_t)r * 24 + sizeof(hdr), 8);
			CHECK(seen < KEYS);
			CHECK(hdr.key_int == sorted[backward ? KEYS - 1 - seen : seen]);
			CHECK(hdr.value_len == 8 && v == value_of(hdr.key_int));
			seen++;
			req.anchor_int = hdr.key_int;
		}
		req.flags |= VOS_ITER_HAS_ANCHOR;
		calls++;
	}
	CHECK(seen == KEYS);
	printf("iterated %s: %llu keys in %u calls\n", backward ? "backwards" : "forwards",
	       (unsigned long long)seen, calls);
}

static void lookups(void)
{
	static vos_fetch_req_t reqs[LOOKUP_BATCH];
	static uint8_t out[LOOKUP_BATCH * 8];

	for (uint32_t b = 0; b < LOOKUPS / LOOKUP_BATCH; b++) {
		memset(reqs, 0, sizeof(reqs));
		for (uint32_t r = 0; r < LOOKUP_BATCH; r++) {
			reqs[r].cont = cont;
			reqs[r].oid = 1;
			reqs[r].epoch = VOS_EPOCH_MAX;
			/* One in five is a key that is not there (between two that are). */
			reqs[r].key_int = r % 5 == 4 ? sorted[test_rand_below(KEYS - 1)] + 1
						     : key_of(test_rand_below(KEYS));
		}
		CHECK_OK(vos_fetch(pool, reqs, LOOKUP_BATCH, NULL, 0, out, sizeof(out)));
		for (uint32_t r = 0; r < LOOKUP_BATCH; r++) {
			uint64_t v;

			if (r % 5 == 4) {
				CHECK(reqs[r].status == VOS_ABSENT);
				continue;
			}
			CHECK(reqs[r].status == VOS_OK && reqs[r].value_len == 8);
			memcpy(&v, out + reqs[r].value_off, 8);
			CHECK(v == value_of(reqs[r].key_int));
		}
	}
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
	double t0 = seconds();
	vos_pool_info_t info;

	test_init("million", true);
	sorted = malloc(KEYS * sizeof(*sorted));
	CHECK(sorted != NULL);
	for (uint64_t i = 0; i < KEYS; i++)
		sorted[i] = key_of(i);
	qsort(sorted, KEYS, sizeof(*sorted), cmp_u64);
	for (uint64_t i = 1; i < KEYS; i++)
		CHECK(sorted[i - 1] < sorted[i]);

	CHECK_OK(test_pool_create(test_path("million.pool"), 512ull << 20, &pool));
	CHECK_OK(vos_cont_create(pool, uuid));
	CHECK_OK(vos_cont_open(pool, uuid, &cont));
	CHECK_OK(test_obj_create(pool, cont, 1, VOS_KEYS_INTEGER, 1));
	insert();
	CHECK_OK(vos_pool_query(pool, &info));
	printf("inserted %u keys (%.1f s so far); %llu of %llu bytes in use\n", KEYS,
	       seconds() - t0, (unsigned long long)(info.total_bytes - info.free_bytes),
	       (unsigned long long)info.total_bytes);
	check_structure();
	iterate(false);
	iterate(true);
	lookups();

	CHECK_OK(vos_pool_close(pool));
	CHECK_OK(vos_pool_open(test_path("million.pool"), &pool));
	CHECK_OK(vos_cont_open(pool, uuid, &cont));
	lookups();
	iterate(true);
	CHECK_OK(vos_pool_close(pool));
	free(sorted);
	/* The time is printed for the report, never checked. */
	printf("test_million: OK (%.1f s in all)\n", seconds() - t0);
	return 0;
}
