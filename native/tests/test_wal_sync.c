/*
 * test_wal_sync: the WAL backend waits for the disk with no lock held.
 *
 * Before this test, a commit wrote its log frame and waited for its fdatasync under the pool's
 * lock (and the log's), so every read and every other change of the pool waited for the disk
 * too: on a busy disk one sync took milliseconds (up to 32 ms), and replicas stalled with
 * their threads queued behind it. Here the fdatasync of the log segment is held at a gate (a
 * wal_io table in front of the system's) while the test checks what must go on without it:
 *
 *   reads     while a commit's sync is held, a fetch in another thread returns and sees the
 *             commit (a change is visible before its call returns), and an aggregation slice
 *             (a lazy commit) finishes; the commit's call returns only after the sync, with
 *             the log durable past its frame; reopened, the pool holds it
 *   group     two commits queued while a third's sync is held share one sync after it
 *   failure   a held sync that fails fails the commit waiting for it and the commit queued
 *             behind it, with the message that says to close the pool and open it again; the
 *             pool refuses changes but still reads; reopened, it holds every commit that
 *             returned, and of the failed ones a prefix
 *
 * Every wait here is for a condition, with a deadline that only a hang reaches.
 */
#include "check.h"

#include "umem_wal.h"
#include "vos_internal.h"
#include "wal_io.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define POOL_BYTES (32ull << 20)
#define SEGMENT_BYTES (4ull << 20)
#define CHECKPOINT_BYTES (64ull << 20) /* no checkpoint runs in this test */
#define OID 1
#define DEADLINE_SECONDS 60

static const uint8_t uuid[16] = { 0x5c, 0x17 };

/* ------------------------------------------------------------------------------------------
 * The gate: holds the next fdatasync of a log segment once armed, until released
 */

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static bool gate_armed; /* hold the next sync of a log segment */
static bool gate_held;  /* a sync is held now */
static bool gate_fail;  /* the held sync fails (EIO) when released */

/* Whether fd is a log segment (<pool>.wal.<digits>), not the image or a spare being made. */
static bool is_segment(int fd)
{
	char link[64], target[4096];
	const char *tail;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	tail = strstr(target, ".wal.");
	if (tail == NULL || tail[5] == '\0')
		return false;
	for (tail += 5; *tail != '\0'; tail++)
		if (*tail < '0' || *tail > '9')
			return false;
	return true;
}

static int gated_fdatasync(int fd)
{
	bool fail = false;

	if (is_segment(fd)) {
		pthread_mutex_lock(&gate_lock);
		if (gate_armed) {
			gate_armed = false;
			gate_held = true;
			pthread_cond_broadcast(&gate_cond);
			while (gate_held)
				pthread_cond_wait(&gate_cond, &gate_lock);
			fail = gate_fail;
		}
		pthread_mutex_unlock(&gate_lock);
	}
	if (fail) {
		errno = EIO;
		return -1;
	}
	return wal_io_posix.fdatasync(fd);
}

static struct wal_io gated;

static void gate_arm(bool fail)
{
	pthread_mutex_lock(&gate_lock);
	gate_armed = true;
	gate_fail = fail;
	pthread_mutex_unlock(&gate_lock);
}

static void gate_release(void)
{
	pthread_mutex_lock(&gate_lock);
	CHECK(gate_held);
	gate_held = false;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
}

/* ------------------------------------------------------------------------------------------
 * Calls run in threads of their own
 */

enum job_kind { JOB_PUT, JOB_GET, JOB_AGGREGATE };

struct job {
	enum job_kind kind;
	vos_pool_t   *pool;
	vos_cont_h    cont;
	uint64_t      epoch, key, value;
	pthread_t     thread;
	/* gate_lock */
	bool          done;
	int           rc;
	int32_t       status;
	uint64_t      got;
	char          message[1024];
};

static void *job_run(void *arg)
{
	struct job *j = arg;
	uint64_t got = 0;
	int32_t status = 0;
	int rc;

	switch (j->kind) {
	case JOB_PUT:
		rc = test_put(j->pool, j->cont, OID, j->epoch, j->key, &j->value, sizeof(j->value));
		break;
	case JOB_GET:
		rc = test_get(j->pool, j->cont, OID, VOS_EPOCH_MAX, j->key, &got, sizeof(got),
			      &status, NULL);
		break;
	default: {
		vos_agg_cursor_t cursor;
		uint32_t done = 0;

		memset(&cursor, 0, sizeof(cursor));
		rc = vos_aggregate(j->pool, j->cont, j->epoch, &cursor, 1024, &done);
		break;
	}
	}
	pthread_mutex_lock(&gate_lock);
	j->rc = rc;
	j->status = status;
	j->got = got;
	snprintf(j->message, sizeof(j->message), "%s", rc == VOS_OK ? "" : vos_last_message());
	j->done = true;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
	return NULL;
}

