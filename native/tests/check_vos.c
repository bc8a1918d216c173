/*
 * check_vos.c: helpers that build operations and make one-key calls through the public ABI.
 */
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

vos_op_t test_op(uint32_t kind, vos_cont_h cont, uint64_t oid, uint64_t epoch)
{
	vos_op_t op;

	memset(&op, 0, sizeof(op));
	op.kind = kind;
	op.cont = cont;
	op.oid = oid;
	op.epoch = epoch;
	return op;
}

vos_op_t test_op_update_int(vos_cont_h cont, uint64_t oid, uint64_t epoch, uint64_t key,
			    uint64_t value_off, uint32_t value_len)
{
	vos_op_t op = test_op(VOS_OP_UPDATE, cont, oid, epoch);

	op.key_int = key;
	op.value_off = value_off;
	op.value_len = value_len;
	return op;
}

int test_put(vos_pool_t *pool, vos_cont_h cont, uint64_t oid, uint64_t epoch, uint64_t key,
	     const void *value, uint32_t len)
{
	vos_op_t op = test_op_update_int(cont, oid, epoch, key, 0, len);
	uint8_t empty = 0;

	return vos_tx_apply(pool, &op, 1, len > 0 ? value : &empty, len, NULL);
}

int test_get(vos_pool_t *pool, vos_cont_h cont, uint64_t oid, uint64_t epoch, uint64_t key,
	     void *buf, uint32_t buf_len, int32_t *status_out, uint32_t *len_out)
{
	vos_fetch_req_t req;
	uint8_t nokeys = 0;
	int rc;

	memset(&req, 0, sizeof(req));
	req.cont = cont;
	req.oid = oid;
	req.epoch = epoch;
	req.key_int = key;
	rc = vos_fetch(pool, &req, 1, &nokeys, 0, buf, buf_len);
	if (status_out != NULL)
		*status_out = req.status;
	if (len_out != NULL)
		*len_out = req.value_len;
	return rc;
}

int test_obj_create(vos_pool_t *pool, vos_cont_h cont, uint64_t oid, uint32_t key_order,
		    uint64_t epoch)
{
	vos_op_t op = test_op(VOS_OP_OBJ_CREATE, cont, oid, epoch);
	uint8_t empty = 0;

	op.key_order = key_order;
	return vos_tx_apply(pool, &op, 1, &empty, 0, NULL);
}


void test_scrub_clean(vos_pool_t *pool)
{
	vos_scrub_t *s = calloc(1, sizeof(*s));
	int rc;

	CHECK(s != NULL);
	rc = vos_pool_scrub(pool, NULL, s);
	for (uint32_t i = 0; i < s->messages; i++)
		fprintf(stderr, "scrub: %s\n", s->message[i]);
	CHECK_OK(rc);
	CHECK(s->done && s->problems == 0);
	free(s);
}
