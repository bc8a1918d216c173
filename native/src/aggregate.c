/*
 * aggregate.c: vos_aggregate, folding old versions into one, in slices.
 *
 * Each call handles up to keys_max keys from the cursor on, in one transaction, so a large
 * container is aggregated by a loop of short calls that let other writers in between. A key's
 * versions at or below the epoch collapse into the newest of them; if that one is a tombstone
 * it goes too, and the key with it when nothing newer remains. An object punched at or below
 * the epoch goes whole, a slice of keys at a time.
 *
 * A pass is incremental: the container's agg_floor says below which epoch everything is folded
 * already, and the epochs the object index and the key trees carry let a pass visit only the
 * objects and keys changed since (btr_find_epoch), so its cost follows what was written since
 * the last pass, not what the container holds. A pass that finishes raises the floor to its
 * epoch + 1, unless a change at or below that epoch (vos_cont_note_write) or a call with another
 * epoch tainted it; such a change lowers the floor itself, so nothing is ever skipped that
 * still has versions to fold.
 */
#include "vos_internal.h"

#include <string.h>

enum agg_state {
	AGG_STARTED = 1, /* cursor->oid is the object to resume in */
	AGG_HAS_KEY = 2, /* resume after cursor's key in that object */
	AGG_DONE    = 4,
};

static int cursor_save_key(vos_agg_cursor_t *cursor, struct btr_cursor *kcur)
{
	struct btr_key k;
	int rc = btr_cur_key(kcur, &k);

	if (rc != VOS_OK)
		return rc;
	cursor->key_int = k.len == 0 ? k.inl : 0;
	cursor->key_len = k.len;
	if (k.len > 0)
		memcpy(cursor->key, k.bytes, k.len);
	cursor->state |= AGG_HAS_KEY;
	return VOS_OK;
}

/* Folds the key at kcur. *deleted_out: the key is gone (kcur is no longer positioned), and the
 * cursor holds it, saved before the delete, to resume after. */
static int fold_key(struct vos_pool *pool, struct btr_cursor *kcur, uint64_t up_to,
		    vos_agg_cursor_t *cursor, bool *deleted_out)
{
	struct vos_ver_df *prev = NULL, *ver = NULL;
	umem_off_t off = btr_cur_ent(kcur)->val;
	umem_off_t older;
	int rc;

	*deleted_out = false;
	while (off != UMEM_OFF_NULL) {
		rc = vos_ver_at(pool, off, &ver);
		if (rc != VOS_OK)
			return rc;
		if (ver->epoch <= up_to)
			break;
		prev = ver;
		off = ver->next;
	}
	if (off == UMEM_OFF_NULL)
		return VOS_OK; /* every version is newer than up_to */
	older = ver->next;
	if (ver->flags & VOS_VER_TOMBSTONE) {
		/* The tombstone and everything older go. */
		rc = vos_chain_free(pool, off);
		if (rc != VOS_OK)
			return rc;
		if (prev == NULL) {
			rc = cursor_save_key(cursor, kcur);
			if (rc != VOS_OK)
				return rc;
			*deleted_out = true;
			return btr_cur_delete(kcur);
		}
		return vos_ver_set_next(pool, prev, UMEM_OFF_NULL);
	}
	if (older == UMEM_OFF_NULL)
		return VOS_OK;
	rc = vos_ver_set_next(pool, ver, UMEM_OFF_NULL);
	if (rc != VOS_OK)
		return rc;
	return vos_chain_free(pool, older);
}

/* Removes up to *budget keys of a punched object, and the object once it is empty. */
static int drop_obj(struct vos_pool *pool, struct btr_cursor *ocur, struct vos_obj_df *obj,
		    uint32_t *budget, bool *gone_out)
{
	struct btr_cursor kcur;
	struct btr_tree keys;
	int rc;

	*gone_out = false;
	rc = vos_obj_keys(pool, obj, &keys);
	if (rc != VOS_OK)
		return rc;
	while (*budget > 0) {
		rc = btr_probe(&keys, &kcur, BTR_PROBE_FIRST, NULL);
		if (rc == VOS_ERR_NONEXIST)
			break;
		if (rc == VOS_OK)
			rc = vos_chain_free(pool, btr_cur_ent(&kcur)->val);
		if (rc == VOS_OK)
			rc = btr_cur_delete(&kcur);
		if (rc != VOS_OK)
			return rc;
		(*budget)--;
	}
	if (keys.root->count > 0)
		return VOS_OK;
	rc = vos_obj_free(pool, obj);
	if (rc == VOS_OK)
		rc = btr_cur_delete(ocur);
	*gone_out = rc == VOS_OK;
	return rc;
}

