/*
 * btree.h: a persistent B+-tree on umem, keyed by unsigned 64-bit integers or by byte strings.
 *
 * Every entry carries a 64-bit value and an epoch; every internal entry carries the greatest
 * epoch found under its child. Lookups and ordered walks are logarithmic, and so is finding
 * the next entry whose epoch is at or above a bound (btr_find_epoch), which is what makes
 * discarding the newest epochs of a large container cheap: whole subtrees written only before
 * the bound are never visited.
 *
 * Node layout: a 16-byte header and up to BTR_ORDER entries of 40 bytes, sorted by key. In an
 * internal node, entry i covers the keys from its own key up to the next entry's key; entry 0's
 * key is unused (it stands for "everything below entry 1"). Lexical keys of up to 8 bytes live
 * in the entry itself (big-endian, zero padded); longer ones in a separate block that the
 * entry owns. Separators in internal nodes are copies, so deleting a leaf entry never leaves a
 * separator pointing at freed memory.
 *
 * Checksums: every node carries a CRC-32C of its own offset, its header and the entries in
 * use, set once per node by the commit of a transaction that changed it (umem_tx_touch) and
 * verified whenever a node is reached, so a flipped key, epoch or child pointer is
 * VOS_ERR_CORRUPT, never a wrong turn. A long key's block is covered by a CRC-32C in its entry,
 * set when the key is written (it never changes) and verified before its bytes are compared or
 * handed out. The tree's anchor lives in its owner's record, whose checksum covers it: a change
 * of the anchor touches the owner with the seal given to btr_open().
 *
 * Changes must run inside a umem transaction; reads need no transaction but must not run
 * concurrently with a change of the same tree.
 */
#ifndef VOSTOK_BTREE_H
#define VOSTOK_BTREE_H

#include "umem.h"

#include <stdbool.h>
#include <stdint.h>

#define BTR_ORDER     32u /* entries in a node at most */
#define BTR_FILL_MIN  8u  /* entries in a node other than the root after a delete, at least */
#define BTR_DEPTH_MAX 24u /* levels; BTR_FILL_MIN^24 entries is far beyond any pool */
#define BTR_INLINE_KEY_BYTES 8u

enum btr_key_order {
	BTR_KEYS_INTEGER = 1,
	BTR_KEYS_LEXICAL = 2,
};

/* The tree's anchor, embedded in its owner's persistent structure. */
struct btr_root {
	umem_off_t node;      /* the root node, UMEM_OFF_NULL when the tree is empty */
	uint64_t   count;     /* entries */
	uint32_t   key_order; /* enum btr_key_order */
	uint16_t   depth;     /* levels, 0 when empty */
	uint16_t   magic;     /* BTR_ROOT_MAGIC */
};                            /* 24 bytes */

#define BTR_ROOT_MAGIC 0x7442u

struct btr_ent {
	uint64_t   inl;    /* the integer key, or a lexical key's first 8 bytes, big-endian */
	umem_off_t ext;    /* a lexical key longer than 8 bytes: the whole key */
	uint32_t   len;    /* a lexical key's length; 0 in an integer tree */
	uint32_t   kcsum;  /* with ext: CRC-32C of ext's offset and the key's bytes; else 0 */
	uint64_t   val;    /* leaf: the owner's value; internal: the child node's offset */
	uint64_t   epoch;  /* leaf: the owner's epoch; internal: the greatest epoch under it */
};                         /* 40 bytes */

struct btr_node {
	uint32_t magic;   /* BTR_NODE_MAGIC */
	uint16_t level;   /* 0 for a leaf */
	uint16_t count;   /* 1 .. BTR_ORDER entries in use */
	uint32_t csum;    /* CRC-32C of the node's offset, the rest of the header, ent[0 .. count) */
	uint32_t unused;  /* 0 */
	struct btr_ent ent[BTR_ORDER];
};

#define BTR_NODE_MAGIC 0x4e525442u /* "BTRN" */

/* A key to look up: build it with btr_key_int() or btr_key_bytes(). */
struct btr_key {
	uint64_t       inl;
	const uint8_t *bytes; /* lexical keys only */
	uint32_t       len;   /* 0 for an integer key */
};

/* A tree in use: where it lives. Cheap to build; holds no resources. */
struct btr_tree {
	struct umem     *um;
	struct btr_root *root;
	umem_off_t       owner;      /* the record that holds root, sealed by owner_seal */
	umem_seal_fn     owner_seal; /* NULL: root is in no sealed record */
};

/* A position in a tree (DRAM only). Valid until the tree changes, except where a function
 * below says otherwise. */
struct btr_cursor {
	struct btr_tree tree;
	uint32_t        depth; /* levels in path; 0 when not positioned */
	struct {
		struct btr_node *node;
		uint32_t         idx;
	} path[BTR_DEPTH_MAX];
	uint8_t keybuf[BTR_INLINE_KEY_BYTES];
	bool     deleted;      /* the leaf entry at the cursor was deleted; idx is its successor */
	uint64_t visits;       /* nodes reached through this cursor, for cost checks in tests */
};

enum btr_probe_op {
	BTR_PROBE_FIRST,
	BTR_PROBE_LAST,
	BTR_PROBE_EQ,
	BTR_PROBE_GE,
	BTR_PROBE_GT,
	BTR_PROBE_LE,
	BTR_PROBE_LT,
};

void btr_key_int(struct btr_key *key, uint64_t value);
void btr_key_bytes(struct btr_key *key, const uint8_t *bytes, uint32_t len);

/* Makes root an empty tree; root must be new memory or added to the transaction. */
void btr_root_init(struct btr_root *root, uint32_t key_order);

