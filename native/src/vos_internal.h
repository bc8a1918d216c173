/*
 * vos_internal.h: the persistent layout of a Vostok pool and the pool handle.
 *
 * A pool's root (struct vos_root_df) holds the container table, a B+-tree keyed by the 16-byte
 * container UUID. A container (struct vos_cont_df) holds its object index, a B+-tree keyed by
 * object id. An object (struct vos_obj_df) holds its key tree. A key's entry points at its
 * newest version (struct vos_ver_df); each version points at the next older one, so a fetch
 * at a recent epoch stops at the first version at or below it.
 *
 * The epochs kept in the trees make discard cheap: a key's entry carries its newest version's
 * epoch, an object's entry the greatest epoch of anything in the object (creation, punch,
 * keys), and every internal tree entry the greatest epoch below it. Discarding from epoch E
 * visits only the subtrees, objects and keys that hold something at or above E.
 *
 * Every record carries a CRC-32C of its own pool offset and every other byte of it (a version
 * two: one of its value, set once when it is written, and one of its header, which covers the
 * link to the next older version). A change touches the record (umem_tx_touch) and the commit
 * seals it once, however many of its fields the transaction changed; every read verifies it
 * first, so damage is VOS_ERR_CORRUPT with where and what, never a wrong answer. The offset in
 * the checksum catches a record read from the wrong place.
 *
 * Structures are only reached through umem (umem.h), never through PMDK directly.
 */
#ifndef VOSTOK_VOS_INTERNAL_H
#define VOSTOK_VOS_INTERNAL_H

#include "vostok/vos.h"

#include "btree.h"
#include "crc32c.h"
#include "error.h"
#include "umem.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The pmemobj layout name is VOS_LAYOUT_PREFIX followed by the layout version in decimal, so
 * that a pool's version can be read from the file header without opening (and so without
 * changing) the file. */
#define VOS_LAYOUT_PREFIX  "vostok-vos-"
/* 1: checksums on values and the root's constant fields only. 2: a checksum on every record
 * and every index node. A library reads only its own layout. */
#define VOS_LAYOUT_VERSION 2u

#define VOS_ROOT_MAGIC 0x31544f4f52564f56ull /* "VOVROOT1" */
#define VOS_CONT_MAGIC 0x4f43u               /* "CO" */
#define VOS_OBJ_MAGIC  0x214a424fu           /* "OBJ!" */
#define VOS_VER_MAGIC  0x5256u               /* "VR" */
#define VOS_POOL_MAGIC 0x4c4f4f50534f5600ull /* a live struct vos_pool */

struct vos_root_df {
	uint64_t magic;
	uint32_t layout_version;
	uint32_t csum;            /* CRC-32C of the record's offset and all its other bytes */
	uint64_t created_sec;
	uint64_t unused0;
	struct btr_root conts;    /* container table: UUID -> struct vos_cont_df */
	uint64_t unused[5];
};                                /* 96 bytes */

struct vos_cont_df {
	uint16_t magic;           /* VOS_CONT_MAGIC */
	uint16_t agg_flags;       /* enum vos_agg_flags */
	uint32_t csum;            /* CRC-32C of the record's offset and all its other bytes */
	uint8_t  uuid[16];
	struct btr_root objs;     /* object index: oid -> struct vos_obj_df */
	/* Every key holds at most one version below agg_floor, and not a tombstone; an object
	 * punched below it is gone. So aggregation visits only objects and keys whose epoch is
	 * at or above it (zero in a container never aggregated: it visits everything). */
	uint64_t agg_floor;
	uint64_t agg_pass;        /* the epoch of the running (or the last) aggregation pass */
};                                /* 64 bytes */

enum vos_agg_flags {
	VOS_AGG_RUNNING = 1,      /* a pass up to agg_pass has started and not finished */
	VOS_AGG_TAINTED = 2,      /* the pass may have missed a key: it does not raise agg_floor */
};

struct vos_obj_df {
	uint32_t magic;
	uint32_t key_order;       /* enum vos_key_order */
	uint64_t oid;
	uint64_t create_epoch;    /* the object exists at epochs in [create_epoch, punch_epoch) */
	uint64_t punch_epoch;     /* VOS_EPOCH_MAX: never punched */
	struct btr_root keys;     /* key -> newest struct vos_ver_df */
	uint32_t csum;            /* CRC-32C of the record's offset and all its other bytes */
	uint32_t unused;          /* 0 */
};                                /* 64 bytes */

enum vos_ver_flags {
	VOS_VER_TOMBSTONE = 1, /* a punch: the key has no value from this epoch on */
};

/* One version of a key's value. csum covers everything here except next (which changes when
 * older versions are aggregated away) and is checked before any byte of the value is handed
 * out; hdr_csum covers the header, next included, and is checked whenever the version is
 * reached, so a damaged link is never followed. */
