/*
 * obj.c: objects, keys and their version chains.
 */
#include "vos_internal.h"

#include "crc32c.h"

#include <stddef.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------
 * Versions
 */

static uint32_t ver_checksum(const struct vos_ver_df *ver)
{
	/* epoch, len, flags and magic are contiguous: 16 bytes from epoch. */
	_Static_assert(offsetof(struct vos_ver_df, csum) - offsetof(struct vos_ver_df, epoch) == 16,
		       "vos_ver_df checksummed header");
	return crc32c(crc32c(0, &ver->epoch, 16), ver->value, ver->len);
}

static uint32_t ver_hdr_checksum(const struct vos_ver_df *ver, umem_off_t off)
{
	return vos_record_csum(off, ver, sizeof(*ver), offsetof(struct vos_ver_df, hdr_csum));
}

int vos_ver_seal(struct umem *um, umem_off_t off, bool added)
{
	struct vos_ver_df *ver = umem_ptr(um, off);
	int rc = added ? VOS_OK : umem_tx_add(um, &ver->hdr_csum, sizeof(ver->hdr_csum));

	if (rc == VOS_OK)
		ver->hdr_csum = ver_hdr_checksum(ver, off);
	return rc;
}

static int ver_damaged(umem_off_t off, const char *what, uint32_t stored, uint32_t computed)
{
	return vos_fail(VOS_ERR_CORRUPT,
			"the version record at pool offset %llu is damaged (%s, stored 0x%08x, "
			"computed 0x%08x); restore the pool from a replica or a backup",
			(unsigned long long)off, what, stored, computed);
}

int vos_ver_at(struct vos_pool *pool, umem_off_t off, struct vos_ver_df **ver_out)
{
	struct vos_ver_df *ver;
	uint32_t c;

	*ver_out = NULL;
	if (!umem_off_valid(pool->um, off, sizeof(*ver)))
		return ver_damaged(off, "a link to it lies outside the pool", 0, 0);
	ver = umem_ptr(pool->um, off);
	if (ver->magic != VOS_VER_MAGIC)
		return ver_damaged(off, "bad mark", ver->magic, VOS_VER_MAGIC);
	if (!umem_tx_touched(pool->um, off)) {
		c = ver_hdr_checksum(ver, off);
		if (c != ver->hdr_csum)
			return ver_damaged(off, "its header fails its CRC-32C checksum",
					   ver->hdr_csum, c);
	}
	if (ver->len > VOS_VALUE_BYTES_MAX ||
	    !umem_off_valid(pool->um, off, sizeof(*ver) + ver->len))
		return ver_damaged(off, "its length runs past the pool", ver->len, 0);
	*ver_out = ver;
	return VOS_OK;
}

int vos_ver_set_next(struct vos_pool *pool, struct vos_ver_df *ver, umem_off_t next)
{
	/* The link and the header's checksum as one range: one range costs less than two. */
	int rc = umem_tx_add(pool->um, ver, sizeof(*ver));

	if (rc == VOS_OK)
		rc = umem_tx_touch(pool->um, umem_off(pool->um, ver), vos_ver_seal, true);
	if (rc == VOS_OK)
		ver->next = next;
	return rc;
}

int vos_ver_verify(const struct vos_ver_df *ver, umem_off_t off)
{
	uint32_t c = ver_checksum(ver);

	if (c != ver->csum)
		return vos_fail(VOS_ERR_CORRUPT,
				"the value written at epoch %llu (version record at pool offset "
				"%llu) fails its CRC-32C checksum (stored 0x%08x, computed 0x%08x): "
				"the stored bytes are damaged; restore the pool from a replica or a "
				"backup", (unsigned long long)ver->epoch, (unsigned long long)off,
				ver->csum, c);
	return VOS_OK;
}

int vos_ver_visible(struct vos_pool *pool, umem_off_t head, uint64_t epoch,
		    struct vos_ver_df **ver_out)
{
	umem_off_t off = head;

	while (off != UMEM_OFF_NULL) {
		struct vos_ver_df *ver;
		int rc = vos_ver_at(pool, off, &ver);

		if (rc != VOS_OK)
			return rc;
		if (ver->epoch <= epoch) {
			*ver_out = ver;
			return VOS_OK;
		}
		off = ver->next;
	}
	*ver_out = NULL;
	return VOS_OK;
}

