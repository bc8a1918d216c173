/*
 * fetch.c: vos_fetch, a batch of point reads.
 */
#include "vos_internal.h"

#include <string.h>

#define VALUE_ALIGN 8u

static uint64_t align_up(uint64_t n)
{
	return (n + VALUE_ALIGN - 1) & ~(uint64_t)(VALUE_ALIGN - 1);
}

/* The object of the previous request, so a batch on one object looks it up once. */
struct obj_memo {
	vos_cont_h         cont;
	uint64_t           oid;
	int                rc;
	struct vos_obj_df *obj;
	bool               valid;
};

static int memo_obj(struct vos_pool *pool, struct obj_memo *memo, vos_cont_h cont, uint64_t oid)
{
	struct vos_cont_df *df;
	struct btr_cursor ocur;

	if (memo->valid && memo->cont == cont && memo->oid == oid)
		return memo->rc;
	memo->valid = true;
	memo->cont = cont;
	memo->oid = oid;
	memo->obj = NULL;
	memo->rc = vos_cont_get(pool, cont, &df);
	if (memo->rc == VOS_OK)
		memo->rc = vos_obj_find(pool, df, oid, &ocur, &memo->obj);
	return memo->rc;
}

/* Looks up one request; on VOS_OK, *ver_out is its live version or NULL (absent). */
static int fetch_one(struct vos_pool *pool, struct obj_memo *memo, const vos_fetch_req_t *req,
		     const uint8_t *keys, struct vos_ver_df **ver_out)
{
	struct btr_cursor kcur;
	struct btr_tree tree;
	struct btr_key key;
	int rc;

	*ver_out = NULL;
	rc = memo_obj(pool, memo, req->cont, req->oid);
	if (rc == VOS_OK)
		rc = vos_obj_check_epoch(memo->obj, req->epoch);
	if (rc == VOS_OK)
		rc = vos_obj_key(memo->obj, req->key_int,
				 req->key_len > 0 ? keys + req->key_off : NULL, req->key_len, &key);
	if (rc == VOS_OK)
		rc = vos_obj_keys(pool, memo->obj, &tree);
	if (rc != VOS_OK)
		return rc;
	rc = btr_probe(&tree, &kcur, BTR_PROBE_EQ, &key);
	if (rc == VOS_ERR_NONEXIST)
		return VOS_OK;
	if (rc != VOS_OK)
		return vos_fail_context(rc, "the key tree of object %llu",
					(unsigned long long)memo->obj->oid);
	if (rc == VOS_OK)
		rc = vos_ver_visible(pool, btr_cur_ent(&kcur)->val, req->epoch, ver_out);
	if (rc == VOS_OK && *ver_out != NULL && ((*ver_out)->flags & VOS_VER_TOMBSTONE))
		*ver_out = NULL;
	return rc;
}

VOS_EXPORT int vos_fetch(vos_pool_t *pool, vos_fetch_req_t *reqs, uint32_t n,
			 const uint8_t *keys, uint64_t keys_len, uint8_t *out, uint64_t out_len)
{
	struct obj_memo memo = { .valid = false };
	uint64_t used = 0;
	bool full = false;
	int rc;

	vos_clear_message();
	rc = vos_pool_check(pool);
	if (rc != VOS_OK)
		return rc;
	if (reqs == NULL || n == 0)
		return vos_fail(VOS_ERR_INVAL, "no requests (reqs is NULL or n is 0)");
	if (n > VOS_TX_OPS_MAX)
		return vos_fail(VOS_ERR_TOOBIG, "%u requests in one call; at most %u "
				"(VOS_TX_OPS_MAX)", n, VOS_TX_OPS_MAX);
	if (out == NULL && out_len > 0)
		return vos_fail(VOS_ERR_INVAL, "out is NULL but out_len is %llu",
				(unsigned long long)out_len);
	for (uint32_t i = 0; i < n; i++) {
		const vos_fetch_req_t *req = &reqs[i];

		if (req->key_len > VOS_KEY_BYTES_MAX)
			return vos_fail(VOS_ERR_TOOBIG,
					"request %u: a key of %u bytes is longer than %u bytes "
					"(VOS_KEY_BYTES_MAX)", i, req->key_len, VOS_KEY_BYTES_MAX);
		if (req->key_len > 0 &&
		    (keys == NULL || req->key_off > keys_len || req->key_len > keys_len - req->key_off))
			return vos_fail(VOS_ERR_INVAL,
					"request %u: its key [%llu, +%u) lies outside the keys "
					"buffer of %llu bytes", i, (unsigned long long)req->key_off,
					req->key_len, (unsigned long long)(keys == NULL ? 0 : keys_len));
	}

	rc = vos_pool_rdlock(pool);
	if (rc != VOS_OK)
		return rc;
	for (uint32_t i = 0; i < n; i++) {
		vos_fetch_req_t *req = &reqs[i];
		struct vos_ver_df *ver;
		uint64_t at;

		req->value_off = 0;
		req->value_len = 0;
		req->reserved = 0;
		rc = fetch_one(pool, &memo, req, keys, &ver);
		if (rc != VOS_OK) {
			req->status = rc;
			continue;
		}
		if (ver == NULL) {
			req->status = VOS_ABSENT;
			continue;
		}
		req->value_len = ver->len;
		/* Once one value does not fit, no later one is placed either, so the values
		 * returned are always those of a prefix of the batch. */
		at = align_up(used);
		if (full || at > out_len || ver->len > out_len - at) {
			full = true;
			req->status = VOS_ERR_TRUNC;
			vos_fail(VOS_ERR_TRUNC, "request %u: its value of %u bytes did not fit in "
				 "what was left of the out buffer", i, ver->len);
			continue;
		}
		rc = vos_ver_verify(ver, umem_off(pool->um, ver));
		if (rc != VOS_OK) {
			req->status = rc;
			continue;
		}
		memcpy(out + at, ver->value, ver->len);
		req->value_off = at;
		req->status = VOS_OK;
		used = at + ver->len;
	}
	vos_pool_unlock(pool);
	return VOS_OK;
}
