/*
 * vos_bench: throughput of the four VOS hot paths through the C ABI, one thread.
 *
 * The same operations, with the same parameters and the same work, as the JMH VosBenchmark in
 * bindings/jni (run there through both Java bindings), so the two give the Java-over-C ratios
 * (scripts/bench-vos.sh runs them all):
 *
 *   fetch       one vos_fetch call for one 1 KiB value, of a pseudo-random key (xorshift64)
 *               among the preloaded keys of object 1, at the epoch they were written, into the
 *               caller's buffer (malloc'd once, as the Java side's direct ByteBuffer); op = fetch
 *   fetch_alloc the same fetches, each value then handed over in a buffer of its own of the
 *               value's length (malloc, copy, and free when the consumer is done with it): what
 *               the Java call returning a new byte[] per value does; op = fetch
 *   update1     one vos_tx_apply with one 1 KiB update to object 2, at a new epoch, keys
 *               cycling over 0 .. keys - 1; op = transaction (= update)
 *   update64    one vos_tx_apply with 64 such updates at one new epoch; op = update
 *   iterate     vos_iterate over all preloaded keys of object 1 with their values, 1 MiB buffer,
 *               resumed from the last key; op = record
 *   fetch_hot   fetch of one key (7) over and over: the library's own cost with everything in
 *               cache, against which a binding's cost per call stands out
 *
 * The operations' loops are bench_ops.c's; libvostok-bench-loops runs the same loops a round at a
 * time from a JVM, in turns with a Java binding on the pool it has open (bench-vos.sh's
 * SAME_PROCESS=1).
 *
 * Each transaction is built as a caller with values of its own builds one, and as the Java
 * transaction does: every update's value is copied into its own place in the transaction's data
 * buffer (64 KiB for update64), and the operations point there; not 64 operations reading the
 * one 1 KiB value, which would keep every value the library copies in the L1 cache.
 *
 * The operations timed by --seconds (the reads, the file system's) also report the thread's CPU
 * time per op (cpu_ns_per_op), which does not count time spent waiting for a core, so it stays
 * comparable on a busy machine.
 *
 * The process is multi-threaded, as every JVM and every server using the library is: before
 * anything else it starts one thread that only sleeps (--single-threaded leaves it out). glibc
 * does not take its malloc's arena locks and atomic operations while a process has one thread,
 * and the library's transactions call malloc and free many times (in libpmemobj): a
 * single-threaded vos_bench measured update64 13-17 % faster than the same binary with one idle
 * thread more (2026-12-07), a difference that was none of the Java side's doing.
 *
 * Setup (not measured), for each operation afresh, as each JMH benchmark has a pool of its own:
 * a pool of --pool-mib MiB under --pool-dir, --keys keys of 1 KiB preloaded into object 1 at
 * epoch 1, 1000 per transaction, then the pool closed and opened again, so that a WAL pool
 * starts checkpointed rather than with the preload's checkpoint still writing in the background.
 * fetch and iterate run for --seconds after --warmup-seconds of the same calls (JMH's warm-up
 * iterations), reading the clock once every CLOCK_EVERY_FETCHES fetches (once a pass for
 * iterate): a clock read per 1 us fetch would add a few percent that the JMH loop, which reads
 * the clock only at the ends of an iteration, does not have. The updates run in rounds of
 * --round-updates updates (--warmup-rounds, then --rounds measured), each round timed alone and
 * followed by an aggregation up to its last epoch (not measured): so every round meets the same
 * version chains (one aggregated version per key written before), whatever the speed, and the
 * Java side, which does the same, does exactly the same work. --backend picks the pool's
 * backend: pmem (PMDK) or wal (a DRAM heap and a write-ahead log, one fdatasync per
 * transaction). For pmem, PMEM_IS_PMEM_FORCE is taken
 * from the environment as it is: 1 measures the code (no msync), 0 or unset measures PMDK's
 * msync path on an ordinary file; it has no meaning for wal, whose commits always fdatasync.
 *
 * Next to them, the same run measures the file system under the pool (not the library):
 *
 *   append4k_fdatasync     write 4 KiB at the end of a file, then fdatasync; op = write
 *   overwrite4k_fdatasync  the same into a file filled with zeros beforehand (what the WAL
 *                          backend does with its preallocated segments); op = write
 *
 * and last, because a shared disk's latency can change several-fold between one operation's
 * run and the next: update1 and overwrite4k_fdatasync again, alternating in blocks of
 * PAIRED_BLOCK_OPS for --seconds in all, printed as update1_paired and overwrite4k_paired with
 * the ratio of their times per op (ratio=, on the update1_paired line).
 *
 * Output, one line per operation:  BENCH op=<name> ops_per_s=<n> ns_per_op=<n>
 */