/* Folds up to *budget keys of obj from the cursor on. *finished_out: the object is done. */
static int fold_obj(struct vos_pool *pool, struct vos_obj_df *obj, uint64_t up_to,
		    uint64_t floor, vos_agg_cursor_t *cursor, uint32_t *budget, bool *finished_out)
{
	struct btr_cursor kcur;
	struct btr_tree keys;
	struct btr_key resume;
	int rc;

	*finished_out = false;
	rc = vos_obj_keys(pool, obj, &keys);
	if (rc != VOS_OK)
		return rc;
	if (cursor->state & AGG_HAS_KEY) {
		rc = vos_obj_key(obj, cursor->key_int, cursor->key, cursor->key_len, &resume);
		if (rc == VOS_OK)
			rc = btr_find_epoch(&keys, &kcur, floor, &resume);
	} else {
		rc = btr_find_epoch(&keys, &kcur, floor, NULL);
	}
	while (rc == VOS_OK && *budget > 0) {
		bool deleted;

		/* The cursor takes a key only where the next call may resume after it: at a delete
		 * (fold_key) and at the last key of the slice. Saving every key read its bytes (and
		 * checked their CRC) for nothing, a cache miss per long key folded. */
		rc = fold_key(pool, &kcur, up_to, cursor, &deleted);
		pool->agg_folds++;
		if (rc != VOS_OK)
			return rc;
		(*budget)--;
		if (*budget == 0 && !deleted) {
			rc = cursor_save_key(cursor, &kcur);
			if (rc != VOS_OK)
				return rc;
		}
		if (deleted) {
			rc = vos_obj_key(obj, cursor->key_int, cursor->key, cursor->key_len, &resume);
			if (rc == VOS_OK)
				rc = btr_find_epoch(&keys, &kcur, floor, &resume);
		} else {
			rc = btr_find_epoch_next(&kcur, floor);
		}
	}
	if (rc == VOS_ERR_NONEXIST) {
		*finished_out = true;
		return VOS_OK;
	}
	return rc;
}

static int aggregate_slice(struct vos_pool *pool, struct vos_cont_df *cont, uint64_t up_to,
			   vos_agg_cursor_t *cursor, uint32_t keys_max)
{
	uint64_t floor = cont->agg_floor;
	uint32_t budget = keys_max;
	struct btr_cursor ocur;
	struct btr_tree objs;
	struct btr_key okey;
	int rc;

	rc = vos_cont_objs(pool, cont, &objs);
	if (rc != VOS_OK)
		return rc;
	if ((cursor->state & AGG_STARTED) && cursor->oid > 0) {
		/* From the object the cursor is in, if it is still there. */
		btr_key_int(&okey, cursor->oid - 1);
		rc = btr_find_epoch(&objs, &ocur, floor, &okey);
	} else {
		rc = btr_find_epoch(&objs, &ocur, floor, NULL);
	}
	while (rc == VOS_OK && budget > 0) {
		uint64_t oid = btr_cur_ent(&ocur)->inl;
		struct vos_obj_df *obj;
		bool finished;

		rc = vos_obj_at(pool, btr_cur_ent(&ocur)->val, &obj);
		if (rc != VOS_OK)
			return rc;
		if (!(cursor->state & AGG_STARTED) || cursor->oid != oid) {
			cursor->oid = oid;
			cursor->state = AGG_STARTED;
			cursor->key_len = 0;
			cursor->key_int = 0;
		}
		if (obj->punch_epoch != VOS_EPOCH_MAX && obj->punch_epoch <= up_to) {
			rc = drop_obj(pool, &ocur, obj, &budget, &finished);
		} else {
			rc = fold_obj(pool, obj, up_to, floor, cursor, &budget, &finished);
		}
		if (rc != VOS_OK)
			return rc;
		if (!finished)
			return VOS_OK; /* out of budget inside this object */
		btr_key_int(&okey, oid);
		rc = btr_find_epoch(&objs, &ocur, floor, &okey);
		if (rc == VOS_OK) {
			/* Resume at the next object from its first key. */
			cursor->oid = btr_cur_ent(&ocur)->inl;
			cursor->state = AGG_STARTED;
			cursor->key_len = 0;
			cursor->key_int = 0;
		}
	}
	if (rc == VOS_ERR_NONEXIST) {
		cursor->state = AGG_DONE;
		return VOS_OK;
	}
	return rc;
}

