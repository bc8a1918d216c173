/*
 * test_corrupt: damage in the pool file is reported, never handed out and never followed.
 * Bytes are flipped in the pool file, outside the library, at places found by searching the
 * file: inside a stored value, in a version's epoch, magic and length, and in the magic of
 * index nodes. Fetch and iterate answer CORRUPT for the damaged value (and leave the caller's
 * buffer alone), every other value still reads back, and damaged index nodes give CORRUPT
 * instead of a crash.
 */
#include "check.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEYS 64u
#define VALUE_BYTES 300u

/* Offsets inside a stored version record (struct vos_ver_df): the value follows a 32-byte
 * header with the epoch at 8, the length at 16 and the magic at 22. */
#define VER_HDR_BYTES 32u
#define VER_EPOCH_AT 8u
#define VER_LEN_AT 16u
#define VER_MAGIC_AT 22u

static vos_pool_t *pool;
static vos_cont_h cont;
static const uint8_t uuid[16] = { 0xc0, 0x22 };

static void value_of(uint64_t key, uint8_t *buf)
{
	test_fill(buf, VALUE_BYTES, key);
	/* A marker that is unique in the file: "VALUE-MARK" and the key. */
	memcpy(buf, "VALUE-MARK", 10);
	memcpy(buf + 10, &key, 8);
}

static uint8_t *read_file(const char *path, size_t *len_out)
{
	struct stat st;
	uint8_t *buf;
	int fd = open(path, O_RDONLY);

	CHECK(fd >= 0 && fstat(fd, &st) == 0);
	buf = malloc((size_t)st.st_size);
	CHECK(buf != NULL);
	CHECK(pread(fd, buf, (size_t)st.st_size, 0) == st.st_size);
	close(fd);
	*len_out = (size_t)st.st_size;
	return buf;
}

/* The file offset of key's value. */
static uint64_t find_value(const char *path, uint64_t key)
{
	uint8_t marker[18];
	size_t len;
	uint8_t *file = read_file(path, &len);
	uint64_t at = 0;

	memcpy(marker, "VALUE-MARK", 10);
	memcpy(marker + 10, &key, 8);
	for (size_t i = 0; i + sizeof(marker) <= len; i++) {
		if (memcmp(file + i, marker, sizeof(marker)) == 0) {
			CHECK(at == 0); /* exactly one copy */
			at = i;
		}
	}
	free(file);
	CHECK(at != 0);
	return at;
}

static void open_pool(void)
{
	CHECK_OK(vos_pool_open(test_path("corrupt.pool"), &pool));
	CHECK_OK(vos_cont_open(pool, uuid, &cont));
}

/* key's fetch status; for VOS_OK the bytes are checked. The out buffer outside a returned
 * value keeps its fill, so a damaged value never lands in it. */
static int32_t fetch(uint64_t key)
{
	static uint8_t out[VALUE_BYTES + 64], want[VALUE_BYTES];
	int32_t status;
	uint32_t len;

	memset(out, 0xee, sizeof(out));
	CHECK_OK(test_get(pool, cont, 1, VOS_EPOCH_MAX, key, out, sizeof(out), &status, &len));
	if (status == VOS_OK) {
		value_of(key, want);
		CHECK(len == VALUE_BYTES && memcmp(out, want, VALUE_BYTES) == 0);
	} else {
		for (size_t i = 0; i < sizeof(out); i++)
			CHECK(out[i] == 0xee);
	}
	return status;
}

static int iterate_all(uint32_t flags)
{
	static uint8_t out[KEYS * (VALUE_BYTES + 32)];
	vos_iter_req_t req;
	uint32_t n, state;
	uint64_t used;

	memset(&req, 0, sizeof(req));
	req.cont = cont;
	req.oid = 1;
	req.epoch = VOS_EPOCH_MAX;
	req.flags = flags;
	return vos_iterate(pool, &req, NULL, out, sizeof(out), &n, &used, &state);
}

