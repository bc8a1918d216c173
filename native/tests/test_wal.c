/*
 * test_wal: what only the WAL backend has, its log files and its checkpoints.
 *
 *   torn tail     the last frame of the log damaged (a flipped byte) or cut short (its second
 *                 half zero, or the file truncated in it): reopening drops exactly that
 *                 transaction and keeps all before it;
 *                 a shorter frame written over the torn one, followed by a crash, never lets
 *                 the stale rest of the old frame pass for a record
 *   checkpoints   a child writing transactions whose checkpoint thread reports every step of
 *                 every checkpoint to the parent, which kills it (SIGKILL) at a random step
 *                 and a random moment after it: the prefix property and a sound allocator on
 *                 every reopen
 *   segments      a log of more than 50 segments replayed after a crash, every transaction
 *                 back; after checkpoints the old segments are gone; a frame larger than a
 *                 segment
 *   paced         a checkpoint in the background rests between its batches (counted, not
 *                 timed), one asked for does not, and both leave the pool whole
 *   refusals      a segment of another pool in place of one of this pool's, a missing segment,
 *                 a damaged frame followed by later segments (a gap): CORRUPT, with a message
 *                 that says what, and nothing written
 *   headers       the image's identity damaged (CORRUPT, nothing written, destroy still
 *                 works), the newer checkpoint slot damaged (the older one is used and nothing
 *                 is lost), both slots damaged (CORRUPT), the heap header damaged (CORRUPT)
 *
 * Usage: test_wal [checkpoint_kills]; ctest runs 120.
 */
#include "check.h"

#include "crc32c.h"
#include "umem_wal.h"
#include "vos_internal.h"
#include "wal_heap.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define POOL_BYTES (32ull << 20)
#define OID 1
#define LAST_KEY (1ull << 40)
#define VALUE_BYTES_MAX 12000u
#define KEYS 1024u /* transaction i writes key i % KEYS, so the pool never fills */

static const uint8_t uuid[16] = { 0x3a, 0x11 };
static uint8_t data[VALUE_BYTES_MAX + 16];

static uint32_t value_len(uint64_t i)
{
	return 40 + (uint32_t)((i * 2654435761u) % 3000);
}

/* Transaction i: key i % KEYS gets value i, LAST_KEY gets i, both at epoch 1 (replacing the
 * versions there, so old values are freed). Every seventh value is large, so a checkpoint has
 * many pages to write. */
static int apply_tx_flags(vos_pool_t *pool, vos_cont_h cont, uint64_t i, uint32_t flags)
{
	vos_op_t ops[2];
	uint32_t len = i % 7 == 0 ? VALUE_BYTES_MAX : value_len(i);

	memcpy(data, &i, 8);
	test_fill(data + 8, len, i);
	ops[0] = test_op_update_int(cont, OID, 1, i % KEYS, 8, len);
	ops[1] = test_op_update_int(cont, OID, 1, LAST_KEY, 0, 8);
	return vos_tx_apply_flags(pool, ops, 2, data, 8 + len, flags, NULL);
}

static int apply_tx(vos_pool_t *pool, vos_cont_h cont, uint64_t i)
{
	return apply_tx_flags(pool, cont, i, 0);
}

static uint64_t read_last(vos_pool_t *pool, vos_cont_h cont)
{
	uint64_t last = 0;
	int32_t status;

	CHECK_OK(test_get(pool, cont, OID, VOS_EPOCH_MAX, LAST_KEY, &last, 8, &status, NULL));
	CHECK(status == VOS_OK || status == VOS_ABSENT);
	return status == VOS_OK ? last : 0;
}

/* Transactions 1 .. last are there whole, and nothing after them: every key holds the value
 * of the last transaction up to last that wrote it, or nothing if none did. */
static void check_prefix(vos_pool_t *pool, vos_cont_h cont, uint64_t last)
{
	static uint8_t got[VALUE_BYTES_MAX], want[VALUE_BYTES_MAX];

	CHECK(read_last(pool, cont) == last);
	for (uint64_t k = 0; k < KEYS; k++) {
		uint64_t i = last >= k ? last - (last - k) % KEYS : 0; /* the last writer of k */
		int32_t status;
		uint32_t len;

		CHECK_OK(test_get(pool, cont, OID, VOS_EPOCH_MAX, k, got, sizeof(got), &status,
				  &len));
		if (i == 0) {
			CHECK(status == VOS_ABSENT);
			continue;
		}
		CHECK(status == VOS_OK && len == (i % 7 == 0 ? VALUE_BYTES_MAX : value_len(i)));
		test_fill(want, len, i);
		CHECK(memcmp(got, want, len) == 0);
	}
}

