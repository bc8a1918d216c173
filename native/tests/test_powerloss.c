/*
 * test_powerloss: the WAL backend against power loss, not just process death.
 *
 * A process killed with SIGKILL leaves the page cache to the kernel, so a write that was never
 * synced still reaches the disk and a missing fdatasync goes unnoticed; a power loss keeps
 * only what was synced, and of the rest any part, torn at sectors and in any order. Each
 * scenario here runs a workload with the backend's file operations recorded (powerloss.h),
 * then rebuilds the files as a power loss before every sync point could leave them (nothing of
 * the unsynced writes, all of them, prefixes, each one dropped, the last one torn, random
 * mixes; directory changes as prefixes), opens each such pool and checks: it opens; every
 * transaction whose commit had returned is there, whole; nothing of one that had not started
 * is; everything is there as a prefix of the transactions; a scrub finds every structure
 * sound; and the pool takes another commit.
 *
 *   creation     vos_pool_create_opts, a container and an object, three commits, close: until
 *                creation returns, no pool (NONEXIST or NOTPOOL) or an empty one is fine
 *   commits      small commits in one segment, then close (a checkpoint)
 *   segments     large commits, a segment change every few, spares prepared in between
 *   checkpoints  checkpoints between commits, besides the background thread's
 *   lazy         aggregation slices (lazy commits, not synced) between commits, and
 *                checkpoints while lazy frames are unsynced
 *   recovery     a pool left with a log to replay (its process exited without closing it):
 *                the open that replays and tidies, more commits, close
 *
 * Usage: test_powerloss [--long]; ctest runs the short one, --long explores more states per
 * sync point and longer workloads. The counts of sync points and states are printed.
 */
#include "check.h"
#include "powerloss.h"

#include "umem_wal.h"
#include "vos_internal.h"
#include "wal_io.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define POOL_BYTES VOS_POOL_BYTES_MIN
#define SEGMENT_BYTES (64ull << 10)
#define CHECKPOINT_BYTES (128ull << 10)
#define OID 1
#define KEYS 64u
#define LAST_KEY (1ull << 40)
#define VALUE_BYTES_MAX 12000u
#define TX_MAX 256u

static const uint8_t uuid[16] = { 0x9a, 0x55 };
static char dir[1024], pool_path[1100], work[1100];
static bool long_run;

/* What the workload did, on the record's clock. */
static struct {
	uint64_t pool_created;  /* creation returned (0: it ran before the record) */
	uint64_t cont_created;
	uint64_t obj_created;
	uint64_t started[TX_MAX + 1];  /* transaction i's call began */
	uint64_t returned[TX_MAX + 1]; /* and returned */
	uint64_t n;                    /* transactions 1 .. n */
	uint32_t value_min, value_span;
} w;

static uint32_t value_len(uint64_t i)
{
	return w.value_min + (uint32_t)((i * 2654435761u) % w.value_span);
}

/* Transaction i, at epoch i: key i % KEYS gets value i, LAST_KEY gets i. */
static void commit(vos_pool_t *pool, vos_cont_h cont, uint64_t i)
{
	static uint8_t data[VALUE_BYTES_MAX + 8];
	uint32_t len = value_len(i);
	vos_op_t ops[2];

	CHECK(i <= TX_MAX);
	memcpy(data, &i, 8);
	test_fill(data + 8, len, i);
	ops[0] = test_op_update_int(cont, OID, i, i % KEYS, 8, len);
	ops[1] = test_op_update_int(cont, OID, i, LAST_KEY, 0, 8);
	w.started[i] = pl_now();
	CHECK_OK(vos_tx_apply(pool, ops, 2, data, 8 + len, NULL));
	w.returned[i] = pl_now();
	w.n = i;
}

static void open_pool(vos_pool_t **pool, vos_cont_h *cont)
{
	CHECK_OK(vos_pool_open(pool_path, pool));
	CHECK_OK(vos_cont_open(*pool, uuid, cont));
}

static void create_pool(vos_pool_t **pool, vos_cont_h *cont)
{
	vos_pool_opts_t opts;

	memset(&opts, 0, sizeof(opts));
	opts.backend = VOS_BACKEND_WAL;
	opts.wal_segment_bytes = SEGMENT_BYTES;
	opts.wal_checkpoint_bytes = CHECKPOINT_BYTES;
	CHECK_OK(vos_pool_create_opts(pool_path, POOL_BYTES, &opts, pool));
	w.pool_created = pl_now();
	CHECK_OK(vos_cont_create(*pool, uuid));
	w.cont_created = pl_now();
	CHECK_OK(vos_cont_open(*pool, uuid, cont));
	CHECK_OK(test_obj_create(*pool, *cont, OID, VOS_KEYS_INTEGER, 0));
	w.obj_created = pl_now();
}