/* VOS_ERR_CORRUPT if root is not a tree anchor. root lies in the record at owner, which a
 * change of root touches with owner_seal (NULL: in no sealed record). */
int btr_open(struct btr_tree *tree, struct umem *um, struct btr_root *root, umem_off_t owner,
	     umem_seal_fn owner_seal);

/* Seals the node at off (umem_seal_fn): for the commit of a transaction that touched it. */
int btr_node_seal(struct umem *um, umem_off_t off, bool added);

/* Positions the cursor. VOS_ERR_NONEXIST when no entry qualifies (cursor not positioned). */
int btr_probe(const struct btr_tree *tree, struct btr_cursor *cur, enum btr_probe_op op,
	      const struct btr_key *key);
int btr_next(struct btr_cursor *cur); /* VOS_ERR_NONEXIST past the last entry */
int btr_prev(struct btr_cursor *cur); /* VOS_ERR_NONEXIST before the first entry */

struct btr_ent *btr_cur_ent(const struct btr_cursor *cur);

/* The key at the cursor; its bytes stay valid while the cursor and the tree are unchanged.
 * VOS_ERR_CORRUPT if a long key's block fails its checksum. */
int btr_cur_key(struct btr_cursor *cur, struct btr_key *key_out);

/* Positions the cursor at the first entry, after `after` (NULL: from the first entry), whose
 * epoch is at or above from. VOS_ERR_NONEXIST when there is none. */
int btr_find_epoch(const struct btr_tree *tree, struct btr_cursor *cur, uint64_t from,
		   const struct btr_key *after);

/* Moves the cursor on to the next entry whose epoch is at or above from, continuing from where
 * it stands: after its entry, or, when the entry was just deleted, at its successor. The tree
 * may have changed since the cursor was positioned only through btr_cur_set_val,
 * btr_cur_set_epoch and a btr_cur_delete that left it positioned. VOS_ERR_NONEXIST when there
 * is none. */
int btr_find_epoch_next(struct btr_cursor *cur, uint64_t from);

/* The greatest epoch in the tree, 0 when it is empty. */
int btr_max_epoch(const struct btr_tree *tree, uint64_t *epoch_out);

/* ---- Changes, inside a umem transaction ---- */

/* Finds key, or inserts it with val and epoch (raising every epoch on its path); either way
 * the cursor ends at the entry. *created_out says which happened; an entry that was found is
 * left as it was, for the caller to change with btr_cur_update() or btr_cur_raise_epoch(). */
int btr_upsert(const struct btr_tree *tree, struct btr_cursor *cur, const struct btr_key *key,
	       uint64_t epoch, uint64_t val, bool *created_out);

int btr_cur_set_val(struct btr_cursor *cur, uint64_t val);

/* Sets the entry's value and raises its epoch, and its ancestors', to at least epoch, logging
 * the entry once. */
int btr_cur_update(struct btr_cursor *cur, uint64_t val, uint64_t epoch);

/* Raises the entry's epoch and its ancestors' to at least epoch. */
int btr_cur_raise_epoch(struct btr_cursor *cur, uint64_t epoch);

/* Sets the entry's epoch exactly (lower or higher) and corrects its ancestors. */
int btr_cur_set_epoch(struct btr_cursor *cur, uint64_t epoch);

/* Deletes the entry at the cursor; the owner frees what val refers to. If the tree kept its
 * shape (no node merged or borrowed), the cursor stays positioned just before the deleted
 * entry's successor, for btr_find_epoch_next(..., inclusive); otherwise it is not positioned
 * afterwards (btr_cur_positioned() says which). */
int btr_cur_delete(struct btr_cursor *cur);

static inline bool btr_cur_positioned(const struct btr_cursor *cur)
{
	return cur->depth > 0;
}

/* Frees every node and key of the tree, calling free_val for every entry's value first, and
 * leaves the tree empty. */
typedef int (*btr_val_fn)(void *arg, uint64_t val);
int btr_destroy(const struct btr_tree *tree, btr_val_fn free_val, void *arg);

/* Checks the structure (order, fill, depth, separators, epochs); for tests. Returns
 * VOS_ERR_CORRUPT with a message on the first violation. */
int btr_check(const struct btr_tree *tree);

/* A scrub of one tree: btr_scrub() walks it in key order, checking every node it reaches
 * (its checksum, level, count and fill, its keys in order and within the range its parent
 * gives it, long keys' checksums, its epochs within its parent's bound, and that it lies in a
 * live allocation large enough for it) and handing every leaf entry to visit. A node that
 * fails is reported to problem (vos_message() says what) and its subtree skipped. */
struct btr_scrub {
	/* in */
	int  (*visit)(void *arg, struct btr_ent *e, const struct btr_key *key);
	void (*problem)(void *arg);
	void  *arg;
	/* out: added to */
	uint64_t nodes;     /* nodes checked */
	uint64_t bytes;     /* bytes checksummed */
	uint64_t entries;   /* leaf entries visited */
	uint64_t max_epoch; /* the greatest epoch of the leaf entries visited */
	bool     damaged;   /* a node was reported (and its subtree skipped) */
};

#define BTR_SCRUB_STOP 1 /* visit's answer: stop the walk here (the entry is not counted) */

/* Walks from the first key at or above from (NULL: the first key). VOS_OK: the walk reached
 * the end; BTR_SCRUB_STOP: visit asked to stop; an error visit returned (< 0). */
int btr_scrub(const struct btr_tree *tree, const struct btr_key *from, struct btr_scrub *s);

#endif /* VOSTOK_BTREE_H */
