/*
 * cont.c: containers (create, destroy, open, close, list).
 */
#include "vos_internal.h"

#include <stdio.h>
#include <string.h>

#define UUID_BYTES 16u

static void uuid_text(const uint8_t uuid[UUID_BYTES], char out[37]);

static uint32_t cont_checksum(const struct vos_cont_df *cont, umem_off_t off)
{
	return vos_record_csum(off, cont, sizeof(*cont), offsetof(struct vos_cont_df, csum));
}

int vos_cont_seal(struct umem *um, umem_off_t off, bool added)
{
	struct vos_cont_df *cont = umem_ptr(um, off);
	int rc = added ? VOS_OK : umem_tx_add(um, &cont->csum, sizeof(cont->csum));

	if (rc == VOS_OK)
		cont->csum = cont_checksum(cont, off);
	return rc;
}

int vos_cont_at(struct vos_pool *pool, umem_off_t off, struct vos_cont_df **cont_out)
{
	struct vos_cont_df *cont;
	char text[37];
	uint32_t c;

	*cont_out = NULL;
	if (!umem_off_valid(pool->um, off, sizeof(*cont)))
		return vos_fail(VOS_ERR_CORRUPT,
				"a pointer to a container record (pool offset %llu) lies outside "
				"the pool; restore the pool from a replica or a backup",
				(unsigned long long)off);
	cont = umem_ptr(pool->um, off);
	if (cont->magic != VOS_CONT_MAGIC)
		return vos_fail(VOS_ERR_CORRUPT,
				"the container record at pool offset %llu is damaged (its mark is "
				"0x%04x, not 0x%04x); restore the pool from a replica or a backup",
				(unsigned long long)off, cont->magic, VOS_CONT_MAGIC);
	if (!umem_tx_touched(pool->um, off)) {
		c = cont_checksum(cont, off);
		if (c != cont->csum) {
			uuid_text(cont->uuid, text);
			return vos_fail(VOS_ERR_CORRUPT,
					"the record of container %s (as recorded) at pool offset "
					"%llu fails its CRC-32C checksum (stored 0x%08x, computed "
					"0x%08x); restore the pool from a replica or a backup", text,
					(unsigned long long)off, cont->csum, c);
		}
	}
	*cont_out = cont;
	return VOS_OK;
}

int vos_cont_add(struct vos_pool *pool, struct vos_cont_df *cont)
{
	int rc = umem_tx_add(pool->um, cont, sizeof(*cont));

	if (rc == VOS_OK)
		rc = umem_tx_touch(pool->um, umem_off(pool->um, cont), vos_cont_seal, true);
	return rc;
}

int vos_cont_objs(struct vos_pool *pool, struct vos_cont_df *cont, struct btr_tree *tree)
{
	int rc = btr_open(tree, pool->um, &cont->objs, umem_off(pool->um, cont), vos_cont_seal);

	if (rc != VOS_OK) {
		char text[37];

		uuid_text(cont->uuid, text);
		vos_fail_context(rc, "the object index of container %s", text);
	}
	return rc;
}

static void uuid_text(const uint8_t uuid[UUID_BYTES], char out[37])
{
	static const char hex[] = "0123456789abcdef";
	int o = 0;

	for (uint32_t i = 0; i < UUID_BYTES; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[uuid[i] >> 4];
		out[o++] = hex[uuid[i] & 15];
	}
	out[o] = '\0';
}

static int conts_tree(struct vos_pool *pool, struct btr_tree *tree)
{
	return vos_root_conts(pool, tree);
}

/* Positions cur at the container's table entry; VOS_ERR_NONEXIST with a message if absent. */
static int cont_find(struct vos_pool *pool, const uint8_t uuid[UUID_BYTES],
		     struct btr_cursor *cur, struct vos_cont_df **cont_out)
{
	struct btr_tree tree;
	struct btr_key key;
	char text[37];
	int rc;

	rc = conts_tree(pool, &tree);
	if (rc != VOS_OK)
		return rc;
	btr_key_bytes(&key, uuid, UUID_BYTES);
	rc = btr_probe(&tree, cur, BTR_PROBE_EQ, &key);
	if (rc == VOS_ERR_NONEXIST) {
		uuid_text(uuid, text);
		return vos_fail(VOS_ERR_NONEXIST, "no container %s in this pool", text);
	}
	if (rc != VOS_OK)
		return vos_fail_context(rc, "the container table");
	return vos_cont_at(pool, btr_cur_ent(cur)->val, cont_out);
}