struct vos_ver_df {
	umem_off_t next;          /* the next older version, or UMEM_OFF_NULL */
	uint64_t   epoch;
	uint32_t   len;           /* value bytes; 0 for a tombstone */
	uint16_t   flags;         /* enum vos_ver_flags */
	uint16_t   magic;         /* VOS_VER_MAGIC */
	uint32_t   csum;          /* CRC-32C of epoch, len, flags, magic and value[0 .. len) */
	uint32_t   hdr_csum;      /* CRC-32C of the record's offset and the 28 bytes above */
	uint8_t    value[];
};                                /* 32 bytes + the value */

_Static_assert(sizeof(struct vos_root_df) == 96, "vos_root_df layout");
_Static_assert(sizeof(struct vos_cont_df) == 64, "vos_cont_df layout");
_Static_assert(sizeof(struct vos_obj_df) == 64, "vos_obj_df layout");
_Static_assert(sizeof(struct vos_ver_df) == 32, "vos_ver_df layout");
_Static_assert(offsetof(struct vos_root_df, csum) == 12, "vos_root_df layout");
_Static_assert(offsetof(struct vos_cont_df, csum) == 4, "vos_cont_df layout");
_Static_assert(offsetof(struct vos_obj_df, csum) == 56, "vos_obj_df layout");
_Static_assert(offsetof(struct vos_ver_df, hdr_csum) == 28, "vos_ver_df layout");

/* The checksum of a record of size bytes at off whose own checksum is the 4 bytes at csum_at:
 * the offset, then every byte but those. */
static inline uint32_t vos_record_csum(umem_off_t off, const void *rec, size_t size,
				       size_t csum_at)
{
	const uint8_t *p = rec;
	uint32_t c = crc32c(0, &off, sizeof(off));

	c = crc32c(c, p, csum_at);
	return crc32c(c, p + csum_at + 4, size - csum_at - 4);
}

/* ------------------------------------------------------------------------------------------
 * The pool handle (DRAM)
 */

struct vos_cont_slot {
	bool       in_use;
	uint32_t   gen;           /* bumped on every close, so an old handle never matches */
	umem_off_t cont_off;      /* the container's struct vos_cont_df */
};

struct vos_pool {
	uint64_t              magic;  /* VOS_POOL_MAGIC while open */
	struct umem          *um;
	struct vos_root_df   *root;
	/* Readers (fetch, iterate, query, list) share it; every change and every change to the
	 * handle table holds it exclusively. Writers are preferred so a stream of reads cannot
	 * starve them. */
	pthread_rwlock_t      lock;
	uint16_t              tag;    /* in every container handle of this pool */
	struct vos_cont_slot  slots[VOS_CONT_OPEN_MAX];
	char                 *path;
	uint64_t              discard_visits; /* index nodes the discards reached, for tests */
	uint64_t              agg_folds;      /* keys the aggregations folded, for tests */
};

/* Container handle = tag << 48 | generation << 16 | (slot + 1). */
#define VOS_HANDLE_SLOT(h) ((uint32_t)((h) & 0xffffu) - 1u)
#define VOS_HANDLE_GEN(h)  ((uint32_t)(((h) >> 16) & 0xffffffffu))
#define VOS_HANDLE_TAG(h)  ((uint16_t)((h) >> 48))

/* Checks the pool pointer; VOS_ERR_INVAL if it is NULL or not an open pool. */
int vos_pool_check(const struct vos_pool *pool);

int vos_pool_rdlock(struct vos_pool *pool);
int vos_pool_wrlock(struct vos_pool *pool);
void vos_pool_unlock(struct vos_pool *pool);

/* Under the write lock, with a transaction running: commits it, releases the lock, then waits
 * for the commit to be durable (umem_tx_end, umem_tx_durable). Returns the commit's result. */
int vos_pool_commit_unlock(struct vos_pool *pool);

/* The container behind an open handle, checked; VOS_ERR_BADHANDLE if the handle is not open,
 * VOS_ERR_CORRUPT if the record is damaged. */
int vos_cont_get(struct vos_pool *pool, vos_cont_h cont, struct vos_cont_df **cont_out);

/* ------------------------------------------------------------------------------------------
 * Records: sealing (umem_seal_fn, for the commit), checked access, and the trees they hold
 */

int vos_root_seal(struct umem *um, umem_off_t off, bool added);
int vos_cont_seal(struct umem *um, umem_off_t off, bool added);
int vos_obj_seal(struct umem *um, umem_off_t off, bool added);
int vos_ver_seal(struct umem *um, umem_off_t off, bool added);

/* VOS_ERR_CORRUPT, saying what, unless the pool's root is sound. */
int vos_root_check(struct vos_pool *pool);

/* The container table (checks the root), a container's object index, an object's key tree. */
int vos_root_conts(struct vos_pool *pool, struct btr_tree *tree);
int vos_cont_objs(struct vos_pool *pool, struct vos_cont_df *cont, struct btr_tree *tree);
int vos_obj_keys(struct vos_pool *pool, struct vos_obj_df *obj, struct btr_tree *tree);