#include "bench_ops.h"
#include "vostok/vos.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOAD_BATCH 1000u
#define AGG_KEYS_PER_CALL 4096u
#define ROUND_UPDATES_MAX (1u << 24)
#define ROUNDS_MAX 1000u
#define PAIRED_BLOCK_OPS 100u
#define CLOCK_EVERY_FETCHES 256u /* about 0.25 ms of fetches between two reads of the clock */
#define SYNC_WRITE_BYTES 4096u
#define SYNC_FILE_BYTES_MAX (256ull << 20) /* the overwrite file wraps around at this size */

struct config {
	double      seconds;
	double      warmup_seconds;
	const char *pool_dir;
	uint64_t    keys;
	uint64_t    pool_mib;
	uint32_t    value_bytes;
	uint32_t    backend;
	uint32_t    round_updates; /* a multiple of BENCH_BATCH_UPDATES */
	uint32_t    warmup_rounds;
	uint32_t    rounds;
};

static vos_pool_t *pool;
static vos_cont_h cont;
static char pool_path[4096];
/* The library's functions, as bench_ops.c calls them. */
static const struct bench_vos linked_vos = {
	.fetch = vos_fetch,
	.tx_apply = vos_tx_apply,
	.iterate = vos_iterate,
};
/* The operations' buffers and state (bench_ops.h), set up afresh for each operation. */
static struct bench_ctx ctx;
static char sync_path[4096];
static int sync_fd = -1;
static uint64_t sync_at;
static uint64_t sync_file_bytes;
static uint8_t sync_block[SYNC_WRITE_BYTES];

static void die(const char *what, int rc)
{
	fprintf(stderr, "vos_bench: %s failed: %s: %s\n", what, vos_strerror(rc), vos_last_message());
	exit(1);
}