int vos_cont_note_write(struct vos_pool *pool, struct vos_cont_df *cont, uint64_t epoch)
{
	bool below_pass = (cont->agg_flags & VOS_AGG_RUNNING) && epoch <= cont->agg_pass;
	int rc;

	if (epoch >= cont->agg_floor && !below_pass)
		return VOS_OK; /* the common case: newer than anything aggregated */
	if (epoch >= cont->agg_floor && (cont->agg_flags & VOS_AGG_TAINTED))
		return VOS_OK; /* noted already */
	rc = vos_cont_add(pool, cont);
	if (rc != VOS_OK)
		return rc;
	if (epoch < cont->agg_floor)
		cont->agg_floor = epoch;
	cont->agg_flags |= VOS_AGG_TAINTED;
	return VOS_OK;
}

/* At every call: a first call starts a pass up to up_to; a later one with another epoch taints
 * it (keys it passed were folded only up to the earlier epoch). */
static int pass_begin(struct vos_pool *pool, struct vos_cont_df *cont, uint64_t up_to, bool first)
{
	int rc;

	if (!first && (cont->agg_flags & VOS_AGG_RUNNING) && cont->agg_pass == up_to)
		return VOS_OK;
	if (!first && (cont->agg_flags & VOS_AGG_TAINTED))
		return VOS_OK;
	rc = vos_cont_add(pool, cont);
	if (rc != VOS_OK)
		return rc;
	if (first) {
		cont->agg_pass = up_to;
		cont->agg_flags = VOS_AGG_RUNNING;
	} else {
		/* Another epoch mid-pass, or a pass that another one replaced. */
		cont->agg_flags |= VOS_AGG_TAINTED;
	}
	return VOS_OK;
}

/* The pass is done: raise the floor past its epoch, unless it was tainted. */
static int pass_end(struct vos_pool *pool, struct vos_cont_df *cont, uint64_t up_to)
{
	int rc = vos_cont_add(pool, cont);

	if (rc != VOS_OK)
		return rc;
	if (cont->agg_flags == VOS_AGG_RUNNING && cont->agg_pass == up_to) {
		uint64_t floor = up_to == VOS_EPOCH_MAX ? VOS_EPOCH_MAX : up_to + 1;

		if (floor > cont->agg_floor)
			cont->agg_floor = floor;
	}
	cont->agg_flags = 0;
	return VOS_OK;
}

VOS_EXPORT int vos_aggregate(vos_pool_t *pool, vos_cont_h cont, uint64_t up_to_epoch,
			     vos_agg_cursor_t *cursor, uint32_t keys_max, uint32_t *done_out)
{
	struct vos_cont_df *df;
	int rc;

	vos_clear_message();
	rc = vos_pool_check(pool);
	if (rc != VOS_OK)
		return rc;
	if (cursor == NULL || done_out == NULL)
		return vos_fail(VOS_ERR_INVAL, "cursor or done_out is NULL");
	if (keys_max == 0)
		return vos_fail(VOS_ERR_INVAL, "keys_max is 0: give the number of keys one call may "
				"aggregate, e.g. 1024");
	if ((cursor->state & ~(uint32_t)(AGG_STARTED | AGG_HAS_KEY | AGG_DONE)) != 0 ||
	    cursor->key_len > VOS_KEY_BYTES_MAX)
		return vos_fail(VOS_ERR_INVAL, "the aggregation cursor is not one this function "
				"returned: zero it to start");
	*done_out = 0;
	rc = vos_pool_wrlock(pool);
	if (rc != VOS_OK)
		return rc;
	rc = vos_cont_get(pool, cont, &df);
	if (rc != VOS_OK || (cursor->state & AGG_DONE)) {
		*done_out = rc == VOS_OK;
		vos_pool_unlock(pool);
		return rc;
	}
	/* Lazy: a crash that undoes a slice loses nothing but its work, done again later. On
	 * the WAL backend its log record waits in memory for the next commit's write, so the
	 * slice holds the pool's lock through no disk write. */
	rc = umem_tx_begin(pool->um, UMEM_TX_MAINTENANCE | UMEM_TX_LAZY);
	if (rc != VOS_OK) {
		vos_pool_unlock(pool);
		return rc;
	}
	vos_agg_cursor_t saved = *cursor;

	rc = pass_begin(pool, df, up_to_epoch, cursor->state == 0);
	if (rc == VOS_OK)
		rc = aggregate_slice(pool, df, up_to_epoch, cursor, keys_max);
	if (rc == VOS_OK && (cursor->state & AGG_DONE))
		rc = pass_end(pool, df, up_to_epoch);
	if (rc != VOS_OK) {
		umem_tx_abort(pool->um);
		vos_pool_unlock(pool);
		*cursor = saved;
		return rc;
	}
	rc = vos_pool_commit_unlock(pool);
	if (rc != VOS_OK)
		*cursor = saved;
	*done_out = rc == VOS_OK && (cursor->state & AGG_DONE) != 0;
	return rc;
}