static void check_others(uint64_t damaged_a, uint64_t damaged_b)
{
	for (uint64_t k = 0; k < KEYS; k++)
		if (k != damaged_a && k != damaged_b)
			CHECK(fetch(k) == VOS_OK);
}

int main(void)
{
	const char *path;
	uint64_t at;

	test_init("corrupt", true);
	path = strdup(test_path("corrupt.pool"));
	CHECK_OK(test_pool_create(path, 32ull << 20, &pool));
	CHECK_OK(vos_cont_create(pool, uuid));
	CHECK_OK(vos_cont_open(pool, uuid, &cont));
	CHECK_OK(test_obj_create(pool, cont, 1, VOS_KEYS_INTEGER, 1));
	for (uint64_t k = 0; k < KEYS; k++) {
		uint8_t v[VALUE_BYTES];

		value_of(k, v);
		CHECK_OK(test_put(pool, cont, 1, 2, k, v, VALUE_BYTES));
	}
	CHECK_OK(vos_pool_close(pool));

	/* A byte in the middle of key 10's value. */
	test_flip_byte(path, find_value(path, 10) + VALUE_BYTES / 2);
	open_pool();
	CHECK(fetch(10) == VOS_ERR_CORRUPT);
	CHECK(strstr(vos_last_message(), "checksum") != NULL);
	check_others(10, 10);
	CHECK_RC(iterate_all(0), VOS_ERR_CORRUPT);
	/* Keys alone can still be listed: no value bytes are handed out. */
	CHECK_OK(iterate_all(VOS_ITER_KEYS_ONLY));
	/* Rewriting the key at a newer epoch makes it readable again. */
	{
		uint8_t v[VALUE_BYTES];

		value_of(10, v);
		CHECK_OK(test_put(pool, cont, 1, 3, 10, v, VALUE_BYTES));
		CHECK(fetch(10) == VOS_OK);
		CHECK_OK(iterate_all(0));
	}
	CHECK_OK(vos_pool_close(pool));

	/* The epoch of key 20's version: covered by the checksum. */
	at = find_value(path, 20) - VER_HDR_BYTES;
	test_flip_byte(path, at + VER_EPOCH_AT);
	/* The magic of key 21's version, and the length of key 22's. */
	test_flip_byte(path, find_value(path, 21) - VER_HDR_BYTES + VER_MAGIC_AT);
	test_flip_byte(path, find_value(path, 22) - VER_HDR_BYTES + VER_LEN_AT + 3);
	open_pool();
	CHECK(fetch(20) == VOS_ERR_CORRUPT);
	CHECK(fetch(21) == VOS_ERR_CORRUPT);
	CHECK(strstr(vos_last_message(), "damaged") != NULL);
	CHECK(fetch(22) == VOS_ERR_CORRUPT);
	for (uint64_t k = 23; k < KEYS; k++)
		CHECK(fetch(k) == VOS_OK);
	CHECK_OK(vos_pool_close(pool));

	/* Every index node's magic: opening still works (the root is sound), using the
	 * container table or an object's keys gives CORRUPT. */
	{
		size_t len, flipped = 0;
		uint8_t *file = read_file(path, &len);
		static const uint8_t node_magic[4] = { 'B', 'T', 'R', 'N' };

		for (size_t i = 0; i + 4 <= len; i += 8) {
			if (memcmp(file + i, node_magic, 4) == 0) {
				test_flip_byte(path, i);
				flipped++;
			}
		}
		free(file);
		CHECK(flipped >= 3);
	}
	CHECK_OK(vos_pool_open(path, &pool));
	CHECK_RC(vos_cont_open(pool, uuid, &cont), VOS_ERR_CORRUPT);
	CHECK(strstr(vos_last_message(), "index node") != NULL);
	{
		uint32_t count;
		uint8_t list[16 * 4];

		CHECK_RC(vos_cont_list(pool, list, 4, &count), VOS_ERR_CORRUPT);
	}
	CHECK_OK(vos_pool_close(pool));
	free((void *)path);
	printf("test_corrupt: OK\n");
	return 0;
}
