/*
 * check.h: the tests' small harness: checks that stop the test with the file, line and the
 * library's last message, a fresh temporary directory removed at exit, and a seeded PRNG.
 */
#ifndef VOSTOK_CHECK_H
#define VOSTOK_CHECK_H

#include "vostok/vos.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

_Noreturn void check_failed(const char *file, int line, const char *what);
_Noreturn void check_failed_rc(const char *file, int line, const char *expr, int got, int want);

#define CHECK(cond)                                                                          \
	do {                                                                                 \
		if (!(cond))                                                                 \
			check_failed(__FILE__, __LINE__, #cond);                             \
	} while (0)

/* Evaluates expr once and checks it returned want (a VOS_* code). */
#define CHECK_RC(expr, want)                                                                 \
	do {                                                                                 \
		int check_rc_ = (expr);                                                      \
		if (check_rc_ != (want))                                                     \
			check_failed_rc(__FILE__, __LINE__, #expr, check_rc_, (want));       \
	} while (0)

#define CHECK_OK(expr) CHECK_RC(expr, VOS_OK)

/* Sets PMEM_IS_PMEM_FORCE (before any pmemobj call), makes a fresh temporary directory that
 * is removed at exit, and seeds the PRNG from VOSTOK_TEST_SEED or the clock (printed, so a
 * failing run can be repeated). The backend for test_pool_create() comes from
 * VOSTOK_TEST_BACKEND: "pmem" (the default) or "wal". */
void test_init(const char *name, bool pmem_force);

/* VOS_BACKEND_PMEM or VOS_BACKEND_WAL, as VOSTOK_TEST_BACKEND says. */
uint32_t test_backend(void);

/* Creates a pool with the test's backend. WAL pools get small segments and frequent
 * checkpoints, so that every test also runs segment changes and checkpoints:
 * VOSTOK_TEST_WAL_SEGMENT_BYTES (default 256 KiB) and VOSTOK_TEST_WAL_CHECKPOINT_BYTES
 * (default 1 MiB). */
int test_pool_create(const char *path, uint64_t size_bytes, vos_pool_t **pool_out);

/* The temporary directory, and a path inside it. */
const char *test_dir(void);
const char *test_path(const char *file);

uint64_t test_rand(void);
uint64_t test_rand_below(uint64_t bound);

/* Fills buf with bytes derived from (seed, len), so a reader can check them. */
void test_fill(uint8_t *buf, size_t len, uint64_t seed);

/* Builds an operation. */
vos_op_t test_op_update_int(vos_cont_h cont, uint64_t oid, uint64_t epoch, uint64_t key,
			    uint64_t value_off, uint32_t value_len);
vos_op_t test_op(uint32_t kind, vos_cont_h cont, uint64_t oid, uint64_t epoch);

/* Updates one integer key (one transaction) / fetches one integer key into buf. Returns the
 * call's code; for fetch, *status_out gets the request's status. */
int test_put(vos_pool_t *pool, vos_cont_h cont, uint64_t oid, uint64_t epoch, uint64_t key,
	     const void *value, uint32_t len);
int test_get(vos_pool_t *pool, vos_cont_h cont, uint64_t oid, uint64_t epoch, uint64_t key,
	     void *buf, uint32_t buf_len, int32_t *status_out, uint32_t *len_out);
int test_obj_create(vos_pool_t *pool, vos_cont_h cont, uint64_t oid, uint32_t key_order,
		    uint64_t epoch);

/* The whole file at path, in a buffer to free(); its length in *len_out. */
uint8_t *test_read_file(const char *path, size_t *len_out);

/* A whole scrub pass of pool must find nothing wrong; on a problem, prints them all and fails
 * the test. */
void test_scrub_clean(vos_pool_t *pool);

/* Flips one byte of a file. */
void test_flip_byte(const char *path, uint64_t offset);

#endif /* VOSTOK_CHECK_H */