int vos_chain_free(struct vos_pool *pool, umem_off_t head)
{
	umem_off_t off = head;

	while (off != UMEM_OFF_NULL) {
		struct vos_ver_df *ver;
		umem_off_t next;
		int rc = vos_ver_at(pool, off, &ver);

		if (rc != VOS_OK)
			return rc;
		next = ver->next;
		rc = umem_free(pool->um, off);
		if (rc != VOS_OK)
			return rc;
		off = next;
	}
	return VOS_OK;
}

static int ver_alloc(struct vos_pool *pool, uint64_t epoch, const uint8_t *value, uint32_t len,
		     bool tombstone, umem_off_t *off_out)
{
	struct vos_ver_df *ver;
	int rc;

	rc = umem_alloc(pool->um, sizeof(*ver) + len, 0, off_out);
	if (rc == VOS_OK)
		rc = umem_tx_touch(pool->um, *off_out, vos_ver_seal, true);
	if (rc != VOS_OK)
		return rc;
	ver = umem_ptr(pool->um, *off_out);
	ver->next = UMEM_OFF_NULL;
	ver->epoch = epoch;
	ver->len = len;
	ver->flags = tombstone ? VOS_VER_TOMBSTONE : 0;
	ver->magic = VOS_VER_MAGIC;
	ver->hdr_csum = 0;
	if (len > 0)
		memcpy(ver->value, value, len);
	/* The value's checksum is final now; the header's waits for next, set by the caller. */
	ver->csum = ver_checksum(ver);
	return VOS_OK;
}

/* ------------------------------------------------------------------------------------------
 * Objects
 */

static uint32_t obj_checksum(const struct vos_obj_df *obj, umem_off_t off)
{
	return vos_record_csum(off, obj, sizeof(*obj), offsetof(struct vos_obj_df, csum));
}

int vos_obj_seal(struct umem *um, umem_off_t off, bool added)
{
	struct vos_obj_df *obj = umem_ptr(um, off);
	int rc = added ? VOS_OK : umem_tx_add(um, &obj->csum, sizeof(obj->csum));

	if (rc == VOS_OK)
		obj->csum = obj_checksum(obj, off);
	return rc;
}

int vos_obj_at(struct vos_pool *pool, umem_off_t off, struct vos_obj_df **obj_out)
{
	struct vos_obj_df *obj;
	uint32_t c;

	*obj_out = NULL;
	if (!umem_off_valid(pool->um, off, sizeof(*obj)))
		return vos_fail(VOS_ERR_CORRUPT,
				"a pointer to an object record (pool offset %llu) lies outside the "
				"pool; restore the pool from a replica or a backup",
				(unsigned long long)off);
	obj = umem_ptr(pool->um, off);
	if (obj->magic != VOS_OBJ_MAGIC)
		return vos_fail(VOS_ERR_CORRUPT,
				"the object record at pool offset %llu is damaged (its mark is "
				"0x%08x, not 0x%08x); restore the pool from a replica or a backup",
				(unsigned long long)off, obj->magic, VOS_OBJ_MAGIC);
	if (!umem_tx_touched(pool->um, off)) {
		c = obj_checksum(obj, off);
		if (c != obj->csum)
			return vos_fail(VOS_ERR_CORRUPT,
					"the record of object %llu (as recorded) at pool offset %llu "
					"fails its CRC-32C checksum (stored 0x%08x, computed 0x%08x); "
					"restore the pool from a replica or a backup",
					(unsigned long long)obj->oid, (unsigned long long)off,
					obj->csum, c);
	}
	if ((obj->key_order != VOS_KEYS_INTEGER && obj->key_order != VOS_KEYS_LEXICAL) ||
	    obj->keys.key_order != obj->key_order)
		return vos_fail(VOS_ERR_CORRUPT,
				"the record of object %llu at pool offset %llu has key order %u and "
				"a key tree of order %u; restore the pool from a replica or a backup",
				(unsigned long long)obj->oid, (unsigned long long)off,
				obj->key_order, obj->keys.key_order);
	*obj_out = obj;
	return VOS_OK;
}