VOS_EXPORT int vos_cont_create(vos_pool_t *pool, const uint8_t uuid[16])
{
	struct vos_cont_df *cont;
	struct btr_cursor cur;
	struct btr_tree tree;
	struct btr_key key;
	umem_off_t off;
	bool created;
	int rc;

	vos_clear_message();
	rc = vos_pool_check(pool);
	if (rc != VOS_OK)
		return rc;
	if (uuid == NULL)
		return vos_fail(VOS_ERR_INVAL, "the container UUID is NULL");
	rc = vos_pool_wrlock(pool);
	if (rc != VOS_OK)
		return rc;
	rc = conts_tree(pool, &tree);
	if (rc == VOS_OK)
		rc = umem_tx_begin(pool->um, 0);
	if (rc != VOS_OK)
		goto out;
	rc = umem_alloc(pool->um, sizeof(*cont), UMEM_ALLOC_ZERO, &off);
	if (rc == VOS_OK)
		rc = umem_tx_touch(pool->um, off, vos_cont_seal, true);
	if (rc == VOS_OK) {
		cont = umem_ptr(pool->um, off);
		cont->magic = VOS_CONT_MAGIC;
		memcpy(cont->uuid, uuid, UUID_BYTES);
		btr_root_init(&cont->objs, BTR_KEYS_INTEGER);
		btr_key_bytes(&key, uuid, UUID_BYTES);
		rc = btr_upsert(&tree, &cur, &key, 0, off, &created);
	}
	if (rc == VOS_OK && !created) {
		char text[37];

		uuid_text(uuid, text);
		rc = vos_fail(VOS_ERR_EXIST, "container %s exists already", text);
	}
	if (rc == VOS_OK)
		return vos_pool_commit_unlock(pool);
	umem_tx_abort(pool->um);
out:
	vos_pool_unlock(pool);
	return rc;
}

static int free_obj_val(void *arg, uint64_t val)
{
	struct vos_pool *pool = arg;
	struct vos_obj_df *obj;
	int rc = vos_obj_at(pool, val, &obj);

	return rc != VOS_OK ? rc : vos_obj_free(pool, obj);
}

VOS_EXPORT int vos_cont_destroy(vos_pool_t *pool, const uint8_t uuid[16])
{
	struct vos_cont_df *cont;
	struct btr_cursor cur;
	struct btr_tree objs;
	umem_off_t cont_off;
	int rc;

	vos_clear_message();
	rc = vos_pool_check(pool);
	if (rc != VOS_OK)
		return rc;
	if (uuid == NULL)
		return vos_fail(VOS_ERR_INVAL, "the container UUID is NULL");
	rc = vos_pool_wrlock(pool);
	if (rc != VOS_OK)
		return rc;
	rc = cont_find(pool, uuid, &cur, &cont);
	if (rc != VOS_OK)
		goto out;
	cont_off = btr_cur_ent(&cur)->val;
	for (uint32_t i = 0; i < VOS_CONT_OPEN_MAX; i++) {
		if (pool->slots[i].in_use && pool->slots[i].cont_off == cont_off) {
			char text[37];

			uuid_text(uuid, text);
			rc = vos_fail(VOS_ERR_BUSY,
				      "container %s is open; close its handles before destroying it",
				      text);
			goto out;
		}
	}
	rc = vos_cont_objs(pool, cont, &objs);
	if (rc == VOS_OK)
		rc = umem_tx_begin(pool->um, UMEM_TX_MAINTENANCE);
	if (rc != VOS_OK)
		goto out;
	rc = btr_destroy(&objs, free_obj_val, pool);
	if (rc == VOS_OK)
		rc = umem_free(pool->um, cont_off);
	if (rc == VOS_OK)
		rc = btr_cur_delete(&cur);
	if (rc == VOS_OK)
		return vos_pool_commit_unlock(pool);
	umem_tx_abort(pool->um);
out:
	vos_pool_unlock(pool);
	return rc;
}