static void create_pool(const char *path, uint64_t segment_bytes, uint64_t checkpoint_bytes)
{
	vos_pool_opts_t opts;
	vos_pool_t *pool;

	memset(&opts, 0, sizeof(opts));
	opts.backend = VOS_BACKEND_WAL;
	opts.wal_segment_bytes = segment_bytes;
	opts.wal_checkpoint_bytes = checkpoint_bytes;
	CHECK_OK(vos_pool_create_opts(path, POOL_BYTES, &opts, &pool));
	CHECK_OK(vos_cont_create(pool, uuid));
	{
		vos_cont_h cont;

		CHECK_OK(vos_cont_open(pool, uuid, &cont));
		CHECK_OK(test_obj_create(pool, cont, OID, VOS_KEYS_INTEGER, 0));
	}
	CHECK_OK(vos_pool_close(pool));
}

static void open_pool(const char *path, vos_pool_t **pool, vos_cont_h *cont)
{
	CHECK_OK(vos_pool_open(path, pool));
	CHECK_OK(vos_cont_open(*pool, uuid, cont));
}

/* Reopens the pool, checks transactions 1 .. last and the allocator, and closes it. */
static void check_pool(const char *path, uint64_t last)
{
	vos_pool_t *pool;
	vos_cont_h cont;

	open_pool(path, &pool, &cont);
	check_prefix(pool, cont, last);
	CHECK_OK(wal_heap_verify(pool->um));
	test_scrub_clean(pool);
	CHECK_OK(vos_pool_close(pool));
}

/* Waits for the child pid, which must die by SIGKILL. */
static void wait_killed(pid_t pid)
{
	int status;

	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

/* Opens the pool at path in a child, runs work on it, and has the child die by SIGKILL, so that
 * nothing is closed or checkpointed and the log stays as work left it; waits for the death. */
static void in_killed_child(const char *path, void (*work)(vos_pool_t *, vos_cont_h, const void *),
			    const void *arg)
{
	pid_t pid = fork();

	CHECK(pid >= 0);
	if (pid == 0) {
		vos_pool_t *pool;
		vos_cont_h cont;

		open_pool(path, &pool, &cont);
		work(pool, cont, arg);
		raise(SIGKILL);
	}
	wait_killed(pid);
}

static void check_unclosed_work(vos_pool_t *pool, vos_cont_h cont, const void *last)
{
	check_prefix(pool, cont, *(const uint64_t *)last);
	CHECK_OK(wal_heap_verify(pool->um));
	test_scrub_clean(pool);
}

/* check_pool without the checkpoint of a clean close: the checks run in a killed child. */
static void check_pool_unclosed(const char *path, uint64_t last)
{
	in_killed_child(path, check_unclosed_work, &last);
}

static struct umem_wal_stats stats_of(vos_pool_t *pool)
{
	struct umem_wal_stats st;

	umem_wal_stats(pool->um, &st);
	return st;
}

/* Opens the pool, commits transactions from its last + 1 on (up to count of them, or until
 * killed when count is 0) and dies by SIGKILL, so that nothing is closed or checkpointed. Each
 * commit is reported on report_fd. */
_Noreturn static void child_writer(const char *path, uint64_t count, int report_fd)
{
	vos_pool_t *pool;
	vos_cont_h cont;
	uint64_t i;

	if (vos_pool_open(path, &pool) != VOS_OK || vos_cont_open(pool, uuid, &cont) != VOS_OK) {
		fprintf(stderr, "child: %s\n", vos_last_message());
		_exit(2);
	}
	i = read_last(pool, cont);
	for (uint64_t n = 0; count == 0 || n < count; n++) {
		i++;
		if (apply_tx(pool, cont, i) != VOS_OK) {
			fprintf(stderr, "child: transaction %llu: %s\n", (unsigned long long)i,
				vos_last_message());
			_exit(3);
		}
		if (report_fd >= 0 && write(report_fd, &i, 8) != 8)
			_exit(4);
	}
	raise(SIGKILL);
	_exit(5);
}

/* Runs child_writer for count transactions and waits for its death. */
static void write_then_crash(const char *path, uint64_t count)
{
	pid_t pid = fork();

	CHECK(pid >= 0);
	if (pid == 0)
		child_writer(path, count, -1);
	wait_killed(pid);
}

struct lazy_run {
	uint64_t first, last;
	bool     ordinary;
};

static void lazy_work(vos_pool_t *pool, vos_cont_h cont, const void *arg)
{
	const struct lazy_run *r = arg;

	for (uint64_t i = r->first; i <= r->last; i++)
		CHECK_OK(apply_tx_flags(pool, cont, i, VOS_TX_LAZY));
	check_prefix(pool, cont, r->last);
	if (r->ordinary)
		CHECK_OK(apply_tx(pool, cont, r->last + 1));
}

/* Commits lazy transactions from first through last, checks that they are visible, commits
 * one more without the flag when ordinary is set, and dies by SIGKILL (nothing closed). */
static void lazy_then_crash(const char *path, uint64_t first, uint64_t last, bool ordinary)
{
	struct lazy_run r = { .first = first, .last = last, .ordinary = ordinary };

	in_killed_child(path, lazy_work, &r);
}

/* ------------------------------------------------------------------------------------------
 * Files
 */

static void write_whole(const char *path, const uint8_t *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	CHECK(fd >= 0);
	CHECK(write(fd, buf, len) == (ssize_t)len);
	close(fd);
}

static const char *seg_name(const char *pool_path, uint64_t seq)
{
	static char buf[1100];

	snprintf(buf, sizeof(buf), "%s.wal.%llu", pool_path, (unsigned long long)seq);
	return buf;
}

/* The numbers of the pool's segment files, ascending; returns how many. */
static uint32_t list_segments(const char *pool_path, uint64_t *seqs, uint32_t max)
{
	const char *base = strrchr(pool_path, '/') + 1;
	size_t base_len = strlen(base);
	struct dirent *e;
	uint32_t n = 0;
	DIR *d = opendir(test_dir());

	CHECK(d != NULL);
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, base, base_len) != 0 ||
		    strncmp(e->d_name + base_len, ".wal.", 5) != 0 ||
		    strcmp(e->d_name + base_len + 5, "tmp") == 0)
			continue;
		CHECK(n < max);
		seqs[n++] = strtoull(e->d_name + base_len + 5, NULL, 10);
	}
	closedir(d);
	for (uint32_t i = 1; i < n; i++)
		for (uint32_t j = i; j > 0 && seqs[j - 1] > seqs[j]; j--) {
			uint64_t t = seqs[j];

			seqs[j] = seqs[j - 1];
			seqs[j - 1] = t;
		}
	return n;
}