int vos_obj_add(struct vos_pool *pool, struct vos_obj_df *obj, void *field)
{
	/* From the field to the checksum, which lies behind every field that changes, as one
	 * range. */
	size_t from = (size_t)((char *)field - (char *)obj);
	int rc;

	VOS_ASSERT(from < offsetof(struct vos_obj_df, csum));
	rc = umem_tx_add(pool->um, field, offsetof(struct vos_obj_df, csum) + 4 - from);
	if (rc == VOS_OK)
		rc = umem_tx_touch(pool->um, umem_off(pool->um, obj), vos_obj_seal, true);
	return rc;
}

int vos_obj_keys(struct vos_pool *pool, struct vos_obj_df *obj, struct btr_tree *tree)
{
	int rc = btr_open(tree, pool->um, &obj->keys, umem_off(pool->um, obj), vos_obj_seal);

	return rc != VOS_OK ? vos_fail_context(rc, "the key tree of object %llu",
					       (unsigned long long)obj->oid) : rc;
}

int vos_obj_find(struct vos_pool *pool, struct vos_cont_df *cont, uint64_t oid,
		 struct btr_cursor *ocur, struct vos_obj_df **obj_out)
{
	struct btr_tree objs;
	struct btr_key key;
	int rc;

	rc = vos_cont_objs(pool, cont, &objs);
	if (rc != VOS_OK)
		return rc;
	btr_key_int(&key, oid);
	rc = btr_probe(&objs, ocur, BTR_PROBE_EQ, &key);
	if (rc == VOS_ERR_NONEXIST)
		return vos_fail(VOS_ERR_NONEXIST, "no object %llu in this container: create it "
				"first (VOS_OP_OBJ_CREATE)", (unsigned long long)oid);
	if (rc != VOS_OK)
		return vos_fail_context(rc, "looking up object %llu in the object index",
					(unsigned long long)oid);
	rc = vos_obj_at(pool, btr_cur_ent(ocur)->val, obj_out);
	if (rc == VOS_OK && (*obj_out)->oid != oid)
		rc = vos_fail(VOS_ERR_CORRUPT,
			      "the object index maps object %llu to the record of object %llu at "
			      "pool offset %llu; restore the pool from a replica or a backup",
			      (unsigned long long)oid, (unsigned long long)(*obj_out)->oid,
			      (unsigned long long)btr_cur_ent(ocur)->val);
	return rc;
}

int vos_obj_check_epoch(const struct vos_obj_df *obj, uint64_t epoch)
{
	if (epoch < obj->create_epoch)
		return vos_fail(VOS_ERR_NONEXIST,
				"object %llu does not exist at epoch %llu: it was created at epoch "
				"%llu", (unsigned long long)obj->oid, (unsigned long long)epoch,
				(unsigned long long)obj->create_epoch);
	if (!vos_obj_exists_at(obj, epoch))
		return vos_fail(VOS_ERR_NONEXIST,
				"object %llu does not exist at epoch %llu: it was punched at epoch "
				"%llu", (unsigned long long)obj->oid, (unsigned long long)epoch,
				(unsigned long long)obj->punch_epoch);
	return VOS_OK;
}

int vos_obj_key(const struct vos_obj_df *obj, uint64_t key_int, const uint8_t *key_bytes,
		uint32_t key_len, struct btr_key *key_out)
{
	if (obj->key_order == VOS_KEYS_INTEGER) {
		if (key_len != 0)
			return vos_fail(VOS_ERR_INVAL,
					"object %llu has integer keys: key_len must be 0 and the "
					"key in key_int", (unsigned long long)obj->oid);
		btr_key_int(key_out, key_int);
		return VOS_OK;
	}
	if (key_len == 0 || key_bytes == NULL)
		return vos_fail(VOS_ERR_INVAL,
				"object %llu has lexical keys: key_len must be 1 .. %u",
				(unsigned long long)obj->oid, VOS_KEY_BYTES_MAX);
	if (key_len > VOS_KEY_BYTES_MAX)
		return vos_fail(VOS_ERR_TOOBIG, "a key of %u bytes is longer than %u bytes "
				"(VOS_KEY_BYTES_MAX)", key_len, VOS_KEY_BYTES_MAX);
	btr_key_bytes(key_out, key_bytes, key_len);
	return VOS_OK;
}