/* ------------------------------------------------------------------------------------------
 * The check of one crash state
 */

static uint64_t must_have(uint64_t at)
{
	uint64_t m = 0;

	for (uint64_t i = 1; i <= w.n; i++)
		if (w.returned[i] <= at)
			m = i;
	return m;
}

static uint64_t may_have(uint64_t at)
{
	uint64_t m = 0;

	for (uint64_t i = 1; i <= w.n; i++)
		if (w.started[i] < at)
			m = i;
	return m;
}

static void fail_state(const struct pl_state *st, const char *what)
{
	fprintf(stderr, "crash state %llu (before operation %llu of the record; %s): %s\n",
		(unsigned long long)st->index, (unsigned long long)st->at, st->how, what);
	pl_print(0, st->at + 1);
	CHECK(!"a crash state the pool must survive");
}

static void check_state(const struct pl_state *st, void *arg)
{
	static uint8_t got[VALUE_BYTES_MAX + 8], want[VALUE_BYTES_MAX];
	char path[1200];
	vos_pool_t *pool;
	vos_cont_h cont;
	uint64_t last = 0, lo, hi;
	int32_t status;
	int rc;

	(void)arg;
	snprintf(path, sizeof(path), "%s/pool", st->dir);
	rc = vos_pool_open(path, &pool);
	if (rc != VOS_OK) {
		/* Before creation returned, the pool may not be there, or not be one yet. */
		if (st->at < w.pool_created && (rc == VOS_ERR_NONEXIST || rc == VOS_ERR_NOTPOOL))
			return;
		fprintf(stderr, "open: %s: %s\n", vos_strerror(rc), vos_last_message());
		fail_state(st, "the pool does not open");
	}
	rc = vos_cont_open(pool, uuid, &cont);
	if (rc == VOS_ERR_NONEXIST && st->at < w.cont_created) {
		test_scrub_clean(pool);
		CHECK_OK(vos_pool_close(pool));
		return;
	}
	CHECK_OK(rc);
	rc = test_get(pool, cont, OID, VOS_EPOCH_MAX, LAST_KEY, &last, 8, &status, NULL);
	if (rc == VOS_OK && status == VOS_ERR_NONEXIST && st->at < w.obj_created) {
		test_scrub_clean(pool);
		CHECK_OK(vos_pool_close(pool));
		return;
	}
	CHECK(rc == VOS_OK && (status == VOS_OK || status == VOS_ABSENT));
	if (status == VOS_ABSENT)
		last = 0;
	lo = must_have(st->at);
	hi = may_have(st->at);
	if (last < lo || last > hi) {
		fprintf(stderr, "the pool holds transactions up to %llu; %llu had returned, %llu had "
			"started\n", (unsigned long long)last, (unsigned long long)lo,
			(unsigned long long)hi);
		fail_state(st, "a committed transaction is missing, or one that never started is "
			   "there");
	}
	/* Transactions 1 .. last whole, nothing after: each key holds its last writer's value. */
	for (uint64_t k = 0; k < KEYS; k++) {
		uint64_t i = last >= k ? last - (last - k) % KEYS : 0;
		uint32_t len;

		CHECK_OK(test_get(pool, cont, OID, VOS_EPOCH_MAX, k, got, sizeof(got), &status,
				  &len));
		if (i == 0) {
			if (status != VOS_ABSENT)
				fail_state(st, "a key holds a value no transaction up to the last wrote");
			continue;
		}
		test_fill(want, value_len(i), i);
		if (status != VOS_OK || len != value_len(i) || memcmp(got, want, len) != 0) {
			fprintf(stderr, "key %llu: status %d, %u bytes; expected transaction %llu's "
				"%u bytes (the last is %llu)\n", (unsigned long long)k, status, len,
				(unsigned long long)i, value_len(i), (unsigned long long)last);
			fail_state(st, "a key does not hold its last writer's value");
		}
	}
	test_scrub_clean(pool);
	/* Recovery leaves a log that takes the next commit. */
	{
		uint64_t next = (w.n > last ? w.n : last) + 1;
		uint8_t v[8];

		memcpy(v, &next, 8);
		CHECK_OK(test_put(pool, cont, OID, TX_MAX + next, LAST_KEY, v, 8));
	}
	CHECK_OK(vos_pool_close(pool));
}