/* A CRC-32C of the image and every segment file, to show a refused open wrote nothing. */
static uint32_t pool_digest(const char *pool_path)
{
	uint64_t seqs[256];
	uint32_t n = list_segments(pool_path, seqs, 256);
	size_t len;
	uint8_t *buf = test_read_file(pool_path, &len);
	uint32_t c = crc32c(0, buf, len);

	free(buf);
	for (uint32_t i = 0; i < n; i++) {
		buf = test_read_file(seg_name(pool_path, seqs[i]), &len);
		c = crc32c(c, buf, len);
		free(buf);
	}
	return c;
}

/* The position and length of the last frame in a segment file, walking from its first. */
static void last_frame(const char *seg_path, uint64_t *pos_out, uint64_t *len_out)
{
	size_t len;
	uint8_t *buf = test_read_file(seg_path, &len);
	struct wal_seg_hdr h;
	uint64_t pos = WAL_SEG_HDR_BYTES, lsn, last = 0, last_len = 0;
	uint32_t chain;

	memcpy(&h, buf, sizeof(h));
	CHECK(h.magic == WAL_SEG_MAGIC && h.state == WAL_SEG_ACTIVE);
	lsn = h.first_lsn;
	chain = h.prev_chain;
	for (;;) {
		struct wal_frame f;

		if (pos + sizeof(f) > len)
			break;
		memcpy(&f, buf + pos, sizeof(f));
		if (f.magic != WAL_FRAME_MAGIC || f.lsn != lsn || f.frame_bytes < sizeof(f) ||
		    pos + f.frame_bytes > len ||
		    crc32c(chain, buf + pos + 8, f.frame_bytes - 8) != f.csum)
			break;
		last = pos;
		last_len = f.frame_bytes;
		chain = f.csum;
		lsn += f.frame_bytes;
		pos += f.frame_bytes;
	}
	free(buf);
	CHECK(last != 0);
	*pos_out = last;
	*len_out = last_len;
}

static void check_message_mentions(const char *word)
{
	if (strstr(vos_last_message(), word) == NULL) {
		fprintf(stderr, "message \"%s\" does not mention \"%s\"\n", vos_last_message(), word);
		CHECK(!"message names the problem");
	}
}

/* Opening fails with want, says why, and changes no byte of any of the pool's files. */
static void check_refused(const char *path, int want, const char *word)
{
	uint32_t before = pool_digest(path);
	vos_pool_t *pool = NULL;

	CHECK_RC(vos_pool_open(path, &pool), want);
	CHECK(pool == NULL);
	check_message_mentions(word);
	CHECK(pool_digest(path) == before);
}