static void check(const char *what, int rc)
{
	if (rc != VOS_OK)
		die(what, rc);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static vos_op_t update_op(uint64_t oid, uint64_t key, uint64_t at_epoch, uint64_t value_off,
			  uint32_t len)
{
	vos_op_t op;

	memset(&op, 0, sizeof(op));
	op.kind = VOS_OP_UPDATE;
	op.cont = cont;
	op.oid = oid;
	op.epoch = at_epoch;
	op.key_int = key;
	op.value_off = value_off;
	op.value_len = len;
	return op;
}

/* ---- The operations (bench_ops.c); each returns the number of ops it did. ---- */

static uint64_t op_fetch(const struct config *cfg)
{
	(void)cfg;
	check("a fetch of a random preloaded key", bench_fetch(&ctx, 1));
	return 1;
}

static uint64_t op_update1(const struct config *cfg)
{
	(void)cfg;
	check("vos_tx_apply", bench_update1(&ctx, 1));
	return 1;
}

static uint64_t op_update64(const struct config *cfg)
{
	(void)cfg;
	check("vos_tx_apply", bench_update64(&ctx, 1));
	return BENCH_BATCH_UPDATES;
}

static uint64_t op_fetch_alloc(const struct config *cfg)
{
	(void)cfg;
	check("an allocating fetch of a random preloaded key", bench_fetch_alloc(&ctx, 1));
	return 1;
}

static uint64_t op_fetch_hot(const struct config *cfg)
{
	(void)cfg;
	check("a fetch of the hot key", bench_fetch_hot(&ctx, 1));
	return 1;
}

/* One pass over all preloaded keys. */
static uint64_t op_iterate(const struct config *cfg)
{
	check("a pass over the preloaded keys", bench_iterate(&ctx, 1));
	return cfg->keys;
}

/* ---- The file system alone ---- */

static void sync_write(void)
{
	if (pwrite(sync_fd, sync_block, SYNC_WRITE_BYTES, (off_t)sync_at) != SYNC_WRITE_BYTES ||
	    fdatasync(sync_fd) != 0) {
		fprintf(stderr, "vos_bench: writing %s: %s\n", sync_path, strerror(errno));
		exit(1);
	}
	sync_at += SYNC_WRITE_BYTES;
}

static uint64_t op_append(const struct config *cfg)
{
	(void)cfg;
	if (sync_at >= SYNC_FILE_BYTES_MAX) { /* start a new file rather than grow without end */
		if (ftruncate(sync_fd, 0) != 0) {
			fprintf(stderr, "vos_bench: truncating %s: %s\n", sync_path, strerror(errno));
			exit(1);
		}
		sync_at = 0;
	}
	sync_write();
	return 1;
}

static uint64_t op_overwrite(const struct config *cfg)
{
	(void)cfg;
	if (sync_at + SYNC_WRITE_BYTES > sync_file_bytes)
		sync_at = 0;
	sync_write();
	return 1;
}

/* A new, empty file next to the pool; with fill_bytes, filled with zeros and synced. */
static void sync_file(const struct config *cfg, uint64_t fill_bytes)
{
	static uint8_t zeros[1 << 20];

	if (sync_fd >= 0) {
		close(sync_fd);
		unlink(sync_path);
	}
	snprintf(sync_path, sizeof(sync_path), "%s/vos_bench-%ld.sync", cfg->pool_dir,
		 (long)getpid());
	sync_fd = open(sync_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (sync_fd < 0) {
		fprintf(stderr, "vos_bench: cannot create %s: %s\n", sync_path, strerror(errno));
		exit(1);
	}
	for (uint64_t at = 0; at < fill_bytes; at += sizeof(zeros))
		if (pwrite(sync_fd, zeros, sizeof(zeros), (off_t)at) != (ssize_t)sizeof(zeros)) {
			fprintf(stderr, "vos_bench: filling %s: %s\n", sync_path, strerror(errno));
			exit(1);
		}
	if (fill_bytes > 0 && fsync(sync_fd) != 0) {
		fprintf(stderr, "vos_bench: syncing %s: %s\n", sync_path, strerror(errno));
		exit(1);
	}
	sync_file_bytes = fill_bytes;
	sync_at = 0;
	memset(sync_block, 0x5a, sizeof(sync_block));
}

/* ---- Setup and measurement ---- */

static void aggregate(void)
{
	vos_agg_cursor_t *cursor = calloc(1, sizeof(*cursor));
	uint32_t done = 0;

	if (cursor == NULL) {
		fprintf(stderr, "vos_bench: out of memory\n");
		exit(1);
	}
	while (!done)
		check("vos_aggregate", vos_aggregate(pool, cont, ctx.epoch, cursor, AGG_KEYS_PER_CALL,
						     &done));
	free(cursor);
}

/* Closes and removes the pool of the last setup(), if any. */
static void teardown(void)
{
	if (pool != NULL)
		vos_pool_close(pool);
	pool = NULL;
	if (pool_path[0] != '\0')
		vos_pool_destroy(pool_path);
}

static void remove_files(void)
{
	teardown();
	if (sync_fd >= 0) {
		close(sync_fd);
		unlink(sync_path);
	}
}

static void setup(const struct config *cfg)
{
	const uint8_t uuid[16] = { 0xbe, 0x0c };
	vos_op_t *ops = calloc(LOAD_BATCH, sizeof(*ops));
	vos_op_t create[2];

	snprintf(pool_path, sizeof(pool_path), "%s/vos_bench-%ld.pool", cfg->pool_dir,
		 (long)getpid());
	bench_ctx_fini(&ctx);
	check("allocating the buffers", bench_ctx_init(&ctx, &linked_vos, cfg->keys,
						       cfg->value_bytes));
	if (ops == NULL) {
		fprintf(stderr, "vos_bench: out of memory\n");
		exit(1);
	}
	{
		vos_pool_opts_t opts;

		memset(&opts, 0, sizeof(opts));
		opts.backend = cfg->backend;
		check("vos_pool_create_opts",
		      vos_pool_create_opts(pool_path, cfg->pool_mib << 20, &opts, &pool));
	}
	check("vos_cont_create", vos_cont_create(pool, uuid));
	check("vos_cont_open", vos_cont_open(pool, uuid, &cont));
	for (int i = 0; i < 2; i++) {
		memset(&create[i], 0, sizeof(create[i]));
		create[i].kind = VOS_OP_OBJ_CREATE;
		create[i].key_order = VOS_KEYS_INTEGER;
		create[i].cont = cont;
		create[i].oid = i == 0 ? BENCH_READ_OID : BENCH_WRITE_OID;
		create[i].epoch = BENCH_LOAD_EPOCH;
	}
	check("creating the objects", vos_tx_apply(pool, create, 2, ctx.value, 0, NULL));
	for (uint64_t k = 0; k < cfg->keys; k += LOAD_BATCH) {
		uint32_t n = 0;

		for (; n < LOAD_BATCH && k + n < cfg->keys; n++)
			ops[n] = update_op(BENCH_READ_OID, k + n, BENCH_LOAD_EPOCH, 0, cfg->value_bytes);
		check("preloading", vos_tx_apply(pool, ops, n, ctx.value, cfg->value_bytes, NULL));
	}
	free(ops);
	check("vos_pool_close", vos_pool_close(pool));
	pool = NULL;
	check("vos_pool_open", vos_pool_open(pool_path, &pool));
	check("vos_cont_open", vos_cont_open(pool, uuid, &cont));
	ctx.pool = pool;
	ctx.cont = cont;
}

/* The second thread of a multi-threaded process: it sleeps until the process exits. */
static void *idle_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static void start_idle_thread(void)
{
	pthread_t thread;
	int rc = pthread_create(&thread, NULL, idle_thread, NULL);

	if (rc != 0) {
		fprintf(stderr, "vos_bench: cannot start a thread: %s\n", strerror(rc));
		exit(1);
	}
	pthread_detach(thread);
}

/* The CPU time of the calling thread: unlike the clock, it does not count the time the thread
 * waits for a core, so it holds still on a machine shared with other work. */
static double thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * warmup_seconds of calls to op, then as many as fit in seconds, counted; the clock is read once
 * every clock_every calls.
 */
static void run(const struct config *cfg, const char *name,
		uint64_t (*op)(const struct config *), double warmup_seconds, uint32_t clock_every)
{
	double start = now(), end, cpu;
	uint64_t ops = 0;

	while (now() - start < warmup_seconds)
		for (uint32_t i = 0; i < clock_every; i++)
			op(cfg);
	start = now();
	cpu = thread_cpu();
	do {
		for (uint32_t i = 0; i < clock_every; i++)
			ops += op(cfg);
		end = now();
	} while (end - start < cfg->seconds);
	cpu = thread_cpu() - cpu;
	printf("BENCH op=%s ops_per_s=%.0f ns_per_op=%.0f cpu_ns_per_op=%.0f\n", name,
	       (double)ops / (end - start), (end - start) * 1e9 / (double)ops, cpu * 1e9 / (double)ops);
	fflush(stdout);
}

/*
 * Rounds of cfg->round_updates updates, each timed alone and followed by an aggregation up to
 * the round's last epoch, outside the time; the first cfg->warmup_rounds are not counted.
 */
static void run_rounds(const struct config *cfg, const char *name,
		       uint64_t (*op)(const struct config *))
{
	double measured_s = 0;
	uint64_t updates = 0;

	for (uint32_t round = 0; round < cfg->warmup_rounds + cfg->rounds; round++) {
		uint64_t done = 0;
		double start = now(), elapsed;

		while (done < cfg->round_updates)
			done += op(cfg);
		elapsed = now() - start;
		aggregate();
		if (round >= cfg->warmup_rounds) {
			measured_s += elapsed;
			updates += done;
		}
	}
	printf("BENCH op=%s ops_per_s=%.0f ns_per_op=%.0f rounds=%u round_updates=%u\n", name,
	       (double)updates / measured_s, measured_s * 1e9 / (double)updates, cfg->rounds,
	       cfg->round_updates);
	fflush(stdout);
}

/* update1 and overwrite4k_fdatasync in alternating blocks, so both meet the same disk. */
static void run_paired(const struct config *cfg)
{
	double update_s = 0, sync_s = 0, start = now();
	uint64_t updates = 0, syncs = 0;

	do {
		double t0 = now(), t1;

		for (uint32_t i = 0; i < PAIRED_BLOCK_OPS; i++)
			updates += op_update1(cfg);
		t1 = now();
		for (uint32_t i = 0; i < PAIRED_BLOCK_OPS; i++)
			syncs += op_overwrite(cfg);
		update_s += t1 - t0;
		sync_s += now() - t1;
	} while (now() - start < cfg->seconds);
	printf("BENCH op=update1_paired ops_per_s=%.0f ns_per_op=%.0f ratio=%.2f\n",
	       (double)updates / update_s, update_s * 1e9 / (double)updates,
	       (update_s / (double)updates) / (sync_s / (double)syncs));
	printf("BENCH op=overwrite4k_paired ops_per_s=%.0f ns_per_op=%.0f\n",
	       (double)syncs / sync_s, sync_s * 1e9 / (double)syncs);
	fflush(stdout);
}

static void usage(FILE *to)
{
	fprintf(to,
		"usage: vos_bench [--backend pmem|wal] [--seconds S] [--warmup-seconds S]\n"
		"                 [--single-threaded]\n"
		"                 [--pool-dir DIR] [--keys N]\n"
		"                 [--pool-mib N] [--value-bytes N] [--round-updates N]\n"
		"                 [--warmup-rounds N] [--rounds N]\n"
		"  --backend B       the pool's backend: pmem (PMDK, the default) or wal (a DRAM\n"
		"                    heap and a write-ahead log)\n"
		"  --seconds S       measured seconds per operation (default 2)\n"
		"  --warmup-seconds S  seconds of the same calls first, not counted, for fetch and\n"
		"                    iterate (default 1)\n"
		"  --pool-dir DIR    where the pool file goes (default $TMPDIR or /tmp); removed at "
		"exit\n"
		"  --keys N          preloaded keys (default 100000)\n"
		"  --pool-mib N      pool size in MiB (default 2048)\n"
		"  --value-bytes N   value size (default 1024)\n"
		"  --round-updates N updates per timed round of update1 and update64, a multiple\n"
		"                    of 64; each round is followed by an untimed aggregation\n"
		"                    (default 65536)\n"
		"  --warmup-rounds N rounds run first and not counted (default 1)\n"
		"  --rounds N        rounds counted (default 3)\n"
		"  --single-threaded no second thread: glibc's malloc then skips its locks, which\n"
		"                    a multi-threaded process (a JVM, a server) pays\n"
		"PMEM_IS_PMEM_FORCE is taken from the environment (pmem only).\n"
		"Prints BENCH op=<fetch|fetch_hot|fetch_alloc|update1|update64|iterate|\n"
		"append4k_fdatasync|"
		"overwrite4k_fdatasync|update1_paired|overwrite4k_paired> ops_per_s=<n>\n"
		"ns_per_op=<n> [cpu_ns_per_op=<n>].\n");
}

static uint64_t number(const char *opt, const char *text, uint64_t min, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "vos_bench: %s wants a whole number from %llu to %llu, not \"%s\"\n",
			opt, (unsigned long long)min, (unsigned long long)max, text);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");
	bool single_threaded = false;
	double fs_warmup;
	struct config cfg = {
		.seconds = 2.0,
		.warmup_seconds = 1.0,
		.pool_dir = tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp",
		.keys = 100000,
		.pool_mib = 2048,
		.value_bytes = 1024,
		.backend = VOS_BACKEND_PMEM,
		.round_updates = 65536,
		.warmup_rounds = 1,
		.rounds = 3,
	};

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(arg, "--single-threaded") == 0) {
			single_threaded = true;
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "vos_bench: unknown option or missing value: %s\n", arg);
			usage(stderr);
			return 2;
		}
		if (strcmp(arg, "--seconds") == 0) {
			char *end;

			cfg.seconds = strtod(argv[++i], &end);
			if (*end != '\0' || !(cfg.seconds > 0 && cfg.seconds <= 3600)) {
				fprintf(stderr, "vos_bench: --seconds wants a number above 0 and at "
					"most 3600, not \"%s\"\n", argv[i]);
				return 2;
			}
		} else if (strcmp(arg, "--warmup-seconds") == 0) {
			char *end;

			cfg.warmup_seconds = strtod(argv[++i], &end);
			if (*end != '\0' || !(cfg.warmup_seconds >= 0 && cfg.warmup_seconds <= 3600)) {
				fprintf(stderr, "vos_bench: --warmup-seconds wants a number from 0 to "
					"3600, not \"%s\"\n", argv[i]);
				return 2;
			}
		} else if (strcmp(arg, "--backend") == 0) {
			const char *b = argv[++i];

			if (strcmp(b, "pmem") == 0) {
				cfg.backend = VOS_BACKEND_PMEM;
			} else if (strcmp(b, "wal") == 0) {
				cfg.backend = VOS_BACKEND_WAL;
			} else {
				fprintf(stderr, "vos_bench: --backend wants pmem or wal, not \"%s\"\n",
					b);
				return 2;
			}
		} else if (strcmp(arg, "--pool-dir") == 0) {
			cfg.pool_dir = argv[++i];
		} else if (strcmp(arg, "--keys") == 0) {
			cfg.keys = number(arg, argv[++i], 1, 100000000);
		} else if (strcmp(arg, "--pool-mib") == 0) {
			cfg.pool_mib = number(arg, argv[++i], VOS_POOL_BYTES_MIN >> 20, 1u << 22);
		} else if (strcmp(arg, "--value-bytes") == 0) {
			cfg.value_bytes = (uint32_t)number(arg, argv[++i], 1, VOS_VALUE_BYTES_MAX);
		} else if (strcmp(arg, "--round-updates") == 0) {
			cfg.round_updates = (uint32_t)number(arg, argv[++i], BENCH_BATCH_UPDATES,
							     ROUND_UPDATES_MAX);
			if (cfg.round_updates % BENCH_BATCH_UPDATES != 0) {
				fprintf(stderr, "vos_bench: --round-updates must be a multiple of %u, "
					"not %u\n", BENCH_BATCH_UPDATES, cfg.round_updates);
				return 2;
			}
		} else if (strcmp(arg, "--warmup-rounds") == 0) {
			cfg.warmup_rounds = (uint32_t)number(arg, argv[++i], 0, ROUNDS_MAX);
		} else if (strcmp(arg, "--rounds") == 0) {
			cfg.rounds = (uint32_t)number(arg, argv[++i], 1, ROUNDS_MAX);
		} else {
			fprintf(stderr, "vos_bench: unknown option %s\n", arg);
			usage(stderr);
			return 2;
		}
	}
	if (!single_threaded)
		start_idle_thread();
	/* The file system's runs keep their short warm-up: they are not set against the JMH side. */
	fs_warmup = cfg.seconds / 4 < 0.5 ? cfg.seconds / 4 : 0.5;
	atexit(remove_files);
	printf("BENCH backend=%s pmem_is_pmem_force=%s threads=%d\n",
	       cfg.backend == VOS_BACKEND_WAL ? "wal" : "pmem",
	       cfg.backend == VOS_BACKEND_WAL ? "n/a"
	       : getenv("PMEM_IS_PMEM_FORCE") != NULL ? getenv("PMEM_IS_PMEM_FORCE") : "unset",
	       single_threaded ? 1 : 2);
	sync_file(&cfg, 0);
	run(&cfg, "append4k_fdatasync", op_append, fs_warmup, 1);
	sync_file(&cfg, 64ull << 20);
	run(&cfg, "overwrite4k_fdatasync", op_overwrite, fs_warmup, 1);
	/* Each operation on a pool of its own, as in the JMH benchmark. */
	setup(&cfg);
	run(&cfg, "fetch", op_fetch, cfg.warmup_seconds, CLOCK_EVERY_FETCHES);
	run(&cfg, "fetch_hot", op_fetch_hot, cfg.warmup_seconds, CLOCK_EVERY_FETCHES);
	teardown();
	setup(&cfg);
	run(&cfg, "fetch_alloc", op_fetch_alloc, cfg.warmup_seconds, CLOCK_EVERY_FETCHES);
	teardown();
	setup(&cfg);
	run_rounds(&cfg, "update1", op_update1);
	teardown();
	setup(&cfg);
	run_rounds(&cfg, "update64", op_update64);
	teardown();
	setup(&cfg);
	run(&cfg, "iterate", op_iterate, cfg.warmup_seconds, 1);
	run_paired(&cfg);
	return 0;
}