int vos_obj_write(struct vos_pool *pool, struct btr_cursor *ocur, struct vos_obj_df *obj,
		  const struct btr_key *key, uint64_t epoch, const uint8_t *value, uint32_t len,
		  bool tombstone)
{
	struct vos_ver_df *prev = NULL, *replaced = NULL;
	struct btr_cursor kcur;
	struct btr_tree keys;
	umem_off_t off, at;
	bool created;
	int rc;

	rc = vos_obj_keys(pool, obj, &keys);
	if (rc == VOS_OK)
		rc = ver_alloc(pool, epoch, value, len, tombstone, &off);
	if (rc == VOS_OK)
		rc = btr_upsert(&keys, &kcur, key, epoch, off, &created);
	if (rc != VOS_OK)
		return rc;
	if (!created) {
		/* The chain is newest first: find the first version at or below epoch. */
		at = btr_cur_ent(&kcur)->val;
		while (at != UMEM_OFF_NULL) {
			struct vos_ver_df *ver;

			rc = vos_ver_at(pool, at, &ver);
			if (rc != VOS_OK)
				return rc;
			if (ver->epoch <= epoch) {
				if (ver->epoch == epoch)
					replaced = ver;
				break;
			}
			prev = ver;
			at = ver->next;
		}
		((struct vos_ver_df *)umem_ptr(pool->um, off))->next =
			replaced != NULL ? replaced->next : at;
		if (prev == NULL) {
			rc = btr_cur_update(&kcur, off, epoch);
		} else {
			/* A write in the past: the newest version stays at the head. */
			rc = vos_ver_set_next(pool, prev, off);
		}
		if (rc == VOS_OK && replaced != NULL)
			rc = umem_free(pool->um, at);
		if (rc != VOS_OK)
			return rc;
	}
	return btr_cur_raise_epoch(ocur, epoch);
}

int vos_obj_create(struct vos_pool *pool, struct vos_cont_df *cont, uint64_t oid,
		   uint32_t key_order, uint64_t epoch)
{
	struct vos_obj_df *obj;
	struct btr_cursor ocur;
	struct btr_tree objs;
	struct btr_key key;
	umem_off_t off;
	bool created;
	int rc;

	rc = vos_cont_objs(pool, cont, &objs);
	if (rc == VOS_OK)
		rc = umem_alloc(pool->um, sizeof(*obj), UMEM_ALLOC_ZERO, &off);
	if (rc == VOS_OK)
		rc = umem_tx_touch(pool->um, off, vos_obj_seal, true);
	if (rc != VOS_OK)
		return rc;
	obj = umem_ptr(pool->um, off);
	obj->magic = VOS_OBJ_MAGIC;
	obj->key_order = key_order;
	obj->oid = oid;
	obj->create_epoch = epoch;
	obj->punch_epoch = VOS_EPOCH_MAX;
	btr_root_init(&obj->keys, key_order);
	btr_key_int(&key, oid);
	rc = btr_upsert(&objs, &ocur, &key, epoch, off, &created);
	if (rc != VOS_OK)
		return rc;
	if (!created)
		return vos_fail(VOS_ERR_EXIST,
				"object %llu exists already in this container (object ids are never "
				"reused)", (unsigned long long)oid);
	return VOS_OK;
}

int vos_obj_punch(struct vos_pool *pool, struct vos_cont_df *cont, uint64_t oid,
		  uint64_t epoch)
{
	struct vos_obj_df *obj;
	struct btr_cursor ocur;
	int rc;

	rc = vos_obj_find(pool, cont, oid, &ocur, &obj);
	if (rc == VOS_OK)
		rc = vos_obj_check_epoch(obj, epoch);
	if (rc == VOS_OK)
		rc = vos_obj_add(pool, obj, &obj->punch_epoch);
	if (rc != VOS_OK)
		return rc;
	obj->punch_epoch = epoch;
	return btr_cur_raise_epoch(&ocur, epoch);
}

static int free_chain_val(void *arg, uint64_t val)
{
	return vos_chain_free(arg, val);
}

int vos_obj_free(struct vos_pool *pool, struct vos_obj_df *obj)
{
	struct btr_tree keys;
	int rc;

	rc = vos_obj_keys(pool, obj, &keys);
	if (rc == VOS_OK)
		rc = btr_destroy(&keys, free_chain_val, pool);
	if (rc == VOS_OK)
		rc = umem_free(pool->um, umem_off(pool->um, obj));
	return rc;
}