/* ------------------------------------------------------------------------------------------
 * Torn tail
 */

static void test_torn_tail(void)
{
	const char *path = strdup(test_path("torn.pool"));
	uint64_t seqs[64], pos, len, last = 40;
	uint32_t n;

	/* One big segment and no checkpoint: every frame stays in the log. */
	create_pool(path, 1u << 20, 64u << 20);
	write_then_crash(path, last);
	check_pool_unclosed(path, last);

	for (int round = 0; round < 3; round++) {
		n = list_segments(path, seqs, 64);
		/* The last frame is in the newest active segment (a spare may follow it). */
		{
			uint64_t s = seqs[0];

			for (uint32_t i = 0; i < n; i++) {
				size_t flen;
				uint8_t *buf = test_read_file(seg_name(path, seqs[i]), &flen);
				struct wal_seg_hdr h;

				memcpy(&h, buf, sizeof(h));
				free(buf);
				if (h.state == WAL_SEG_ACTIVE)
					s = seqs[i];
			}
			last_frame(seg_name(path, s), &pos, &len);
			if (round == 0) {
				/* A byte flipped in the middle of the last frame. */
				test_flip_byte(seg_name(path, s), pos + len / 2);
			} else if (round == 2) {
				/* The segment file itself cut short inside the last frame: the
				 * log goes on in a new segment. */
				CHECK(truncate(seg_name(path, s), (off_t)(pos + len / 2)) == 0);
			} else {
				/* The second half of the last frame never reached the disk. */
				int fd = open(seg_name(path, s), O_WRONLY);
				uint8_t zeros[16384] = { 0 };

				CHECK(fd >= 0 && len / 2 <= sizeof(zeros));
				CHECK(pwrite(fd, zeros, len - len / 2, (off_t)(pos + len / 2)) ==
				      (ssize_t)(len - len / 2));
				close(fd);
			}
		}
		/* The torn transaction is gone, every one before it is there. */
		last--;
		check_pool_unclosed(path, last);
		/* New transactions are written where the torn one was, and survive a crash. */
		write_then_crash(path, 3);
		last += 3;
		check_pool_unclosed(path, last);
	}
	/* A clean close checkpoints: nothing is left to replay. */
	{
		vos_pool_t *pool;
		vos_cont_h cont;

		open_pool(path, &pool, &cont);
		CHECK_OK(vos_pool_close(pool));
		open_pool(path, &pool, &cont);
		CHECK(stats_of(pool).replayed_frames == 0);
		check_prefix(pool, cont, last);
		CHECK_OK(vos_pool_close(pool));
	}
	CHECK_OK(vos_pool_destroy(path));
	CHECK(list_segments(path, seqs, 64) == 0);
	free((void *)path);
	printf("torn tail: OK\n");
}

/* ------------------------------------------------------------------------------------------
 * Crashes during checkpoints
 */

static int hook_fd = -1;

/* In the child's checkpoint thread: reports the step, then dawdles a little so that the
 * parent's kill lands inside the checkpoint. */
static void report_step(enum wal_hook_point point)
{
	uint64_t word = (uint64_t)point << 56;
	struct timespec ts = { 0, 100000 };

	if (point == WAL_HOOK_SPARE_READY || write(hook_fd, &word, 8) != 8)
		return;
	nanosleep(&ts, NULL);
}