static void job_start(struct job *j, enum job_kind kind, vos_pool_t *pool, vos_cont_h cont,
		      uint64_t epoch, uint64_t key, uint64_t value)
{
	memset(j, 0, sizeof(*j));
	j->kind = kind;
	j->pool = pool;
	j->cont = cont;
	j->epoch = epoch;
	j->key = key;
	j->value = value;
	CHECK(pthread_create(&j->thread, NULL, job_run, j) == 0);
}

static bool job_done(struct job *j)
{
	bool done;

	pthread_mutex_lock(&gate_lock);
	done = j->done;
	pthread_mutex_unlock(&gate_lock);
	return done;
}

/* Waits until *flag is set (under gate_lock); a hang fails the test, saying what it was. */
static void wait_flag(const bool *flag, const char *what)
{
	struct timespec deadline;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += DEADLINE_SECONDS;
	pthread_mutex_lock(&gate_lock);
	while (!*flag) {
		if (pthread_cond_timedwait(&gate_cond, &gate_lock, &deadline) == ETIMEDOUT &&
		    !*flag) {
			fprintf(stderr, "test_wal_sync: not done after %d s: %s\n", DEADLINE_SECONDS,
				what);
			CHECK(!"a wait reached its deadline");
		}
	}
	pthread_mutex_unlock(&gate_lock);
}

static void job_wait(struct job *j, const char *what)
{
	wait_flag(&j->done, what);
	CHECK(pthread_join(j->thread, NULL) == 0);
}

static struct umem_wal_stats stats(vos_pool_t *pool)
{
	struct umem_wal_stats s;

	umem_wal_stats(pool->um, &s);
	return s;
}

/* Waits until the pool's log has queued commits frames since its open. */
static void wait_commits(vos_pool_t *pool, uint64_t commits)
{
	struct timespec step = { 0, 1000000 };

	for (uint64_t i = 0; stats(pool).commits < commits; i++) {
		CHECK(i < (uint64_t)DEADLINE_SECONDS * 1000);
		nanosleep(&step, NULL);
	}
}

static uint64_t get(vos_pool_t *pool, vos_cont_h cont, uint64_t key)
{
	uint64_t got = 0;
	int32_t status;

	CHECK_OK(test_get(pool, cont, OID, VOS_EPOCH_MAX, key, &got, sizeof(got), &status, NULL));
	CHECK(status == VOS_OK || status == VOS_ABSENT);
	return status == VOS_OK ? got : 0;
}

static void put(vos_pool_t *pool, vos_cont_h cont, uint64_t epoch, uint64_t key, uint64_t value)
{
	CHECK_OK(test_put(pool, cont, OID, epoch, key, &value, sizeof(value)));
}

static void open_pool(const char *path, vos_pool_t **pool, vos_cont_h *cont)
{
	CHECK_OK(vos_pool_open(path, pool));
	CHECK_OK(vos_cont_open(*pool, uuid, cont));
}

/* ------------------------------------------------------------------------------------------
 * The scenarios, on one pool: keys 1 .. 2 (reads), 3 .. 5 (group), 6 .. 7 (failure)
 */

static void test_reads(const char *path)
{
	struct umem_wal_stats s;
	struct job commit, read, agg;
	vos_pool_opts_t opts;
	vos_pool_t *pool;
	vos_cont_h cont;
	uint64_t frame_end;

	memset(&opts, 0, sizeof(opts));
	opts.backend = VOS_BACKEND_WAL;
	opts.wal_segment_bytes = SEGMENT_BYTES;
	opts.wal_checkpoint_bytes = CHECKPOINT_BYTES;
	CHECK_OK(vos_pool_create_opts(path, POOL_BYTES, &opts, &pool));
	CHECK_OK(vos_cont_create(pool, uuid));
	CHECK_OK(vos_cont_open(pool, uuid, &cont));
	CHECK_OK(test_obj_create(pool, cont, OID, VOS_KEYS_INTEGER, 1));
	put(pool, cont, 1, 1, 1);
	for (uint64_t e = 1; e <= 3; e++) /* versions for the aggregation to fold */
		put(pool, cont, e, 2, e);

	gate_arm(false);
	job_start(&commit, JOB_PUT, pool, cont, 5, 1, 2);
	wait_flag(&gate_held, "the commit's fdatasync");
	CHECK(!job_done(&commit)); /* held in its sync */

	job_start(&read, JOB_GET, pool, cont, 0, 1, 0);
	job_wait(&read, "a fetch while a commit's fdatasync is held (it waited for the sync)");
	CHECK_OK(read.rc);
	CHECK(read.status == VOS_OK && read.got == 2);
	frame_end = stats(pool).end_lsn; /* the commit's frame is the last one queued */

	job_start(&agg, JOB_AGGREGATE, pool, cont, 4, 0, 0);
	job_wait(&agg, "an aggregation slice while a commit's fdatasync is held (it waited for "
		 "the sync)");
	CHECK_OK(agg.rc);

	s = stats(pool);
	CHECK(s.end_lsn > frame_end);        /* the slice's frame is queued after the commit's */
	CHECK(s.synced_lsn < frame_end);     /* and the commit's frame is not durable yet */
	CHECK(!job_done(&commit));
	gate_release();
	job_wait(&commit, "the commit after its sync was released");
	CHECK_OK(commit.rc);
	CHECK(stats(pool).synced_lsn >= frame_end);

	CHECK_OK(vos_pool_close(pool));
	open_pool(path, &pool, &cont);
	CHECK(get(pool, cont, 1) == 2);
	CHECK(get(pool, cont, 2) == 3);
	CHECK_OK(vos_pool_close(pool));
	printf("reads: OK\n");
}