/* ------------------------------------------------------------------------------------------
 * Scenarios
 */

struct scenario {
	const char *name;
	void (*setup)(void);    /* before the record: the durable base */
	void (*workload)(void); /* recorded */
};

static uint64_t txs(uint64_t short_count)
{
	return long_run ? short_count * 4 : short_count;
}

static void setup_pool(void)
{
	vos_pool_t *pool;
	vos_cont_h cont;

	create_pool(&pool, &cont);
	CHECK_OK(vos_pool_close(pool));
	w.pool_created = w.cont_created = w.obj_created = 0;
}

static void work_creation(void)
{
	vos_pool_t *pool;
	vos_cont_h cont;

	create_pool(&pool, &cont);
	for (uint64_t i = 1; i <= 3; i++)
		commit(pool, cont, i);
	CHECK_OK(vos_pool_close(pool));
}

static void work_commits(void)
{
	vos_pool_t *pool;
	vos_cont_h cont;

	open_pool(&pool, &cont);
	for (uint64_t i = 1; i <= txs(24); i++)
		commit(pool, cont, i);
	CHECK_OK(vos_pool_close(pool));
}

static void work_checkpoints(void)
{
	vos_pool_t *pool;
	vos_cont_h cont;

	open_pool(&pool, &cont);
	for (uint64_t i = 1; i <= txs(24); i++) {
		commit(pool, cont, i);
		if (i % 6 == 0)
			CHECK_OK(umem_wal_checkpoint(pool->um));
	}
	CHECK_OK(vos_pool_close(pool));
}

static void work_lazy(void)
{
	vos_agg_cursor_t *agg = calloc(1, sizeof(*agg));
	vos_pool_t *pool;
	vos_cont_h cont;
	uint32_t done = 0;

	CHECK(agg != NULL);
	open_pool(&pool, &cont);
	for (uint64_t i = 1; i <= txs(32); i++) {
		commit(pool, cont, i);
		/* A slice of aggregation: a lazy commit, written and not synced. */
		if (i % 2 == 0 && i > 4) {
			CHECK_OK(vos_aggregate(pool, cont, i - 3, agg, 4, &done));
			if (done)
				memset(agg, 0, sizeof(*agg));
		}
		if (i % 8 == 5)
			CHECK_OK(umem_wal_checkpoint(pool->um));
	}
	CHECK_OK(vos_pool_close(pool));
	free(agg);
}

/* A checkpoint held at the point where it has chosen its LSN, until the main thread has
 * committed an aggregation slice (lazy: written, not synced); then it copies its pages, which
 * may now hold that slice's changes, and makes them durable. */
static pthread_mutex_t hold_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hold_cond = PTHREAD_COND_INITIALIZER;
static enum { HOLD_OFF, HOLD_ARMED, HOLD_WAITING, HOLD_RELEASED } hold;

static void hold_hook(enum wal_hook_point point)
{
	pthread_mutex_lock(&hold_lock);
	if (point == WAL_HOOK_CKPT_BEGIN && hold == HOLD_ARMED) {
		hold = HOLD_WAITING;
		pthread_cond_broadcast(&hold_cond);
		while (hold != HOLD_RELEASED)
			pthread_cond_wait(&hold_cond, &hold_lock);
	}
	pthread_mutex_unlock(&hold_lock);
}

static void *checkpoint_thread(void *arg)
{
	CHECK_OK(umem_wal_checkpoint(arg));
	return NULL;
}

static void work_lazy_in_checkpoint(void)
{
	vos_agg_cursor_t *agg = calloc(1, sizeof(*agg));
	vos_pool_t *pool;
	vos_cont_h cont;
	pthread_t t;
	uint32_t done = 0;

	CHECK(agg != NULL);
	open_pool(&pool, &cont);
	/* Keys 1 .. 16 get a second version, for the aggregation to fold. */
	for (uint64_t i = 1; i <= KEYS + 16; i++)
		commit(pool, cont, i);
	hold = HOLD_ARMED;
	wal_test_hook = hold_hook;
	CHECK(pthread_create(&t, NULL, checkpoint_thread, pool->um) == 0);
	pthread_mutex_lock(&hold_lock);
	while (hold != HOLD_WAITING)
		pthread_cond_wait(&hold_cond, &hold_lock);
	pthread_mutex_unlock(&hold_lock);
	CHECK_OK(vos_aggregate(pool, cont, KEYS + 16, agg, 1000, &done));
	CHECK(done == 1);
	pthread_mutex_lock(&hold_lock);
	hold = HOLD_RELEASED;
	pthread_cond_broadcast(&hold_cond);
	pthread_mutex_unlock(&hold_lock);
	CHECK(pthread_join(t, NULL) == 0);
	wal_test_hook = NULL;
	hold = HOLD_OFF;
	commit(pool, cont, KEYS + 17);
	CHECK_OK(vos_pool_close(pool));
	free(agg);
}