static void test_checkpoint_crashes(uint32_t kills)
{
	const char *path = strdup(test_path("ckpt.pool"));
	uint32_t at_step[WAL_HOOK_CKPT_DONE + 1] = { 0 };
	uint64_t last = 0;

	create_pool(path, 64u << 10, 128u << 10);
	for (uint32_t k = 0; k < kills; k++) {
		/* Kill after the target-th report of step target_point. */
		uint32_t target_point = WAL_HOOK_CKPT_BEGIN +
					(uint32_t)test_rand_below(WAL_HOOK_CKPT_DONE);
		uint32_t target = 1 + (uint32_t)test_rand_below(target_point == WAL_HOOK_CKPT_PAGES
									 ? 12 : 3);
		uint64_t reported = last, word;
		int fds[2], status;
		uint32_t seen = 0;
		bool hit = false;
		pid_t pid;

		CHECK(pipe(fds) == 0);
		pid = fork();
		CHECK(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			hook_fd = fds[1];
			wal_test_hook = report_step;
			child_writer(path, 0, fds[1]);
		}
		close(fds[1]);
		while (read(fds[0], &word, 8) == 8) {
			if ((word >> 56) == 0) {
				reported = word;
				continue;
			}
			if ((word >> 56) == target_point && ++seen == target) {
				struct timespec ts = { 0, (long)test_rand_below(150000) };

				nanosleep(&ts, NULL);
				hit = true;
				break;
			}
		}
		CHECK(kill(pid, SIGKILL) == 0);
		CHECK(waitpid(pid, &status, 0) == pid);
		if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)) {
			fprintf(stderr, "the child ended by itself (status 0x%x)\n", status);
			CHECK(!"child killed");
		}
		while (read(fds[0], &word, 8) == 8)
			if ((word >> 56) == 0)
				reported = word;
		close(fds[0]);
		CHECK(hit);
		at_step[target_point]++;
		{
			vos_pool_t *pool;
			vos_cont_h cont;
			uint64_t got;

			open_pool(path, &pool, &cont);
			got = read_last(pool, cont);
			if (got < reported || got > reported + 1) {
				fprintf(stderr, "reported %llu, the pool's last is %llu\n",
					(unsigned long long)reported, (unsigned long long)got);
				CHECK(!"prefix property");
			}
			last = got;
			check_prefix(pool, cont, last);
			CHECK_OK(wal_heap_verify(pool->um));
			CHECK_OK(vos_pool_close(pool));
		}
	}
	check_pool(path, last);
	printf("checkpoint crashes: OK (%u kills: %u at the start, %u while pages were "
	       "written, %u after the image sync, %u after the slot was written, %u after old "
	       "segments went; %llu transactions)\n", kills, at_step[WAL_HOOK_CKPT_BEGIN],
	       at_step[WAL_HOOK_CKPT_PAGES], at_step[WAL_HOOK_CKPT_SYNCED],
	       at_step[WAL_HOOK_CKPT_SLOT], at_step[WAL_HOOK_CKPT_DONE],
	       (unsigned long long)last);
	free((void *)path);
}

/* ------------------------------------------------------------------------------------------
 * Many segments
 */

static void test_many_segments(void)
{
	const char *path = strdup(test_path("many.pool"));
	uint64_t seqs[256], last = 1500;
	vos_pool_t *pool;
	vos_cont_h cont;
	struct umem_wal_stats st;
	uint32_t n;

	/* Small segments, and a checkpoint only after 32 MiB of log: about 4 MiB of log in
	 * 64 KiB segments. */
	create_pool(path, 64u << 10, 32u << 20);
	write_then_crash(path, last);
	n = list_segments(path, seqs, 256);
	CHECK(n > 50);
	open_pool(path, &pool, &cont);
	st = stats_of(pool);
	printf("replayed %llu frames (%llu bytes) from %u segments\n",
	       (unsigned long long)st.replayed_frames, (unsigned long long)st.replayed_bytes, n);
	CHECK(st.replayed_frames >= last);
	CHECK(st.segments > 50);
	check_prefix(pool, cont, last);
	CHECK_OK(wal_heap_verify(pool->um));
	/* Two checkpoints: the segments below the older one go (up to four are kept to be
	 * reused as spares). */
	CHECK_OK(umem_wal_checkpoint(pool->um));
	CHECK_OK(apply_tx(pool, cont, ++last));
	CHECK_OK(umem_wal_checkpoint(pool->um));
	st = stats_of(pool);
	CHECK(st.segments <= 2);
	CHECK_OK(vos_pool_close(pool));
	n = list_segments(path, seqs, 256);
	CHECK(n <= 2 + 1 + 4); /* active, the spare, kept for reuse */
	check_pool(path, last);
	/* And the log keeps going through further segment changes. */
	write_then_crash(path, 200);
	check_pool(path, last + 200);
	CHECK_OK(vos_pool_destroy(path));
	free((void *)path);
	printf("many segments: OK\n");
}

/* A checkpoint in the background rests between its batches, so that its write-back leaves the
 * device to the log's syncs; one that a caller asks for (and the close's) runs straight through.
 * The rests are counted, never timed. */
