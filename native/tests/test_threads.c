/*
 * test_threads: one pool used by many threads at once, as the header allows: a writer commits
 * transactions while readers fetch, iterate and query, another thread opens and closes
 * container handles, and a scrubber runs passes in small slices between the writer's
 * transactions (the way a replica scrubs in the background), each of which must find nothing
 * wrong. Readers must never see a torn transaction (each transaction writes the
 * same epoch to a group of keys, so a batched fetch of the group at any moment must return one
 * epoch for all), never see a key go back in time, and never get an error; each thread keeps
 * its own last message.
 */
#include "check.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GROUP 16u       /* keys written together by every transaction */
#define TRANSACTIONS 3000u
#define READERS 3

static vos_pool_t *pool;
static vos_cont_h cont;
static atomic_bool writer_done;
static const uint8_t uuid[16] = { 0x7d };

struct value {
	uint64_t key;
	uint64_t epoch;
};

static void *writer(void *arg)
{
	vos_op_t ops[GROUP];
	struct value values[GROUP];

	(void)arg;
	for (uint64_t e = 2; e < 2 + TRANSACTIONS; e++) {
		for (uint32_t k = 0; k < GROUP; k++) {
			values[k].key = k;
			values[k].epoch = e;
			ops[k] = test_op_update_int(cont, 1, e, k, (uint64_t)k * sizeof(values[0]),
						    sizeof(values[0]));
		}
		CHECK_OK(vos_tx_apply(pool, ops, GROUP, (const uint8_t *)values, sizeof(values), NULL));
		/* New keys too, so the tree splits while readers walk it. */
		CHECK_OK(test_put(pool, cont, 1, e, 1000 + e, values, sizeof(values[0])));
	}
	atomic_store(&writer_done, true);
	return NULL;
}

static void *reader(void *arg)
{
	static _Thread_local uint8_t out[1 << 16];
	uint64_t last = 0, rounds = 0;

	(void)arg;
	while (!atomic_load(&writer_done) || rounds < 10) {
		vos_fetch_req_t reqs[GROUP];
		uint64_t epoch = 0;

		memset(reqs, 0, sizeof(reqs));
		for (uint32_t k = 0; k < GROUP; k++) {
			reqs[k].cont = cont;
			reqs[k].oid = 1;
			reqs[k].epoch = VOS_EPOCH_MAX;
			reqs[k].key_int = k;
		}
		CHECK_OK(vos_fetch(pool, reqs, GROUP, NULL, 0, out, sizeof(out)));
		for (uint32_t k = 0; k < GROUP; k++) {
			struct value v;

			if (reqs[k].status == VOS_ABSENT && epoch == 0 && last == 0)
				continue; /* before the first transaction */
			CHECK(reqs[k].status == VOS_OK);
			memcpy(&v, out + reqs[k].value_off, sizeof(v));
			CHECK(v.key == k);
			if (k == 0)
				epoch = v.epoch;
			CHECK(v.epoch == epoch); /* one transaction, whole */
		}
		CHECK(epoch >= last); /* never back in time */
		last = epoch;

		/* A walk over the keys: in order, all valid. */
		{
			vos_iter_req_t req;
			uint32_t n, state;
			uint64_t used, prev = 0, at = 0;

			memset(&req, 0, sizeof(req));
			req.cont = cont;
			req.oid = 1;
			req.epoch = VOS_EPOCH_MAX;
			req.records_max = 200;
			CHECK_OK(vos_iterate(pool, &req, NULL, out, sizeof(out), &n, &used, &state));
			for (uint32_t r = 0; r < n; r++) {
				vos_rec_hdr_t hdr;

				memcpy(&hdr, out + at, sizeof(hdr));
				CHECK(r == 0 || hdr.key_int > prev);
				CHECK(hdr.value_len == sizeof(struct value));
				prev = hdr.key_int;
				at += sizeof(hdr) + hdr.value_len;
			}
		}
		{
			vos_pool_info_t info;

			CHECK_OK(vos_pool_query(pool, &info));
			CHECK(info.free_bytes < info.total_bytes);
		}
		/* This thread's message is its own: a failure here does not show elsewhere. */
		CHECK_RC(vos_cont_close(pool, 0), VOS_ERR_BADHANDLE);
		CHECK(strstr(vos_last_message(), "not open") != NULL);
		if (atomic_load(&writer_done))
			rounds++;
	}
	return NULL;
}

static uint64_t scrub_passes;

static void *scrubber(void *arg)
{
	vos_scrub_t *s = calloc(1, sizeof(*s));
	vos_scrub_opts_t opts = { .slice_bytes = 4096 };

	(void)arg;
	CHECK(s != NULL);
	while (!atomic_load(&writer_done) || scrub_passes == 0) {
		int rc = vos_pool_scrub(pool, &opts, s);

		for (uint32_t i = 0; i < s->messages; i++)
			fprintf(stderr, "scrub: %s\n", s->message[i]);
		CHECK_OK(rc);
		CHECK(s->done && s->problems == 0 && s->containers == 1);
		scrub_passes++;
		memset(s, 0, sizeof(*s));
	}
	free(s);
	return NULL;
}

static void *opener(void *arg)
{
	(void)arg;
	while (!atomic_load(&writer_done)) {
		vos_cont_h h;
		uint32_t count;

		CHECK_OK(vos_cont_open(pool, uuid, &h));
		CHECK_RC(vos_cont_list(pool, NULL, 0, &count), VOS_ERR_TRUNC);
		CHECK_OK(vos_cont_close(pool, h));
		CHECK(vos_last_message()[0] == '\0');
	}
	return NULL;
}

int main(void)
{
	pthread_t w, o, sc, r[READERS];

	test_init("threads", true);
	CHECK_OK(test_pool_create(test_path("threads.pool"), 128ull << 20, &pool));
	CHECK_OK(vos_cont_create(pool, uuid));
	CHECK_OK(vos_cont_open(pool, uuid, &cont));
	CHECK_OK(test_obj_create(pool, cont, 1, VOS_KEYS_INTEGER, 1));
	CHECK(pthread_create(&w, NULL, writer, NULL) == 0);
	CHECK(pthread_create(&o, NULL, opener, NULL) == 0);
	CHECK(pthread_create(&sc, NULL, scrubber, NULL) == 0);
	for (int i = 0; i < READERS; i++)
		CHECK(pthread_create(&r[i], NULL, reader, NULL) == 0);
	CHECK(pthread_join(w, NULL) == 0);
	CHECK(pthread_join(o, NULL) == 0);
	CHECK(pthread_join(sc, NULL) == 0);
	for (int i = 0; i < READERS; i++)
		CHECK(pthread_join(r[i], NULL) == 0);
	CHECK_OK(vos_pool_close(pool));
	printf("test_threads: OK (%llu scrub passes alongside)\n", (unsigned long long)scrub_passes);
	return 0;
}
