/*
 * iterate.c: vos_iterate, an ordered walk over an object's live keys at an epoch.
 */
#include "vos_internal.h"

#include <string.h>

#define VALID_FLAGS                                                                          \
	(VOS_ITER_BACKWARD | VOS_ITER_HAS_ANCHOR | VOS_ITER_ANCHOR_INCLUSIVE |               \
	 VOS_ITER_KEYS_ONLY)

static uint64_t record_bytes(uint32_t key_len, uint32_t value_len)
{
	return (sizeof(vos_rec_hdr_t) + (uint64_t)key_len + value_len + 7u) & ~(uint64_t)7u;
}

static int start(const struct btr_tree *tree, struct btr_cursor *cur, const vos_iter_req_t *req,
		 const struct btr_key *anchor)
{
	bool backward = (req->flags & VOS_ITER_BACKWARD) != 0;
	bool inclusive = (req->flags & VOS_ITER_ANCHOR_INCLUSIVE) != 0;
	enum btr_probe_op op;

	if (anchor == NULL)
		op = backward ? BTR_PROBE_LAST : BTR_PROBE_FIRST;
	else if (backward)
		op = inclusive ? BTR_PROBE_LE : BTR_PROBE_LT;
	else
		op = inclusive ? BTR_PROBE_GE : BTR_PROBE_GT;
	return btr_probe(tree, cur, op, anchor);
}

static int walk(struct vos_pool *pool, const vos_iter_req_t *req, const struct btr_key *anchor,
		struct vos_obj_df *obj, uint8_t *out, uint64_t out_len, uint32_t *n_out,
		uint64_t *used_out, uint32_t *state_out)
{
	bool backward = (req->flags & VOS_ITER_BACKWARD) != 0;
	bool keys_only = (req->flags & VOS_ITER_KEYS_ONLY) != 0;
	struct btr_cursor cur;
	struct btr_tree tree;
	int rc;

	rc = vos_obj_keys(pool, obj, &tree);
	if (rc != VOS_OK)
		return rc;
	rc = start(&tree, &cur, req, anchor);
	for (; rc == VOS_OK; rc = backward ? btr_prev(&cur) : btr_next(&cur)) {
		struct vos_ver_df *ver;
		struct btr_key key;
		vos_rec_hdr_t hdr;
		uint32_t value_len;
		uint64_t size;

		rc = vos_ver_visible(pool, btr_cur_ent(&cur)->val, req->epoch, &ver);
		if (rc != VOS_OK)
			return rc;
		if (ver == NULL || (ver->flags & VOS_VER_TOMBSTONE))
			continue;
		/* A live key: it goes out, or the walk stops short of the end here. */
		if (req->records_max > 0 && *n_out >= req->records_max)
			return VOS_OK;
		rc = btr_cur_key(&cur, &key);
		if (rc != VOS_OK)
			return rc;
		value_len = keys_only ? 0 : ver->len;
		size = record_bytes(key.len, value_len);
		if (size > out_len - *used_out) {
			if (*n_out > 0)
				return VOS_OK;
			*used_out = size;
			return vos_fail(VOS_ERR_TRUNC,
					"the out buffer of %llu bytes cannot hold the first record; "
					"it needs %llu bytes", (unsigned long long)out_len,
					(unsigned long long)size);
		}
		if (!keys_only) {
			rc = vos_ver_verify(ver, umem_off(pool->um, ver));
			if (rc != VOS_OK)
				return rc;
		}
		hdr.key_int = key.len == 0 ? key.inl : 0;
		hdr.key_len = key.len;
		hdr.value_len = value_len;
		memcpy(out + *used_out, &hdr, sizeof(hdr));
		if (key.len > 0)
			memcpy(out + *used_out + sizeof(hdr), key.bytes, key.len);
		if (value_len > 0)
			memcpy(out + *used_out + sizeof(hdr) + key.len, ver->value, value_len);
		memset(out + *used_out + sizeof(hdr) + key.len + value_len, 0,
		       size - sizeof(hdr) - key.len - value_len);
		*used_out += size;
		(*n_out)++;
	}
	if (rc != VOS_ERR_NONEXIST)
		return vos_fail_context(rc, "the key tree of object %llu",
					(unsigned long long)obj->oid);
	*state_out = VOS_ITER_END;
	vos_clear_message();
	return VOS_OK;
}

VOS_EXPORT int vos_iterate(vos_pool_t *pool, const vos_iter_req_t *req, const uint8_t *anchor_key,
			   uint8_t *out, uint64_t out_len, uint32_t *n_out, uint64_t *used_out,
			   uint32_t *state_out)
{
	struct vos_cont_df *cont;
	struct vos_obj_df *obj;
	struct btr_cursor ocur;
	struct btr_key anchor;
	int rc;

	vos_clear_message();
	rc = vos_pool_check(pool);
	if (rc != VOS_OK)
		return rc;
	if (req == NULL || n_out == NULL || used_out == NULL || state_out == NULL ||
	    (out == NULL && out_len > 0))
		return vos_fail(VOS_ERR_INVAL, "req, n_out, used_out or state_out is NULL, or out "
				"is NULL with out_len above 0");
	*n_out = 0;
	*used_out = 0;
	*state_out = 0;
	if ((req->flags & ~(uint32_t)VALID_FLAGS) != 0)
		return vos_fail(VOS_ERR_INVAL, "unknown iteration flags 0x%x",
				req->flags & ~(uint32_t)VALID_FLAGS);
	rc = vos_pool_rdlock(pool);
	if (rc != VOS_OK)
		return rc;
	rc = vos_cont_get(pool, req->cont, &cont);
	if (rc == VOS_OK)
		rc = vos_obj_find(pool, cont, req->oid, &ocur, &obj);
	if (rc == VOS_OK)
		rc = vos_obj_check_epoch(obj, req->epoch);
	if (rc == VOS_OK && (req->flags & VOS_ITER_HAS_ANCHOR)) {
		if (obj->key_order == VOS_KEYS_LEXICAL && anchor_key == NULL)
			rc = vos_fail(VOS_ERR_INVAL, "the anchor flag is set but anchor_key is NULL");
		else
			rc = vos_obj_key(obj, req->anchor_int, anchor_key,
					 obj->key_order == VOS_KEYS_LEXICAL ? req->anchor_len : 0,
					 &anchor);
	}
	if (rc == VOS_OK)
		rc = walk(pool, req, (req->flags & VOS_ITER_HAS_ANCHOR) ? &anchor : NULL, obj,
			  out, out_len, n_out, used_out, state_out);
	vos_pool_unlock(pool);
	return rc;
}