static void test_paced(void)
{
	const char *path = strdup(test_path("paced.pool"));
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	struct umem_wal_stats st;
	vos_pool_t *pool;
	vos_cont_h cont;
	uint64_t last = 0, rests;

	/* A checkpoint every 1 MiB of log: the transactions up to the one that asks for it change
	 * far more pages than one batch, then none follow (the stats wait for a checkpoint that
	 * runs), so that the log stays within the half interval past it in which it may rest. */
	create_pool(path, 256u << 10, 1u << 20);
	open_pool(path, &pool, &cont);
	do {
		CHECK_OK(apply_tx(pool, cont, ++last));
		st = stats_of(pool);
	} while (st.end_lsn - st.checkpoint_lsn < (1u << 20) && st.checkpoints == 0);
	for (int i = 0; i < 3000 && st.checkpoints == 0; i++) {
		nanosleep(&tick, NULL);
		st = stats_of(pool);
	}
	printf("paced: %llu transactions, a checkpoint in the background with %llu rests\n",
	       (unsigned long long)last, (unsigned long long)st.checkpoint_rests);
	CHECK(st.checkpoints == 1);
	CHECK(st.checkpoint_rests > 0);
	rests = st.checkpoint_rests;
	for (int i = 0; i < 100; i++)
		CHECK_OK(apply_tx(pool, cont, ++last));
	CHECK_OK(umem_wal_checkpoint(pool->um));
	st = stats_of(pool);
	CHECK(st.checkpoints == 2 && st.checkpoint_rests == rests);
	check_prefix(pool, cont, last);
	CHECK_OK(vos_pool_close(pool));
	check_pool(path, last);
	CHECK_OK(vos_pool_destroy(path));
	free((void *)path);
	printf("paced: OK\n");
}

/* A transaction whose frame is larger than a whole segment gets a segment of its own size,
 * and is there after a crash. */
static void test_big_frame(void)
{
	const char *path = strdup(test_path("big.pool"));
	static uint8_t big[40 * VALUE_BYTES_MAX];
	vos_op_t ops[41];
	vos_pool_t *pool;
	vos_cont_h cont;
	int status;
	pid_t pid;

	create_pool(path, 64u << 10, 32u << 20);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		open_pool(path, &pool, &cont);
		CHECK_OK(test_obj_create(pool, cont, 2, VOS_KEYS_INTEGER, 1));
		for (uint32_t k = 0; k < 40; k++) {
			test_fill(big + k * VALUE_BYTES_MAX, VALUE_BYTES_MAX, 1000 + k);
			ops[k] = test_op_update_int(cont, 2, 2, k, (uint64_t)k * VALUE_BYTES_MAX,
						    VALUE_BYTES_MAX);
		}
		CHECK_OK(vos_tx_apply(pool, ops, 40, big, sizeof(big), NULL));
		CHECK_OK(apply_tx(pool, cont, 1)); /* and the log goes on after it */
		raise(SIGKILL);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status));
	open_pool(path, &pool, &cont);
	CHECK(stats_of(pool).replayed_bytes > 40 * VALUE_BYTES_MAX);
	check_prefix(pool, cont, 1);
	for (uint32_t k = 0; k < 40; k++) {
		static uint8_t got[VALUE_BYTES_MAX], want[VALUE_BYTES_MAX];
		int32_t st;
		uint32_t len;

		CHECK_OK(test_get(pool, cont, 2, 2, k, got, sizeof(got), &st, &len));
		test_fill(want, VALUE_BYTES_MAX, 1000 + k);
		CHECK(st == VOS_OK && len == VALUE_BYTES_MAX && memcmp(got, want, len) == 0);
	}
	CHECK_OK(wal_heap_verify(pool->um));
	CHECK_OK(vos_pool_close(pool));
	CHECK_OK(vos_pool_destroy(path));
	free((void *)path);
	printf("big frame: OK\n");
}

/* ------------------------------------------------------------------------------------------
 * Foreign, missing and damaged segments
 */

static void test_refusals(void)
{
	const char *a = strdup(test_path("a.pool"));
	const char *b = strdup(test_path("b.pool"));
	uint64_t seqs[256];
	uint8_t *saved;
	size_t saved_len;
	uint32_t n;

	/* No checkpoint after the pools' creation: the whole log is needed. */
	create_pool(a, 64u << 10, 32u << 20);
	create_pool(b, 64u << 10, 32u << 20);
	write_then_crash(a, 300);
	write_then_crash(b, 10);
	n = list_segments(a, seqs, 256);
	CHECK(n >= 6);

	/* A segment the replay needs, missing. */
	CHECK(rename(seg_name(a, seqs[3]), test_path("aside")) == 0);
	check_refused(a, VOS_ERR_CORRUPT, "missing");
	CHECK(rename(test_path("aside"), seg_name(a, seqs[3])) == 0);

	/* A damaged frame in the middle of the log, with later segments after it: a gap, not a
	 * torn tail. */
	saved = test_read_file(seg_name(a, seqs[2]), &saved_len);
	{
		uint64_t pos, len;

		last_frame(seg_name(a, seqs[2]), &pos, &len);
		test_flip_byte(seg_name(a, seqs[2]), pos + len / 2);
		check_refused(a, VOS_ERR_CORRUPT, "gap");
		write_whole(seg_name(a, seqs[2]), saved, saved_len);
	}
	/* A damaged header on a segment in the middle. */
	test_flip_byte(seg_name(a, seqs[4]), 40);
	check_refused(a, VOS_ERR_CORRUPT, "damaged header");
	test_flip_byte(seg_name(a, seqs[4]), 40);

	/* b's first segment copied over a's third: refused, a's files untouched. */
	{
		size_t len;
		uint8_t *other = test_read_file(seg_name(b, 1), &len);

		write_whole(seg_name(a, seqs[2]), other, len);
		free(other);
	}
	check_refused(a, VOS_ERR_CORRUPT, "another pool");
	write_whole(seg_name(a, seqs[2]), saved, saved_len);
	free(saved);
	check_pool(a, 300);
	write_then_crash(a, 1);
	check_pool(a, 301);
	CHECK_OK(vos_pool_destroy(a));
	CHECK_OK(vos_pool_destroy(b));
	free((void *)a);
	free((void *)b);
	printf("refusals: OK\n");
}

