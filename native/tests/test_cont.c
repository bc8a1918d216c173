/*
 * test_cont: containers and their handles: create, list (in UUID byte order, with TRUNC when
 * the buffer is short), open, close, destroy (BUSY while open, its space given back), and
 * handles that are closed, never opened, from another pool or from an earlier open of the
 * same pool: every call that takes a handle answers BADHANDLE, never a crash.
 */
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static vos_pool_t *pool;

static uint64_t free_bytes(vos_pool_t *p)
{
	vos_pool_info_t info;

	CHECK_OK(vos_pool_query(p, &info));
	return info.free_bytes;
}

static void uuid_of(uint8_t uuid[16], uint32_t n)
{
	memset(uuid, 0, 16);
	uuid[0] = (uint8_t)(n * 37);
	uuid[15] = (uint8_t)n;
}

/* Every call that takes a container handle refuses h. */
static void check_bad_handle(vos_pool_t *p, vos_cont_h h)
{
	vos_op_t op = test_op_update_int(h, 1, 5, 1, 0, 1);
	vos_agg_cursor_t *cursor = calloc(1, sizeof(*cursor));
	vos_fetch_req_t req;
	vos_iter_req_t it;
	uint8_t out[64], v = 1;
	uint32_t n, state, done, failed;
	uint64_t used;

	CHECK(cursor != NULL);
	CHECK_RC(vos_tx_apply(p, &op, 1, &v, 1, &failed), VOS_ERR_BADHANDLE);
	CHECK(failed == 0);
	CHECK(strstr(vos_last_message(), "not open") != NULL);
	memset(&req, 0, sizeof(req));
	req.cont = h;
	req.oid = 1;
	req.epoch = 5;
	CHECK_OK(vos_fetch(p, &req, 1, NULL, 0, out, sizeof(out)));
	CHECK(req.status == VOS_ERR_BADHANDLE);
	memset(&it, 0, sizeof(it));
	it.cont = h;
	it.oid = 1;
	it.epoch = 5;
	CHECK_RC(vos_iterate(p, &it, NULL, out, sizeof(out), &n, &used, &state),
		 VOS_ERR_BADHANDLE);
	CHECK_RC(vos_discard(p, h, 1), VOS_ERR_BADHANDLE);
	CHECK_RC(vos_aggregate(p, h, 5, cursor, 10, &done), VOS_ERR_BADHANDLE);
	CHECK_RC(vos_cont_close(p, h), VOS_ERR_BADHANDLE);
	free(cursor);
}

static void test_create_list(void)
{
	uint8_t uuids[16 * 40], uuid[16];
	uint32_t count;

	CHECK_OK(vos_cont_list(pool, uuids, 40, &count));
	CHECK(count == 0);
	for (uint32_t i = 1; i <= 30; i++) {
		uuid_of(uuid, i);
		CHECK_OK(vos_cont_create(pool, uuid));
	}
	uuid_of(uuid, 7);
	CHECK_RC(vos_cont_create(pool, uuid), VOS_ERR_EXIST);
	CHECK(strstr(vos_last_message(), "exists") != NULL);
	CHECK_OK(vos_cont_list(pool, uuids, 40, &count));
	CHECK(count == 30);
	for (uint32_t i = 1; i < count; i++)
		CHECK(memcmp(uuids + 16 * (i - 1), uuids + 16 * i, 16) < 0);
	/* A short buffer: the first ones, the total, and TRUNC. */
	{
		uint8_t few[16 * 5];

		CHECK_RC(vos_cont_list(pool, few, 5, &count), VOS_ERR_TRUNC);
		CHECK(count == 30);
		CHECK(memcmp(few, uuids, sizeof(few)) == 0);
		CHECK_RC(vos_cont_list(pool, NULL, 0, &count), VOS_ERR_TRUNC);
		CHECK(count == 30);
	}
	CHECK_RC(vos_cont_list(pool, NULL, 3, &count), VOS_ERR_INVAL);
	CHECK_RC(vos_cont_create(pool, NULL), VOS_ERR_INVAL);
	{
		vos_pool_info_t info;

		CHECK_OK(vos_pool_query(pool, &info));
		CHECK(info.containers == 30);
	}
}