static void test_group(const char *path)
{
	struct job a, b, c;
	vos_pool_t *pool;
	vos_cont_h cont;
	uint64_t commits, syncs;

	open_pool(path, &pool, &cont);
	commits = stats(pool).commits;
	gate_arm(false);
	job_start(&a, JOB_PUT, pool, cont, 6, 3, 1);
	wait_flag(&gate_held, "the first commit's fdatasync");
	job_start(&b, JOB_PUT, pool, cont, 6, 4, 1);
	job_start(&c, JOB_PUT, pool, cont, 6, 5, 1);
	wait_commits(pool, commits + 3);
	syncs = stats(pool).log_syncs; /* the held sync is counted when it returns */
	gate_release();
	job_wait(&a, "the first commit");
	job_wait(&b, "the second commit");
	job_wait(&c, "the third commit");
	CHECK_OK(a.rc);
	CHECK_OK(b.rc);
	CHECK_OK(c.rc);
	/* The held sync, then one for both commits queued behind it. */
	CHECK(stats(pool).log_syncs - syncs == 2);
	CHECK(stats(pool).synced_lsn == stats(pool).end_lsn);
	CHECK_OK(vos_pool_close(pool));
	printf("group: OK\n");
}

static void check_failed_message(const char *message)
{
	CHECK(strstr(message, "stopped accepting changes") != NULL);
	CHECK(strstr(message, "close it and open it again") != NULL);
}

static void test_failure(const char *path)
{
	struct job a, b;
	vos_pool_t *pool;
	vos_cont_h cont;
	uint64_t commits, v6, v7;
	uint64_t value = 9;

	open_pool(path, &pool, &cont);
	commits = stats(pool).commits;
	gate_arm(true);
	job_start(&a, JOB_PUT, pool, cont, 7, 6, 1);
	wait_flag(&gate_held, "the commit's fdatasync");
	job_start(&b, JOB_PUT, pool, cont, 7, 7, 1);
	wait_commits(pool, commits + 2);
	gate_release();
	job_wait(&a, "the commit whose sync failed");
	job_wait(&b, "the commit queued behind it");
	CHECK_RC(a.rc, VOS_ERR_IO);
	CHECK_RC(b.rc, VOS_ERR_IO);
	check_failed_message(a.message);
	check_failed_message(b.message);

	/* No change is accepted; reads still work. */
	CHECK_RC(test_put(pool, cont, OID, 8, 1, &value, sizeof(value)), VOS_ERR_IO);
	check_failed_message(vos_last_message());
	CHECK(get(pool, cont, 1) == 2);
	CHECK_OK(vos_pool_close(pool));

	/* Every commit that returned is there; of the two that failed, a prefix. */
	open_pool(path, &pool, &cont);
	CHECK(get(pool, cont, 1) == 2 && get(pool, cont, 2) == 3);
	CHECK(get(pool, cont, 3) == 1 && get(pool, cont, 4) == 1 && get(pool, cont, 5) == 1);
	v6 = get(pool, cont, 6);
	v7 = get(pool, cont, 7);
	CHECK(v6 == 0 || v6 == 1);
	CHECK(v7 == 0 || (v7 == 1 && v6 == 1));
	put(pool, cont, 8, 1, 3); /* and it takes changes again */
	CHECK(get(pool, cont, 1) == 3);
	test_scrub_clean(pool);
	CHECK_OK(vos_pool_close(pool));
	CHECK_OK(vos_pool_destroy(path));
	printf("failure: OK (of the failed commits, %s survived)\n",
	       v7 != 0 ? "both" : v6 != 0 ? "the first" : "none");
}

int main(void)
{
	char path[1100];

	setenv("VOSTOK_TEST_BACKEND", "wal", 1);
	test_init("wal_sync", true);
	snprintf(path, sizeof(path), "%s", test_path("pool"));
	gated = wal_io_posix;
	gated.fdatasync = gated_fdatasync;
	wal_io = &gated; /* before any pool is open */
	test_reads(path);
	test_group(path);
	test_failure(path);
	wal_io = &wal_io_posix;
	printf("test_wal_sync: OK\n");
	return 0;
}