/* ------------------------------------------------------------------------------------------
 * Image headers
 */

static void test_headers(void)
{
	const char *path = strdup(test_path("hdr.pool"));
	vos_pool_t *pool;
	vos_cont_h cont;
	uint64_t last = 0;

	create_pool(path, 64u << 10, 256u << 10);
	/* Several checkpoints, so both slots hold one, and a log to replay after them. */
	write_then_crash(path, 200);
	last = 200;
	check_pool(path, last);

	/* The identity block: CORRUPT, untouched; the pool can still be destroyed. */
	test_flip_byte(path, 20);
	check_refused(path, VOS_ERR_CORRUPT, "damaged");
	test_flip_byte(path, 20);
	check_pool(path, last);

	/* The newer checkpoint slot: the older one is used, and nothing is lost (the log is kept
	 * from the older slot on). */
	write_then_crash(path, 50);
	last += 50;
	{
		struct wal_ckpt_slot s[2];
		int fd = open(path, O_RDONLY);
		int newer;

		CHECK(fd >= 0);
		CHECK(pread(fd, &s[0], sizeof(s[0]), WAL_SLOT_OFFSET(0)) == sizeof(s[0]));
		CHECK(pread(fd, &s[1], sizeof(s[1]), WAL_SLOT_OFFSET(1)) == sizeof(s[1]));
		close(fd);
		CHECK(s[0].seq != s[1].seq && s[0].lsn != s[1].lsn);
		newer = s[1].seq > s[0].seq ? 1 : 0;
		test_flip_byte(path, WAL_SLOT_OFFSET(newer) + 17);
		open_pool(path, &pool, &cont);
		/* The replay started at the older slot. (Not checkpoint_lsn: when that replay is
		 * long, the background thread may checkpoint before this line.) */
		{
			struct umem_wal_stats st = stats_of(pool);

			CHECK(st.end_lsn - st.replayed_bytes == s[1 - newer].lsn);
		}
		check_prefix(pool, cont, last);
		CHECK_OK(wal_heap_verify(pool->um));
		/* The next checkpoint goes over the damaged slot. */
		CHECK_OK(vos_pool_close(pool));
		check_pool(path, last);

		/* Both slots: CORRUPT. */
		test_flip_byte(path, WAL_SLOT_OFFSET(0) + 17);
		test_flip_byte(path, WAL_SLOT_OFFSET(1) + 17);
		check_refused(path, VOS_ERR_CORRUPT, "checkpoint headers");
		test_flip_byte(path, WAL_SLOT_OFFSET(0) + 17);
		test_flip_byte(path, WAL_SLOT_OFFSET(1) + 17);
		check_pool(path, last);
	}

	/* The heap header, after a clean close (so no replay rewrites it): CORRUPT. */
	test_flip_byte(path, WAL_IMAGE_HDR_BYTES + 40);
	check_refused(path, VOS_ERR_CORRUPT, "heap header");
	test_flip_byte(path, WAL_IMAGE_HDR_BYTES + 40);
	check_pool(path, last);

	/* A damaged identity does not stop destroy. */
	test_flip_byte(path, 20);
	CHECK_OK(vos_pool_destroy(path));
	CHECK(access(path, F_OK) != 0);
	{
		uint64_t seqs[64];

		CHECK(list_segments(path, seqs, 64) == 0);
	}
	free((void *)path);
	printf("headers: OK\n");
}

