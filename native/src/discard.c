/*
 * discard.c: removing every version at or above an epoch from a container.
 *
 * Raft log truncation discards a few recent epochs from a container that may hold millions of
 * keys. The object index and every key tree keep, in each entry, the greatest epoch below it,
 * so the search visits only objects and keys written at or above the epoch (btr_find_epoch),
 * and the cost follows what is removed, not what is kept.
 */
#include "vos_internal.h"

#include <string.h>

/* A key copied out of the pool, to resume a search after its entry changed or went away. */
struct key_copy {
	struct btr_key key;
	uint8_t        bytes[VOS_KEY_BYTES_MAX];
};

static int key_save(struct btr_cursor *cur, struct key_copy *copy)
{
	struct btr_key k;
	int rc = btr_cur_key(cur, &k);

	if (rc != VOS_OK)
		return rc;
	if (k.len == 0) {
		btr_key_int(&copy->key, k.inl);
		return VOS_OK;
	}
	memcpy(copy->bytes, k.bytes, k.len);
	btr_key_bytes(&copy->key, copy->bytes, k.len);
	return VOS_OK;
}

/* Drops the versions at or above from of the key at kcur; deletes the key if none remain
 * (*deleted_out, and kcur is no longer positioned). */
static int discard_key(struct vos_pool *pool, struct btr_cursor *kcur, uint64_t from,
		       bool *deleted_out)
{
	umem_off_t head = btr_cur_ent(kcur)->val;
	umem_off_t off = head;
	struct vos_ver_df *ver = NULL;
	int rc;

	*deleted_out = false;
	while (off != UMEM_OFF_NULL) {
		umem_off_t next;

		rc = vos_ver_at(pool, off, &ver);
		if (rc != VOS_OK)
			return rc;
		if (ver->epoch < from)
			break;
		next = ver->next;
		rc = umem_free(pool->um, off);
		if (rc != VOS_OK)
			return rc;
		off = next;
	}
	if (off == head)
		return VOS_OK;
	if (off == UMEM_OFF_NULL) {
		*deleted_out = true;
		return btr_cur_delete(kcur);
	}
	rc = btr_cur_set_val(kcur, off);
	if (rc == VOS_OK)
		rc = btr_cur_set_epoch(kcur, ver->epoch);
	return rc;
}

static int discard_obj(struct vos_pool *pool, struct vos_obj_df *obj, uint64_t from)
{
	static _Thread_local struct key_copy after;
	struct btr_cursor kcur;
	struct btr_tree keys;
	bool deleted = false;
	int rc;

	rc = vos_obj_keys(pool, obj, &keys);
	if (rc != VOS_OK)
		return rc;
	if (obj->punch_epoch != VOS_EPOCH_MAX && obj->punch_epoch >= from) {
		rc = vos_obj_add(pool, obj, &obj->punch_epoch);
		if (rc != VOS_OK)
			return rc;
		obj->punch_epoch = VOS_EPOCH_MAX;
	}
	rc = btr_find_epoch(&keys, &kcur, from, NULL);
	for (;;) {
		pool->discard_visits += kcur.visits;
		if (rc == VOS_ERR_NONEXIST)
			return VOS_OK;
		if (rc != VOS_OK)
			return rc;
		rc = key_save(&kcur, &after);
		if (rc == VOS_OK)
			rc = discard_key(pool, &kcur, from, &deleted);
		if (rc != VOS_OK)
			return rc;
		/* Carry on from where the cursor stands, unless a deletion reshaped the tree:
		 * then search again from the key. */
		if (deleted && !btr_cur_positioned(&kcur))
			rc = btr_find_epoch(&keys, &kcur, from, &after.key);
		else
			rc = btr_find_epoch_next(&kcur, from);
	}
}

int vos_cont_discard(struct vos_pool *pool, struct vos_cont_df *cont, uint64_t from)
{
	struct btr_cursor ocur;
	struct btr_tree objs;
	struct btr_key after;
	int rc;

	rc = vos_cont_objs(pool, cont, &objs);
	if (rc != VOS_OK)
		return rc;
	rc = btr_find_epoch(&objs, &ocur, from, NULL);
	for (;;) {
		struct vos_obj_df *obj;
		struct btr_tree keys;
		uint64_t newest;

		pool->discard_visits += ocur.visits;
		if (rc == VOS_ERR_NONEXIST)
			return VOS_OK;
		if (rc != VOS_OK)
			return rc;
		btr_key_int(&after, btr_cur_ent(&ocur)->inl);
		rc = vos_obj_at(pool, btr_cur_ent(&ocur)->val, &obj);
		if (rc != VOS_OK)
			return rc;
		if (obj->create_epoch >= from) {
			/* Created at or above the epoch: everything in it is too. */
			rc = vos_obj_free(pool, obj);
			if (rc == VOS_OK)
				rc = btr_cur_delete(&ocur);
			if (rc == VOS_OK && btr_cur_positioned(&ocur))
				rc = btr_find_epoch_next(&ocur, from);
			else if (rc == VOS_OK)
				rc = btr_find_epoch(&objs, &ocur, from, &after);
			continue;
		}
		rc = discard_obj(pool, obj, from);
		if (rc == VOS_OK)
			rc = vos_obj_keys(pool, obj, &keys);
		if (rc == VOS_OK)
			rc = btr_max_epoch(&keys, &newest);
		if (rc != VOS_OK)
			return rc;
		if (newest < obj->create_epoch)
			newest = obj->create_epoch;
		if (obj->punch_epoch != VOS_EPOCH_MAX && newest < obj->punch_epoch)
			newest = obj->punch_epoch;
		/* The object index did not change shape since ocur was positioned. */
		rc = btr_cur_set_epoch(&ocur, newest);
		if (rc != VOS_OK)
			return rc;
		rc = btr_find_epoch_next(&ocur, from);
	}
}