static void test_open_close_destroy(void)
{
	uint8_t uuid[16], missing[16];
	vos_cont_h a, b;
	uint64_t before;
	uint32_t count;

	uuid_of(missing, 99);
	CHECK_RC(vos_cont_open(pool, missing, &a), VOS_ERR_NONEXIST);
	CHECK(strstr(vos_last_message(), "no container") != NULL);
	CHECK_RC(vos_cont_destroy(pool, missing), VOS_ERR_NONEXIST);

	/* Two handles to one container; destroy waits for both to close. */
	uuid_of(uuid, 100);
	before = free_bytes(pool);
	CHECK_OK(vos_cont_create(pool, uuid));
	CHECK_OK(vos_cont_open(pool, uuid, &a));
	CHECK_OK(vos_cont_open(pool, uuid, &b));
	CHECK(a != 0 && b != 0 && a != b);
	CHECK_OK(test_obj_create(pool, a, 1, VOS_KEYS_INTEGER, 1));
	for (uint64_t k = 0; k < 2000; k++) {
		uint8_t v[100];

		test_fill(v, sizeof(v), k);
		CHECK_OK(test_put(pool, b, 1, 2, k, v, sizeof(v)));
	}
	CHECK_OK(vos_cont_close(pool, a));
	check_bad_handle(pool, a);
	CHECK_RC(vos_cont_destroy(pool, uuid), VOS_ERR_BUSY);
	CHECK(strstr(vos_last_message(), "open") != NULL);
	CHECK_OK(test_get(pool, b, 1, 2, 5, NULL, 0, NULL, NULL));
	CHECK_OK(vos_cont_close(pool, b));
	CHECK_OK(vos_cont_destroy(pool, uuid));
	/* Every byte of the container comes back. */
	CHECK(free_bytes(pool) == before);
	CHECK_RC(vos_cont_open(pool, uuid, &a), VOS_ERR_NONEXIST);
	CHECK_RC(vos_cont_list(pool, NULL, 0, &count), VOS_ERR_TRUNC);
	CHECK(count == 30);
	check_bad_handle(pool, b);
	check_bad_handle(pool, 0);
	check_bad_handle(pool, 0x123456789abcdefull);
}

static void test_handle_limit(void)
{
	vos_cont_h *h = calloc(VOS_CONT_OPEN_MAX, sizeof(*h));
	uint8_t uuid[16];
	vos_cont_h extra;

	CHECK(h != NULL);
	uuid_of(uuid, 3);
	for (uint32_t i = 0; i < VOS_CONT_OPEN_MAX; i++)
		CHECK_OK(vos_cont_open(pool, uuid, &h[i]));
	CHECK_RC(vos_cont_open(pool, uuid, &extra), VOS_ERR_TOOBIG);
	CHECK(strstr(vos_last_message(), "VOS_CONT_OPEN_MAX") != NULL);
	CHECK_OK(vos_cont_close(pool, h[10]));
	CHECK_OK(vos_cont_open(pool, uuid, &extra));
	/* A reused slot gives a new handle; the old one stays closed. */
	CHECK(extra != h[10]);
	check_bad_handle(pool, h[10]);
	h[10] = extra;
	for (uint32_t i = 0; i < VOS_CONT_OPEN_MAX; i++)
		CHECK_OK(vos_cont_close(pool, h[i]));
	free(h);
}

static void test_other_pools(void)
{
	uint8_t uuid[16];
	vos_pool_t *other;
	vos_cont_h here, there;

	uuid_of(uuid, 4);
	CHECK_OK(test_pool_create(test_path("other.pool"), 16u << 20, &other));
	CHECK_OK(vos_cont_create(other, uuid));
	CHECK_OK(vos_cont_open(other, uuid, &there));
	CHECK_OK(vos_cont_open(pool, uuid, &here));
	/* A handle is only good in the pool that gave it. */
	check_bad_handle(pool, there);
	check_bad_handle(other, here);
	CHECK_OK(vos_cont_close(other, there));
	CHECK_OK(vos_pool_close(other));
	/* Closing a pool closes its handles: after reopening, the old one is refused. */
	CHECK_OK(vos_pool_close(pool));
	CHECK_OK(vos_pool_open(test_path("cont.pool"), &pool));
	check_bad_handle(pool, here);
	CHECK_OK(vos_cont_open(pool, uuid, &here));
	CHECK_OK(vos_cont_close(pool, here));
}

int main(void)
{
	test_init("cont", true);
	CHECK_OK(test_pool_create(test_path("cont.pool"), 64ull << 20, &pool));
	test_create_list();
	test_open_close_destroy();
	test_handle_limit();
	test_other_pools();
	CHECK_OK(vos_pool_close(pool));
	printf("test_cont: OK\n");
	return 0;
}
