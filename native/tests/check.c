/*
 * check.c: the tests' small harness.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "check.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char dir[512];
static char path_buf[1024];
static pid_t owner_pid;
static uint64_t rng_state;
static uint32_t backend = VOS_BACKEND_PMEM;

_Noreturn void check_failed(const char *file, int line, const char *what)
{
	fprintf(stderr, "FAILED %s:%d: %s\n  last message: %s\n", file, line, what,
		vos_last_message());
	exit(1);
}

_Noreturn void check_failed_rc(const char *file, int line, const char *expr, int got, int want)
{
	fprintf(stderr, "FAILED %s:%d: %s returned %d (%s), expected %d (%s)\n  last message: %s\n",
		file, line, expr, got, vos_strerror(got), want, vos_strerror(want),
		vos_last_message());
	exit(1);
}

static int remove_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void remove_dir(void)
{
	/* Forked children leave by _exit() and never get here; this guards against one that
	 * returns from main. */
	if (getpid() == owner_pid && dir[0] != '\0')
		nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void test_init(const char *name, bool pmem_force)
{
	const char *tmp = getenv("TMPDIR");
	const char *seed = getenv("VOSTOK_TEST_SEED");

	const char *which = getenv("VOSTOK_TEST_BACKEND");

	if (which != NULL && strcmp(which, "wal") == 0) {
		backend = VOS_BACKEND_WAL;
	} else if (which != NULL && which[0] != '\0' && strcmp(which, "pmem") != 0) {
		fprintf(stderr, "VOSTOK_TEST_BACKEND=%s: use pmem or wal\n", which);
		exit(2);
	}
	setenv("PMEM_IS_PMEM_FORCE", pmem_force ? "1" : "0", 1);
	setvbuf(stdout, NULL, _IONBF, 0);
	snprintf(dir, sizeof(dir), "%s/vostok-%s-XXXXXX", tmp != NULL && tmp[0] ? tmp : "/tmp",
		 name);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	owner_pid = getpid();
	atexit(remove_dir);
	if (seed != NULL) {
		rng_state = strtoull(seed, NULL, 0);
	} else {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		rng_state = (uint64_t)ts.tv_sec * 1000000007ull ^ (uint64_t)ts.tv_nsec;
	}
	printf("%s: VOSTOK_TEST_SEED=%llu PMEM_IS_PMEM_FORCE=%d VOSTOK_TEST_BACKEND=%s dir=%s\n",
	       name, (unsigned long long)rng_state, pmem_force ? 1 : 0,
	       backend == VOS_BACKEND_WAL ? "wal" : "pmem", dir);
}

uint32_t test_backend(void)
{
	return backend;
}

int test_pool_create(const char *path, uint64_t size_bytes, vos_pool_t **pool_out)
{
	vos_pool_opts_t opts;

	memset(&opts, 0, sizeof(opts));
	opts.backend = backend;
	if (backend == VOS_BACKEND_WAL) {
		const char *seg = getenv("VOSTOK_TEST_WAL_SEGMENT_BYTES");
		const char *ckpt = getenv("VOSTOK_TEST_WAL_CHECKPOINT_BYTES");

		opts.wal_segment_bytes = seg != NULL ? strtoull(seg, NULL, 0) : 256u << 10;
		opts.wal_checkpoint_bytes = ckpt != NULL ? strtoull(ckpt, NULL, 0) : 1u << 20;
	}
	return vos_pool_create_opts(path, size_bytes, &opts, pool_out);
}

const char *test_dir(void)
{
	return dir;
}

const char *test_path(const char *file)
{
	snprintf(path_buf, sizeof(path_buf), "%s/%s", dir, file);
	return path_buf;
}

/* splitmix64 */
uint64_t test_rand(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t test_rand_below(uint64_t bound)
{
	return bound == 0 ? 0 : test_rand() % bound;
}

void test_fill(uint8_t *buf, size_t len, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + len;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (uint8_t)x;
	}
}

void test_flip_byte(const char *p, uint64_t offset)
{
	int fd = open(p, O_RDWR);
	uint8_t b;

	if (fd < 0 || pread(fd, &b, 1, (off_t)offset) != 1) {
		perror(p);
		exit(1);
	}
	b ^= 0x5a;
	if (pwrite(fd, &b, 1, (off_t)offset) != 1) {
		perror(p);
		exit(1);
	}
	fsync(fd);
	close(fd);
}

uint8_t *test_read_file(const char *p, size_t *len_out)
{
	struct stat st;
	uint8_t *buf;
	int fd = open(p, O_RDONLY);

	CHECK(fd >= 0 && fstat(fd, &st) == 0);
	buf = malloc((size_t)st.st_size + 1);
	CHECK(buf != NULL);
	CHECK(pread(fd, buf, (size_t)st.st_size, 0) == st.st_size);
	close(fd);
	*len_out = (size_t)st.st_size;
	return buf;
}