/* Inside a transaction: adds the container record, or an object record from field on, to the
 * transaction and touches the record. */
int vos_cont_add(struct vos_pool *pool, struct vos_cont_df *cont);
int vos_obj_add(struct vos_pool *pool, struct vos_obj_df *obj, void *field);

/* ------------------------------------------------------------------------------------------
 * Objects and versions (obj.c)
 */

/* The object oid of a container, with a cursor on its index entry. VOS_ERR_NONEXIST if there
 * is none. */
int vos_obj_find(struct vos_pool *pool, struct vos_cont_df *cont, uint64_t oid,
		 struct btr_cursor *ocur, struct vos_obj_df **obj_out);

/* A punch epoch of VOS_EPOCH_MAX means never punched, so VOS_EPOCH_MAX itself (the newest of
 * all, for reads) sees every object that was not punched. */
static inline bool vos_obj_exists_at(const struct vos_obj_df *obj, uint64_t epoch)
{
	return obj->create_epoch <= epoch &&
	       (epoch < obj->punch_epoch || obj->punch_epoch == VOS_EPOCH_MAX);
}

/* Fails with VOS_ERR_NONEXIST, saying why, unless the object exists at epoch. */
int vos_obj_check_epoch(const struct vos_obj_df *obj, uint64_t epoch);

/* Builds the tree key for an operation's key on obj: VOS_ERR_INVAL if the key does not suit
 * the object's key order. */
int vos_obj_key(const struct vos_obj_df *obj, uint64_t key_int, const uint8_t *key_bytes,
		uint32_t key_len, struct btr_key *key_out);

/* The newest version at or below epoch, starting from head; NULL if there is none. Fails
 * with VOS_ERR_CORRUPT on a damaged chain link. */
int vos_ver_visible(struct vos_pool *pool, umem_off_t head, uint64_t epoch,
		    struct vos_ver_df **ver_out);

/* VOS_ERR_CORRUPT, with a message naming the epoch, unless the version's value checksum
 * matches. */
int vos_ver_verify(const struct vos_ver_df *ver, umem_off_t off);

/* The version at off, its header checked; VOS_ERR_CORRUPT, saying what, if it is not a sound
 * version. */
int vos_ver_at(struct vos_pool *pool, umem_off_t off, struct vos_ver_df **ver_out);

/* Inside a transaction: ver's link to the next older version becomes next. */
int vos_ver_set_next(struct vos_pool *pool, struct vos_ver_df *ver, umem_off_t next);

/* Inside a transaction: writes a value (or, with value NULL and tombstone, a punch) for key at
 * epoch into obj, replacing a version at the same epoch; raises the object's index entry
 * (ocur) to epoch. */
int vos_obj_write(struct vos_pool *pool, struct btr_cursor *ocur, struct vos_obj_df *obj,
		  const struct btr_key *key, uint64_t epoch, const uint8_t *value, uint32_t len,
		  bool tombstone);

/* Inside a transaction: creates object oid in cont; VOS_ERR_EXIST if it exists. */
int vos_obj_create(struct vos_pool *pool, struct vos_cont_df *cont, uint64_t oid,
		   uint32_t key_order, uint64_t epoch);

/* Inside a transaction: the object ceases to exist at epoch. */
int vos_obj_punch(struct vos_pool *pool, struct vos_cont_df *cont, uint64_t oid,
		  uint64_t epoch);

/* Inside a transaction: frees a version chain from head on. */
int vos_chain_free(struct vos_pool *pool, umem_off_t head);

/* Inside a transaction: frees an object with all its keys and versions (not its index
 * entry). */
int vos_obj_free(struct vos_pool *pool, struct vos_obj_df *obj);

/* Inside a transaction: removes every version, tombstone, object punch and object creation at
 * or above from in the container (discard.c). */
int vos_cont_discard(struct vos_pool *pool, struct vos_cont_df *cont, uint64_t from);

/* Inside a transaction, before a change at epoch (not a discard) in cont: a change below the
 * aggregation floor, or at or below the epoch of a running pass, lowers the floor to it and
 * taints the pass (aggregate.c), so that no key is left with versions aggregation skips. */
int vos_cont_note_write(struct vos_pool *pool, struct vos_cont_df *cont, uint64_t epoch);

/* The container record at off, checked: VOS_ERR_CORRUPT, saying what, if damaged. */
int vos_cont_at(struct vos_pool *pool, umem_off_t off, struct vos_cont_df **cont_out);

/* The object record at off, checked: VOS_ERR_CORRUPT, saying what, if damaged. */
int vos_obj_at(struct vos_pool *pool, umem_off_t off, struct vos_obj_df **obj_out);

#endif /* VOSTOK_VOS_INTERNAL_H */