VOS_EXPORT int vos_cont_open(vos_pool_t *pool, const uint8_t uuid[16], vos_cont_h *cont_out)
{
	struct vos_cont_df *cont;
	struct btr_cursor cur;
	struct btr_tree objs;
	int rc;

	vos_clear_message();
	rc = vos_pool_check(pool);
	if (rc != VOS_OK)
		return rc;
	if (uuid == NULL || cont_out == NULL)
		return vos_fail(VOS_ERR_INVAL, "the container UUID or cont_out is NULL");
	rc = vos_pool_wrlock(pool);
	if (rc != VOS_OK)
		return rc;
	rc = cont_find(pool, uuid, &cur, &cont);
	if (rc == VOS_OK)
		rc = vos_cont_objs(pool, cont, &objs);
	if (rc != VOS_OK)
		goto out;
	for (uint32_t i = 0; i < VOS_CONT_OPEN_MAX; i++) {
		struct vos_cont_slot *s = &pool->slots[i];

		if (s->in_use)
			continue;
		s->in_use = true;
		s->cont_off = btr_cur_ent(&cur)->val;
		*cont_out = ((uint64_t)pool->tag << 48) | ((uint64_t)s->gen << 16) | (i + 1u);
		goto out;
	}
	rc = vos_fail(VOS_ERR_TOOBIG,
		      "%u container handles are open in this pool already (VOS_CONT_OPEN_MAX); "
		      "close some first", VOS_CONT_OPEN_MAX);
out:
	vos_pool_unlock(pool);
	return rc;
}

VOS_EXPORT int vos_cont_close(vos_pool_t *pool, vos_cont_h cont)
{
	struct vos_cont_df *df;
	int rc;

	vos_clear_message();
	rc = vos_pool_check(pool);
	if (rc != VOS_OK)
		return rc;
	rc = vos_pool_wrlock(pool);
	if (rc != VOS_OK)
		return rc;
	rc = vos_cont_get(pool, cont, &df);
	if (rc == VOS_OK) {
		struct vos_cont_slot *s = &pool->slots[VOS_HANDLE_SLOT(cont)];

		s->in_use = false;
		s->cont_off = UMEM_OFF_NULL;
		s->gen++;
	}
	vos_pool_unlock(pool);
	return rc;
}

VOS_EXPORT int vos_cont_list(vos_pool_t *pool, uint8_t *uuids_out, uint32_t capacity,
			     uint32_t *count_out)
{
	struct btr_cursor cur;
	struct btr_tree tree;
	uint32_t n = 0;
	int rc;

	vos_clear_message();
	rc = vos_pool_check(pool);
	if (rc != VOS_OK)
		return rc;
	if (count_out == NULL || (uuids_out == NULL && capacity > 0))
		return vos_fail(VOS_ERR_INVAL, "count_out is NULL, or uuids_out is NULL with a "
				"capacity above 0");
	rc = vos_pool_rdlock(pool);
	if (rc != VOS_OK)
		return rc;
	rc = conts_tree(pool, &tree);
	if (rc != VOS_OK)
		goto out;
	*count_out = (uint32_t)tree.root->count;
	rc = btr_probe(&tree, &cur, BTR_PROBE_FIRST, NULL);
	while (rc == VOS_OK && n < capacity) {
		struct btr_key key;

		rc = btr_cur_key(&cur, &key);
		if (rc != VOS_OK)
			goto out;
		if (key.len != UUID_BYTES) {
			rc = vos_fail(VOS_ERR_CORRUPT,
				      "the container table holds a key of %u bytes, not a %u-byte "
				      "UUID; restore the pool from a replica or a backup", key.len,
				      UUID_BYTES);
			goto out;
		}
		memcpy(uuids_out + (size_t)n * UUID_BYTES, key.bytes, UUID_BYTES);
		n++;
		rc = btr_next(&cur);
	}
	if (rc != VOS_OK && rc != VOS_ERR_NONEXIST)
		goto out;
	rc = VOS_OK;
	if (capacity < *count_out)
		rc = vos_fail(VOS_ERR_TRUNC,
			      "the pool has %u containers but the buffer holds %u UUIDs; call again "
			      "with room for %u", *count_out, capacity, *count_out);
out:
	vos_pool_unlock(pool);
	return rc;
}