/* Options that make no sense are refused before any file is made. */
static void test_options(void)
{
	vos_pool_opts_t opts;
	vos_pool_t *pool = NULL;
	const char *path = test_path("opts.pool");

	memset(&opts, 0, sizeof(opts));
	opts.backend = 7;
	CHECK_RC(vos_pool_create_opts(path, POOL_BYTES, &opts, &pool), VOS_ERR_INVAL);
	check_message_mentions("backend");
	opts.backend = VOS_BACKEND_WAL;
	opts.wal_segment_bytes = 1000;
	CHECK_RC(vos_pool_create_opts(path, POOL_BYTES, &opts, &pool), VOS_ERR_INVAL);
	opts.wal_segment_bytes = 1u << 20;
	opts.wal_checkpoint_bytes = 1u << 20;
	CHECK_RC(vos_pool_create_opts(path, POOL_BYTES, &opts, &pool), VOS_ERR_INVAL);
	check_message_mentions("twice");
	opts.wal_checkpoint_bytes = 0;
	opts.reserved[2] = 1;
	CHECK_RC(vos_pool_create_opts(path, POOL_BYTES, &opts, &pool), VOS_ERR_INVAL);
	opts.reserved[2] = 0;
	opts.backend = VOS_BACKEND_PMEM;
	opts.wal_segment_bytes = 1u << 20;
	CHECK_RC(vos_pool_create_opts(path, POOL_BYTES, &opts, &pool), VOS_ERR_INVAL);
	CHECK(pool == NULL && access(path, F_OK) != 0);
	/* Segments of an earlier pool left behind: EXIST, they are not touched. */
	write_whole(seg_name(path, 1), (const uint8_t *)"x", 1);
	opts.backend = VOS_BACKEND_WAL;
	opts.wal_segment_bytes = 0;
	CHECK_RC(vos_pool_create_opts(path, POOL_BYTES, &opts, &pool), VOS_ERR_EXIST);
	check_message_mentions(".wal.");
	CHECK(access(path, F_OK) != 0);
	unlink(seg_name(path, 1));
	/* The image of a creation that a crash cut short (the pool is built as <path>.creating
	 * and renamed into place when whole): EXIST, saying what to remove. */
	{
		char creating[1100];

		snprintf(creating, sizeof(creating), "%s.creating", path);
		write_whole(creating, (const uint8_t *)"x", 1);
		CHECK_RC(vos_pool_create_opts(path, POOL_BYTES, &opts, &pool), VOS_ERR_EXIST);
		check_message_mentions("did not finish");
		CHECK(access(path, F_OK) != 0 && access(creating, F_OK) == 0);
		unlink(creating);
	}
	/* Defaults: one pool, a query that names the backend. */
	CHECK_OK(vos_pool_create_opts(path, POOL_BYTES, &opts, &pool));
	{
		vos_pool_info_t info;

		CHECK_OK(vos_pool_query(pool, &info));
		CHECK(info.backend == VOS_BACKEND_WAL && info.reserved == 0);
		CHECK(info.free_bytes == info.total_bytes);
		CHECK(info.total_bytes > POOL_BYTES * 9 / 10 && info.total_bytes < POOL_BYTES);
	}
	CHECK_OK(vos_pool_close(pool));
	CHECK_OK(vos_pool_destroy(path));
	printf("options: OK\n");
}

/* VOS_TX_LAZY: visible at once, durable with the next ordinary commit, and after a crash
 * before one, an exact prefix of the lazy ones (maybe none of them). */
static void test_lazy(void)
{
	const char *path = strdup(test_path("lazy.pool"));
	vos_pool_t *pool;
	vos_cont_h cont;
	uint64_t found;
	vos_op_t op;

	create_pool(path, 0, 0);
	lazy_then_crash(path, 1, 40, true);
	check_pool_unclosed(path, 41);

	lazy_then_crash(path, 42, 80, false);
	open_pool(path, &pool, &cont);
	found = read_last(pool, cont);
	CHECK(found >= 41 && found <= 80);
	check_prefix(pool, cont, found);
	/* Unknown flags are refused before the pool is touched. */
	op = test_op_update_int(cont, OID, 1, 0, 0, 8);
	CHECK(vos_tx_apply_flags(pool, &op, 1, data, 8, 2, NULL) == VOS_ERR_INVAL);
	check_message_mentions("flags");
	CHECK(read_last(pool, cont) == found);
	CHECK_OK(vos_pool_close(pool));
	check_pool(path, found);
	free((void *)path);
}

int main(int argc, char **argv)
{
	uint32_t kills = argc > 1 ? (uint32_t)atoi(argv[1]) : 120;

	setenv("VOSTOK_TEST_BACKEND", "wal", 1); /* every pool here is a WAL pool */
	test_init("wal", true);
	test_options();
	test_torn_tail();
	test_many_segments();
	test_paced();
	test_big_frame();
	test_refusals();
	test_headers();
	test_checkpoint_crashes(kills);
	test_lazy();
	printf("test_wal: OK\n");
	return 0;
}