/* A pool whose process exited without closing it: a log to replay at the next open. */
static void setup_unclosed(void)
{
	pid_t pid;
	int status;

	setup_pool();
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		vos_pool_t *pool;
		vos_cont_h cont;

		open_pool(&pool, &cont);
		for (uint64_t i = 1; i <= 12; i++)
			commit(pool, cont, i);
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* Transactions 1 .. 12 were synced before the record began. */
	for (uint64_t i = 1; i <= 12; i++)
		w.started[i] = w.returned[i] = 0;
	w.n = 12;
}

static void work_recovery(void)
{
	vos_pool_t *pool;
	vos_cont_h cont;

	open_pool(&pool, &cont);
	for (uint64_t i = 13; i <= 12 + txs(6); i++)
		commit(pool, cont, i);
	CHECK_OK(vos_pool_close(pool));
}

static void run(const struct scenario *sc, uint32_t value_min, uint32_t value_span,
		const struct pl_limits *lim)
{
	struct pl_counts counts;

	memset(&w, 0, sizeof(w));
	w.value_min = value_min;
	w.value_span = value_span;
	wal_io = &wal_io_posix;
	if (vos_pool_destroy(pool_path) != VOS_OK)
		CHECK(access(pool_path, F_OK) != 0);
	if (sc->setup != NULL)
		sc->setup();
	pl_start(dir);
	sc->workload();
	pl_stop();
	pl_explore(work, lim, check_state, NULL, &counts);
	printf("  %-12s %5llu operations recorded, %4llu sync points, %5llu crash states "
	       "checked (up to %llu operations unsynced at once), %llu transactions\n", sc->name,
	       (unsigned long long)counts.ops, (unsigned long long)counts.sync_points,
	       (unsigned long long)counts.states, (unsigned long long)counts.unsynced_max,
	       (unsigned long long)w.n);
	pl_reset();
	wal_io = &wal_io_posix;
	CHECK_OK(vos_pool_destroy(pool_path));
}

int main(int argc, char **argv)
{
	static const struct scenario creation = { "creation", NULL, work_creation };
	static const struct scenario commits = { "commits", setup_pool, work_commits };
	static const struct scenario segments = { "segments", setup_pool, work_commits };
	static const struct scenario checkpoints = { "checkpoints", setup_pool, work_checkpoints };
	static const struct scenario lazy = { "lazy", setup_pool, work_lazy };
	static const struct scenario recovery = { "recovery", setup_unclosed, work_recovery };
	static const struct scenario lazy_ckpt = { "lazy+ckpt", setup_pool,
						   work_lazy_in_checkpoint };
	struct pl_limits lim = { .drops_max = 4, .prefixes_max = 4, .randoms = 8 };

	long_run = argc > 1 && strcmp(argv[1], "--long") == 0;
	if (long_run)
		lim = (struct pl_limits){ .drops_max = 16, .prefixes_max = 16, .randoms = 24 };
	test_init("powerloss", true);
	snprintf(dir, sizeof(dir), "%s", test_path("pool.d"));
	snprintf(pool_path, sizeof(pool_path), "%s/pool", dir);
	snprintf(work, sizeof(work), "%s", test_path("state"));
	CHECK(mkdir(dir, 0700) == 0);
	printf("test_powerloss%s: crash states before every sync point\n", long_run ? " --long" : "");
	run(&creation, 100, 300, &lim);
	run(&commits, 100, 300, &lim);
	run(&segments, 6000, 6000, &lim);
	run(&checkpoints, 1000, 3000, &lim);
	run(&lazy, 200, 2000, &lim);
	run(&recovery, 2000, 2000, &lim);
	run(&lazy_ckpt, 100, 200, &lim);
	printf("test_powerloss: OK\n");
	return 0;
}
