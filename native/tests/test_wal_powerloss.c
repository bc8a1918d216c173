/*
 * test_wal_powerloss.c: the power cut that tests of whole programs use (src/wal_powerloss.h).
 *
 * Before it, a simulator that crashed a replica closed its pool with everything the page cache
 * held: a missing fdatasync could not be seen. These check that the cut loses what was not
 * synced, in each of its ways (dropped, kept, torn at a sector), never what was synced, and
 * that a WAL pool cut mid-work opens again with every committed transaction.
 */
#include "check.h"

#include "wal_io.h"
#include "wal_powerloss.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECTOR 512u
#define OLD_SECTORS 8u
#define NEW_SECTORS 2u
#define FILE_SEEDS 200u
#define POOL_ROUNDS 40u
#define TXS_PER_ROUND 60u
#define POOL_BYTES (32ull << 20)
#define OID 1
#define KEYS 512u

static void sync_dir(void)
{
	int fd = wal_io->open(test_dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);

	CHECK(fd >= 0);
	CHECK(wal_io->fsync(fd) == 0);
	CHECK(wal_io->close(fd) == 0);
}

/* A file of 8 synced sectors of 'A'; then, unsynced, one write of 8 sectors of 'B' over them
 * and one of 2 sectors of 'C' after them. After the cut each of the first 8 sectors is A or
 * B, the B ones a prefix (one write, kept in part from its start); the file ends after the A
 * sectors or after some of the C ones, which hold C (or zeros: a size kept without its data). */
static void test_file(void)
{
	uint8_t a[OLD_SECTORS * SECTOR], b[OLD_SECTORS * SECTOR], c[NEW_SECTORS * SECTOR];
	uint32_t dropped = 0, kept = 0, torn = 0, reported_lost = 0;

	memset(a, 'A', sizeof(a));
	memset(b, 'B', sizeof(b));
	memset(c, 'C', sizeof(c));
	for (uint32_t seed = 1; seed <= FILE_SEEDS; seed++) {
		char name[32];
		const char *path;
		uint8_t *got;
		size_t len;
		uint32_t bs = 0;
		int fd, lost;

		snprintf(name, sizeof(name), "f%u", seed);
		path = test_path(name);
		fd = wal_io->open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		CHECK(fd >= 0);
		CHECK(wal_io->pwrite(fd, a, sizeof(a), 0) == (ssize_t)sizeof(a));
		CHECK(wal_io->fdatasync(fd) == 0);
		sync_dir();
		CHECK(wal_io->pwrite(fd, b, sizeof(b), 0) == (ssize_t)sizeof(b));
		CHECK(wal_io->pwrite(fd, c, sizeof(c), sizeof(a)) == (ssize_t)sizeof(c));
		CHECK(vos_test_powerloss_cut(path) == 1);
		/* Cut: nothing more reaches the file. */
		CHECK(wal_io->pwrite(fd, a, sizeof(a), 0) == (ssize_t)sizeof(a));
		CHECK(wal_io->fdatasync(fd) == 0);
		CHECK(wal_io->close(fd) == 0);
		lost = vos_test_powerloss_restore(path, seed);
		CHECK(lost == 0 || lost == 1);
		got = test_read_file(path, &len);
		CHECK(len >= sizeof(a) && len <= sizeof(a) + sizeof(c) && len % SECTOR == 0);
		for (uint32_t s = 0; s < OLD_SECTORS; s++) {
			bool is_b = memcmp(got + s * SECTOR, b, SECTOR) == 0;

			CHECK(is_b || memcmp(got + s * SECTOR, a, SECTOR) == 0);
			CHECK(!is_b || bs == s); /* the B sectors are a prefix */
			bs += is_b;
		}
		for (size_t at = sizeof(a); at < len; at += SECTOR) {
			static const uint8_t zero[SECTOR];

			CHECK(memcmp(got + at, c, SECTOR) == 0 || memcmp(got + at, zero, SECTOR) == 0);
		}
		bool whole = bs == OLD_SECTORS && len == sizeof(a) + sizeof(c) &&
			     memcmp(got + sizeof(a), c, sizeof(c)) == 0;
		CHECK(lost == (whole ? 0 : 1));
		reported_lost += (uint32_t)lost;
		dropped += bs == 0;
		kept += bs == OLD_SECTORS;
		torn += bs > 0 && bs < OLD_SECTORS;
		free(got);
		CHECK(unlink(path) == 0);
	}
	printf("file: %u seeds, %u lost something: B dropped %u, kept %u, torn %u\n", FILE_SEEDS,
	       reported_lost, dropped, kept, torn);
	CHECK(dropped > 0 && kept > 0 && torn > 0 && reported_lost < FILE_SEEDS);
}

/* A created file whose name was never made durable may be gone after the cut, and one whose
 * directory was synced is always there. */
static void test_names(void)
{
	uint32_t gone = 0;

	for (uint32_t seed = 1; seed <= 40; seed++) {
		char name[32];
		const char *path;
		struct stat st;
		int fd;

		snprintf(name, sizeof(name), "n%u", seed);
		path = test_path(name);
		fd = wal_io->open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		CHECK(fd >= 0);
		CHECK(wal_io->fdatasync(fd) == 0);
		CHECK(wal_io->close(fd) == 0);
		CHECK(vos_test_powerloss_cut(path) >= 0);
		CHECK(vos_test_powerloss_restore(path, seed) >= 0);
		if (stat(path, &st) != 0)
			gone++;
		else
			CHECK(unlink(path) == 0);
	}
	CHECK(gone > 0 && gone < 40);
	/* Synced: never undone. */
	{
		const char *path = test_path("durable");
		struct stat st;
		int fd = wal_io->open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

		CHECK(fd >= 0);
		CHECK(wal_io->close(fd) == 0);
		sync_dir();
		for (uint32_t seed = 1; seed <= 20; seed++) {
			CHECK(vos_test_powerloss_cut(path) >= 0);
			CHECK(vos_test_powerloss_restore(path, seed) == 0);
			CHECK(stat(path, &st) == 0);
		}
		CHECK(unlink(path) == 0);
	}
	printf("names: %u of 40 unsynced creations undone\n", gone);
}

static const uint8_t uuid[16] = { 0x7c, 0x01 };

static void put(vos_pool_t *pool, vos_cont_h cont, uint64_t i)
{
	uint8_t v[600];

	memcpy(v, &i, 8);
	test_fill(v + 8, sizeof(v) - 8, i);
	CHECK_OK(test_put(pool, cont, OID, 1, i % KEYS, v, sizeof(v)));
	CHECK_OK(test_put(pool, cont, OID, 1, KEYS, &i, 8));
}

/* A WAL pool cut in the middle of its work (small segments and checkpoints, so the background
 * thread is busy), closed, restored and opened again, round after round: every transaction
 * committed before the cut is there. */
static void test_pool(void)
{
	const char *path = test_path("pool");
	vos_pool_opts_t opts;
	vos_pool_t *pool;
	vos_cont_h cont;
	uint64_t next = 1;
	uint32_t lost_rounds = 0;

	memset(&opts, 0, sizeof(opts));
	opts.backend = VOS_BACKEND_WAL;
	opts.wal_segment_bytes = 1ull << 20;
	opts.wal_checkpoint_bytes = 4ull << 20;
	CHECK_OK(vos_pool_create_opts(path, POOL_BYTES, &opts, &pool));
	CHECK_OK(vos_cont_create(pool, uuid));
	CHECK_OK(vos_cont_open(pool, uuid, &cont));
	CHECK_OK(test_obj_create(pool, cont, OID, VOS_KEYS_INTEGER, 0));
	CHECK_OK(vos_pool_close(pool));
	for (uint32_t round = 1; round <= POOL_ROUNDS; round++) {
		int lost;

		CHECK_OK(vos_pool_open(path, &pool));
		CHECK_OK(vos_cont_open(pool, uuid, &cont));
		/* Every committed transaction so far is there. */
		for (uint64_t k = 0; k < KEYS && k + 1 < next; k++) {
			/* The newest transaction that wrote key (next - 1 - k) % KEYS. */
			uint64_t i = next - 1 - k;
			uint8_t got[600], want[600];
			int32_t status;
			uint32_t len;

			CHECK_OK(test_get(pool, cont, OID, 1, i % KEYS, got, sizeof(got), &status, &len));
			CHECK(status == VOS_OK && len == sizeof(got));
			memcpy(want, &i, 8);
			test_fill(want + 8, sizeof(want) - 8, i);
			CHECK(memcmp(got, want, sizeof(got)) == 0);
		}
		for (uint32_t t = 0; t < TXS_PER_ROUND; t++)
			put(pool, cont, next++);
		CHECK(vos_test_powerloss_cut(path) > 0);
		CHECK_OK(vos_pool_close(pool));
		lost = vos_test_powerloss_restore(path, round);
		CHECK(lost >= 0);
		lost_rounds += lost > 0;
	}
	printf("pool: %u rounds, %u of them lost unsynced writes\n", POOL_ROUNDS, lost_rounds);
}

int main(void)
{
	test_init("wal_powerloss", true);
	CHECK(vos_test_powerloss_cut(test_path("x")) == -1); /* not installed: refused */
	CHECK(vos_test_powerloss_install() == 0);
	test_file();
	test_names();
	test_pool();
	return 0;
}
