/*
 * btree.c: the persistent B+-tree (see btree.h for the layout).
 *
 * Insertion and deletion work bottom-up along the path a lookup recorded in the cursor: a
 * full node splits in two and pushes a separator into its parent; a node left with fewer than
 * BTR_FILL_MIN entries borrows from a sibling, or merges with it when both fit in one node.
 * Every node is checked (magic, level, count, its checksum) when it is reached, so a damaged
 * pool gives VOS_ERR_CORRUPT instead of a wild pointer or a wrong answer.
 *
 * Every change of a node goes through the add_* helpers below, which add the bytes to the
 * transaction and touch the node, so its checksum is computed once, at commit, however many
 * of its entries the transaction changed.
 */
#include "btree.h"

#include "crc32c.h"
#include "error.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define ENT_BYTES sizeof(struct btr_ent)

_Static_assert(offsetof(struct btr_node, unused) + sizeof(uint32_t) ==
	       offsetof(struct btr_node, ent), "a node's checksum covers unused and ent as one");
_Static_assert(offsetof(struct btr_node, csum) == 8, "btr_node header layout");

/* ------------------------------------------------------------------------------------------
 * Keys
 */

void btr_key_int(struct btr_key *key, uint64_t value)
{
	key->inl = value;
	key->bytes = NULL;
	key->len = 0;
}

static uint64_t inline_prefix(const uint8_t *bytes, uint32_t len)
{
	uint64_t inl = 0;

	for (uint32_t i = 0; i < BTR_INLINE_KEY_BYTES; i++)
		inl = (inl << 8) | (i < len ? bytes[i] : 0);
	return inl;
}

void btr_key_bytes(struct btr_key *key, const uint8_t *bytes, uint32_t len)
{
	key->inl = inline_prefix(bytes, len);
	key->bytes = bytes;
	key->len = len;
}

/* A long key's checksum: seeded with its block's offset, so a block read from the wrong place
 * does not pass. */
static uint32_t key_csum(umem_off_t ext, const uint8_t *bytes, uint32_t len)
{
	return crc32c(crc32c(0, &ext, sizeof(ext)), bytes, len);
}

/* The bytes of an entry's key (buf holds those of a short key); VOS_ERR_CORRUPT if a long
 * key's block fails its checksum. */
static int ent_bytes(const struct umem *um, const struct btr_ent *e,
		     uint8_t buf[BTR_INLINE_KEY_BYTES], const uint8_t **bytes_out)
{
	if (e->len > BTR_INLINE_KEY_BYTES) {
		const uint8_t *b = umem_ptr(um, e->ext);
		uint32_t c = key_csum(e->ext, b, e->len);

		if (c != e->kcsum)
			return vos_fail(VOS_ERR_CORRUPT,
					"the %u-byte key at pool offset %llu fails its CRC-32C "
					"checksum (stored 0x%08x, computed 0x%08x); the pool needs "
					"to be restored from a replica or a backup", e->len,
					(unsigned long long)e->ext, e->kcsum, c);
		*bytes_out = b;
		return VOS_OK;
	}
	for (uint32_t i = 0; i < BTR_INLINE_KEY_BYTES; i++)
		buf[i] = (uint8_t)(e->inl >> (56 - 8 * i));
	*bytes_out = buf;
	return VOS_OK;
}

/* Compares an entry's key with key into *cmp (<0, 0, >0). */
static int cmp_ent(const struct umem *um, const struct btr_ent *e, const struct btr_key *key,
		   int *cmp)
{
	uint8_t buf[BTR_INLINE_KEY_BYTES];
	const uint8_t *eb;
	uint32_t n;
	int r, rc;

	if (e->inl != key->inl) {
		*cmp = e->inl < key->inl ? -1 : 1;
		return VOS_OK;
	}
	/* Equal prefixes: keys of up to 8 bytes differ only in how many zero bytes end them. */
	if (key->len == 0 ||
	    (e->len <= BTR_INLINE_KEY_BYTES && key->len <= BTR_INLINE_KEY_BYTES)) {
		*cmp = (e->len > key->len) - (e->len < key->len);
		return VOS_OK;
	}
	rc = ent_bytes(um, e, buf, &eb);
	if (rc != VOS_OK)
		return rc;
	n = e->len < key->len ? e->len : key->len;
	r = memcmp(eb, key->bytes, n);
	*cmp = r != 0 ? (r < 0 ? -1 : 1) : (e->len > key->len) - (e->len < key->len);
	return VOS_OK;
}

static int ent_key(const struct umem *um, const struct btr_ent *e, struct btr_key *key,
		   uint8_t buf[BTR_INLINE_KEY_BYTES])
{
	key->inl = e->inl;
	key->len = e->len;
	key->bytes = NULL;
	return e->len == 0 ? VOS_OK : ent_bytes(um, e, buf, &key->bytes);
}

/* Writes key into a new entry, copying a long key into a block the entry owns. */
static int ent_set_key(struct umem *um, struct btr_ent *e, const struct btr_key *key)
{
	e->inl = key->inl;
	e->len = key->len;
	e->ext = UMEM_OFF_NULL;
	e->kcsum = 0;
	if (key->len > BTR_INLINE_KEY_BYTES) {
		int rc = umem_alloc(um, key->len, 0, &e->ext);

		if (rc != VOS_OK)
			return rc;
		memcpy(umem_ptr(um, e->ext), key->bytes, key->len);
		e->kcsum = key_csum(e->ext, key->bytes, key->len);
	}
	return VOS_OK;
}

static int ent_copy_key(struct umem *um, struct btr_ent *dst, const struct btr_ent *src)
{
	uint8_t buf[BTR_INLINE_KEY_BYTES];
	struct btr_key key;
	int rc = ent_key(um, src, &key, buf);

	return rc != VOS_OK ? rc : ent_set_key(um, dst, &key);
}

/* Moves a key (its block, if any, with it) from src to dst: separators between internal nodes
 * move up and down without a copy. */
static void ent_move_key(struct btr_ent *dst, const struct btr_ent *src)
{
	dst->inl = src->inl;
	dst->ext = src->ext;
	dst->len = src->len;
	dst->kcsum = src->kcsum;
}

static int ent_free_key(struct umem *um, struct btr_ent *e)
{
	if (e->len > BTR_INLINE_KEY_BYTES)
		return umem_free(um, e->ext);
	return VOS_OK;
}

static void ent_clear_key(struct btr_ent *e)
{
	e->inl = 0;
	e->ext = UMEM_OFF_NULL;
	e->len = 0;
	e->kcsum = 0;
}

/* ------------------------------------------------------------------------------------------
 * Nodes
 */

static uint32_t node_csum(const struct btr_node *n, umem_off_t off)
{
	uint32_t c = crc32c(0, &off, sizeof(off));

	c = crc32c(c, n, offsetof(struct btr_node, csum));
	return crc32c(c, &n->unused, sizeof(n->unused) + n->count * ENT_BYTES);
}

int btr_node_seal(struct umem *um, umem_off_t off, bool added)
{
	struct btr_node *n = umem_ptr(um, off);
	int rc = VOS_OK;

	/* A touched node was checked when it was reached, or made in this transaction. */
	VOS_ASSERT(n->magic == BTR_NODE_MAGIC && n->count > 0 && n->count <= BTR_ORDER);
	if (!added)
		rc = umem_tx_add(um, &n->csum, sizeof(n->csum));
	if (rc == VOS_OK)
		n->csum = node_csum(n, off);
	return rc;
}

static int node_damaged(umem_off_t off, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int node_damaged(umem_off_t off, const char *fmt, ...)
{
	char what[192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return vos_fail(VOS_ERR_CORRUPT,
			"the index node at pool offset %llu is damaged: %s; the pool needs to be "
			"restored from a replica or a backup", (unsigned long long)off, what);
}

/* The node at off, checked: VOS_ERR_CORRUPT, saying what is wrong, unless it is a sound node
 * of the expected level. A node the running transaction changed is not checked against its
 * checksum, which is stale until the commit; nor is one verified since it was last loaded or
 * changed, where the backend keeps that (umem.h), unless full asks for it (the scrubber). */
static int node_check(const struct btr_tree *t, umem_off_t off, uint32_t level, bool full,
		      struct btr_node **node_out)
{
	struct btr_node *n;
	bool verify;
	uint32_t c;

	*node_out = NULL;
	if (!umem_off_valid(t->um, off, sizeof(*n)))
		return node_damaged(off, "a pointer to it lies outside the pool of %llu bytes",
				    (unsigned long long)t->um->size);
	n = umem_ptr(t->um, off);
	if (n->magic != BTR_NODE_MAGIC)
		return node_damaged(off, "its mark is 0x%08x, not 0x%08x", n->magic, BTR_NODE_MAGIC);
	if (n->level != level)
		return node_damaged(off, "its level is %u where %u was expected", n->level, level);
	if (n->count == 0 || n->count > BTR_ORDER)
		return node_damaged(off, "it holds %u entries, not 1 .. %u", n->count, BTR_ORDER);
	/* Checked whole since it was last loaded or changed (touch() clears the mark before a
	 * transaction changes the node): nothing below can have changed. */
	if (!full && umem_verified(t->um, off)) {
		*node_out = n;
		return VOS_OK;
	}
	verify = !umem_tx_touched(t->um, off);
	if (verify) {
		c = node_csum(n, off);
		if (c != n->csum)
			return node_damaged(off, "its CRC-32C checksum does not match (stored "
					    "0x%08x, computed 0x%08x)", n->csum, c);
	}
	if (t->root->key_order == BTR_KEYS_LEXICAL) {
		for (uint32_t i = level == 0 ? 0 : 1; i < n->count; i++) {
			const struct btr_ent *e = &n->ent[i];

			if (e->len == 0 ||
			    (e->len > BTR_INLINE_KEY_BYTES && !umem_off_valid(t->um, e->ext, e->len)))
				return node_damaged(off, "entry %u holds a key of %u bytes that "
						    "cannot be read", i, e->len);
		}
	}
	/* Marked only once all of it passed, so that the shortcut above skips no check. */
	if (verify)
		umem_set_verified(t->um, off);
	*node_out = n;
	return VOS_OK;
}

static int node_get(const struct btr_tree *t, umem_off_t off, uint32_t level,
		    struct btr_node **node_out)
{
	return node_check(t, off, level, false, node_out);
}

static uint64_t node_max_epoch(const struct btr_node *n)
{
	uint64_t m = 0;

	for (uint32_t i = 0; i < n->count; i++)
		if (n->ent[i].epoch > m)
			m = n->ent[i].epoch;
	return m;
}

/* The running transaction changed n: its checksum is computed when the transaction commits.
 * added: the node is new, or its header is in the transaction. */
static int touch(const struct btr_tree *t, const struct btr_node *n, bool added)
{
	umem_clear_verified(t->um, umem_off(t->um, n));
	return umem_tx_touch(t->um, umem_off(t->um, n), btr_node_seal, added);
}

/* Frees a node: its memory may hold anything next, so no verification of it stands. */
static int node_free(struct btr_tree *t, umem_off_t off)
{
	umem_clear_verified(t->um, off);
	return umem_free(t->um, off);
}

static int node_alloc(struct btr_tree *t, uint16_t level, struct btr_node **node_out,
		      umem_off_t *off_out)
{
	struct btr_node *n;
	int rc;

	/* Zeroed, so that logging a range that takes in free slots never reads undefined
	 * memory. */
	rc = umem_alloc(t->um, sizeof(struct btr_node), UMEM_ALLOC_ZERO, off_out);
	if (rc != VOS_OK)
		return rc;
	n = umem_ptr(t->um, *off_out);
	n->magic = BTR_NODE_MAGIC;
	n->level = level;
	n->count = 0;
	n->csum = 0;
	n->unused = 0;
	*node_out = n;
	return touch(t, n, true);
}

/* Adds len bytes at ptr, inside node n, to the transaction; with the node's checksum, which
 * its commit writes, if that is near enough to cost less as one range than as two. */
static int add_in(const struct btr_tree *t, const struct btr_node *n, const void *ptr, size_t len)
{
	const char *csum = (const char *)&n->csum;
	int rc;

	if ((const char *)ptr > csum &&
	    (size_t)((const char *)ptr - csum) <= sizeof(n->csum) + t->um->range_join_bytes) {
		len += (size_t)((const char *)ptr - csum);
		ptr = csum;
	}
	rc = umem_tx_add(t->um, ptr, len);
	if (rc != VOS_OK)
		return rc;
	return touch(t, n, (const char *)ptr <= csum && csum + 4 <= (const char *)ptr + len);
}

static int add_hdr(struct btr_tree *t, struct btr_node *n)
{
	return add_in(t, n, n, offsetof(struct btr_node, ent));
}

/* The header and entries [0, to) as one range: one range costs less to log than two (with
 * emulated persistence each range is a separate msync), even if it carries some bytes that do
 * not change. */
static int add_node(struct btr_tree *t, struct btr_node *n, uint32_t to)
{
	return add_in(t, n, n, offsetof(struct btr_node, ent) + to * ENT_BYTES);
}

static int add_ents(struct btr_tree *t, struct btr_node *n, uint32_t from, uint32_t to)
{
	if (to <= from)
		return VOS_OK;
	return add_in(t, n, &n->ent[from], (to - from) * ENT_BYTES);
}

/* The anchor lives in the owner's record: changing it changes the owner. */
static int add_root(struct btr_tree *t)
{
	int rc = umem_tx_add(t->um, t->root, sizeof(*t->root));

	if (rc == VOS_OK && t->owner_seal != NULL)
		rc = umem_tx_touch(t->um, t->owner, t->owner_seal, false);
	return rc;
}

/* In an internal node, the child whose range holds key: the last entry i >= 1 whose key is at
 * most key, else entry 0. */
static int child_index(const struct btr_tree *t, const struct btr_node *n,
		       const struct btr_key *key, uint32_t *idx_out)
{
	uint32_t lo = 1, hi = n->count;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		int cmp, rc = cmp_ent(t->um, &n->ent[mid], key, &cmp);

		if (rc != VOS_OK)
			return rc;
		if (cmp <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*idx_out = lo - 1;
	return VOS_OK;
}

/* In a leaf, the first entry not below key (count if none); *eq if it equals key. */
static int lower_bound(const struct btr_tree *t, const struct btr_node *n,
		       const struct btr_key *key, uint32_t *idx_out, bool *eq)
{
	uint32_t lo = 0, hi = n->count;
	int cmp = 1, rc;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		rc = cmp_ent(t->um, &n->ent[mid], key, &cmp);
		if (rc != VOS_OK)
			return rc;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n->count) {
		rc = cmp_ent(t->um, &n->ent[lo], key, &cmp);
		if (rc != VOS_OK)
			return rc;
	}
	*eq = lo < n->count && cmp == 0;
	*idx_out = lo;
	return VOS_OK;
}

/* ------------------------------------------------------------------------------------------
 * Opening and reading
 */

void btr_root_init(struct btr_root *root, uint32_t key_order)
{
	root->node = UMEM_OFF_NULL;
	root->count = 0;
	root->key_order = key_order;
	root->depth = 0;
	root->magic = BTR_ROOT_MAGIC;
}

int btr_open(struct btr_tree *tree, struct umem *um, struct btr_root *root, umem_off_t owner,
	     umem_seal_fn owner_seal)
{
	if (root->magic != BTR_ROOT_MAGIC ||
	    (root->key_order != BTR_KEYS_INTEGER && root->key_order != BTR_KEYS_LEXICAL) ||
	    root->depth > BTR_DEPTH_MAX || (root->depth == 0) != (root->node == UMEM_OFF_NULL))
		return vos_fail(VOS_ERR_CORRUPT,
				"an index root at pool offset %llu is damaged; the pool needs to "
				"be restored from a replica or a backup",
				(unsigned long long)umem_off(um, root));
	tree->um = um;
	tree->root = root;
	tree->owner = owner;
	tree->owner_seal = owner_seal;
	return VOS_OK;
}

static void cur_reset(const struct btr_tree *t, struct btr_cursor *cur)
{
	cur->tree = *t;
	cur->depth = 0;
	cur->deleted = false;
	cur->visits = 0;
}

/* Walks from the root to a leaf, choosing the child for key at each level (the first or last
 * child when key is NULL and first_last says which). Leaves the leaf in path[depth - 1] with
 * idx unset. */
static int descend(const struct btr_tree *t, struct btr_cursor *cur, const struct btr_key *key,
		   bool last)
{
	uint32_t depth = t->root->depth;
	umem_off_t off = t->root->node;

	cur_reset(t, cur);
	for (uint32_t l = 0; l < depth; l++) {
		struct btr_node *n;
		uint32_t idx;
		int rc = node_get(t, off, depth - 1 - l, &n);

		if (rc != VOS_OK)
			return rc;
		cur->visits++;
		cur->path[l].node = n;
		if (l == depth - 1) {
			cur->path[l].idx = 0;
			break;
		}
		if (key != NULL) {
			rc = child_index(t, n, key, &idx);
			if (rc != VOS_OK)
				return rc;
		} else {
			idx = last ? n->count - 1u : 0;
		}
		cur->path[l].idx = idx;
		off = n->ent[idx].val;
	}
	cur->depth = depth;
	return VOS_OK;
}

/* Descends from level l (whose idx is set) to the first (or last) entry below it. */
static int descend_edge(struct btr_cursor *cur, uint32_t l, bool last)
{
	const struct btr_tree *t = &cur->tree;

	for (; l + 1 < cur->depth; l++) {
		struct btr_node *parent = cur->path[l].node;
		umem_off_t off = parent->ent[cur->path[l].idx].val;
		struct btr_node *n;
		int rc = node_get(t, off, parent->level - 1u, &n);

		if (rc != VOS_OK)
			return rc;
		cur->visits++;
		cur->path[l + 1].node = n;
		cur->path[l + 1].idx = last ? n->count - 1u : 0;
	}
	return VOS_OK;
}

int btr_next(struct btr_cursor *cur)
{
	uint32_t leaf = cur->depth - 1;

	if (cur->depth == 0)
		return vos_fail(VOS_ERR_NONEXIST, "no entry");
	if (cur->path[leaf].idx + 1u < cur->path[leaf].node->count) {
		cur->path[leaf].idx++;
		return VOS_OK;
	}
	for (uint32_t l = leaf; l-- > 0;) {
		if (cur->path[l].idx + 1u < cur->path[l].node->count) {
			cur->path[l].idx++;
			return descend_edge(cur, l, false);
		}
	}
	return VOS_ERR_NONEXIST;
}

int btr_prev(struct btr_cursor *cur)
{
	uint32_t leaf = cur->depth - 1;

	if (cur->depth == 0)
		return vos_fail(VOS_ERR_NONEXIST, "no entry");
	if (cur->path[leaf].idx > 0) {
		cur->path[leaf].idx--;
		return VOS_OK;
	}
	for (uint32_t l = leaf; l-- > 0;) {
		if (cur->path[l].idx > 0) {
			cur->path[l].idx--;
			return descend_edge(cur, l, true);
		}
	}
	return VOS_ERR_NONEXIST;
}

int btr_probe(const struct btr_tree *t, struct btr_cursor *cur, enum btr_probe_op op,
	      const struct btr_key *key)
{
	struct btr_node *leaf;
	uint32_t idx;
	bool eq;
	int rc;

	cur_reset(t, cur);
	if (t->root->depth == 0)
		return VOS_ERR_NONEXIST;
	switch (op) {
	case BTR_PROBE_FIRST:
	case BTR_PROBE_LAST:
		rc = descend(t, cur, NULL, op == BTR_PROBE_LAST);
		if (rc != VOS_OK)
			return rc;
		leaf = cur->path[cur->depth - 1].node;
		cur->path[cur->depth - 1].idx = op == BTR_PROBE_LAST ? leaf->count - 1u : 0;
		return VOS_OK;
	default:
		break;
	}
	rc = descend(t, cur, key, false);
	if (rc != VOS_OK)
		return rc;
	leaf = cur->path[cur->depth - 1].node;
	rc = lower_bound(t, leaf, key, &idx, &eq);
	if (rc != VOS_OK) {
		cur->depth = 0;
		return rc;
	}
	switch (op) {
	case BTR_PROBE_EQ:
		if (!eq) {
			cur->depth = 0;
			return VOS_ERR_NONEXIST;
		}
		break;
	case BTR_PROBE_GT:
		if (eq)
			idx++;
		/* fall through */
	case BTR_PROBE_GE:
		if (idx == leaf->count) {
			cur->path[cur->depth - 1].idx = idx - 1u;
			rc = btr_next(cur);
			if (rc != VOS_OK)
				cur->depth = 0;
			return rc;
		}
		break;
	case BTR_PROBE_LE:
		if (eq)
			break;
		/* fall through */
	case BTR_PROBE_LT:
		if (idx == 0) {
			cur->path[cur->depth - 1].idx = 0;
			rc = btr_prev(cur);
			if (rc != VOS_OK)
				cur->depth = 0;
			return rc;
		}
		idx--;
		break;
	default:
		return vos_fail(VOS_ERR_INVAL, "unknown probe operation %d", (int)op);
	}
	cur->path[cur->depth - 1].idx = idx;
	return VOS_OK;
}

struct btr_ent *btr_cur_ent(const struct btr_cursor *cur)
{
	VOS_ASSERT(cur->depth > 0);
	return &cur->path[cur->depth - 1].node->ent[cur->path[cur->depth - 1].idx];
}

int btr_cur_key(struct btr_cursor *cur, struct btr_key *key_out)
{
	return ent_key(cur->tree.um, btr_cur_ent(cur), key_out, cur->keybuf);
}

/* Depth-first search for the first entry after `after` with an epoch at or above from,
 * skipping every subtree whose greatest epoch is below it. Returns 1 when found (path set from
 * level l down), 0 when not, or an error. */
static int find_epoch_at(const struct btr_tree *t, struct btr_cursor *cur, uint32_t l,
			 struct btr_node *n, uint64_t from, const struct btr_key *after)
{
	uint32_t start = 0;
	int rc;

	cur->visits++;
	if (after != NULL) {
		if (n->level == 0) {
			bool eq;

			rc = lower_bound(t, n, after, &start, &eq);
			if (rc != VOS_OK)
				return rc;
			if (eq)
				start++;
		} else {
			rc = child_index(t, n, after, &start);
			if (rc != VOS_OK)
				return rc;
		}
	}
	for (uint32_t i = start; i < n->count; i++) {
		struct btr_node *child;
		int found;

		if (n->ent[i].epoch < from)
			continue;
		cur->path[l].node = n;
		cur->path[l].idx = i;
		if (n->level == 0)
			return 1;
		rc = node_get(t, n->ent[i].val, n->level - 1u, &child);
		if (rc != VOS_OK)
			return rc;
		/* Only the first child can hold keys at or below `after`. */
		found = find_epoch_at(t, cur, l + 1, child, from, i == start ? after : NULL);
		if (found != 0)
			return found;
	}
	return 0;
}

int btr_find_epoch(const struct btr_tree *t, struct btr_cursor *cur, uint64_t from,
		   const struct btr_key *after)
{
	struct btr_node *root;
	int found;

	cur_reset(t, cur);
	if (t->root->depth == 0)
		return VOS_ERR_NONEXIST;
	found = node_get(t, t->root->node, t->root->depth - 1u, &root);
	if (found != VOS_OK)
		return found;
	found = find_epoch_at(t, cur, 0, root, from, after);
	if (found < 0)
		return found;
	if (found == 0)
		return VOS_ERR_NONEXIST;
	cur->depth = t->root->depth;
	return VOS_OK;
}

int btr_find_epoch_next(struct btr_cursor *cur, uint64_t from)
{
	const struct btr_tree *t = &cur->tree;

	if (cur->depth == 0)
		return VOS_ERR_NONEXIST;
	cur->visits = 0;
	/* Right of the path, level by level upwards; the first subtree that may hold an epoch at
	 * or above from is searched downwards (its bound may be stale-high, so it can come up
	 * empty, and the scan goes on). */
	for (uint32_t l = cur->depth; l-- > 0;) {
		struct btr_node *n = cur->path[l].node;
		uint32_t first = cur->path[l].idx + 1;

		if (l == cur->depth - 1 && cur->deleted)
			first--;
		for (uint32_t i = first; i < n->count; i++) {
			struct btr_node *child;
			int found;

			if (n->ent[i].epoch < from)
				continue;
			cur->path[l].idx = i;
			if (n->level == 0) {
				cur->deleted = false;
				return VOS_OK;
			}
			found = node_get(t, n->ent[i].val, n->level - 1u, &child);
			if (found != VOS_OK)
				return found;
			found = find_epoch_at(t, cur, l + 1, child, from, NULL);
			if (found < 0)
				return found;
			if (found > 0) {
				cur->deleted = false;
				return VOS_OK;
			}
		}
	}
	cur->depth = 0;
	return VOS_ERR_NONEXIST;
}

int btr_max_epoch(const struct btr_tree *t, uint64_t *epoch_out)
{
	struct btr_node *root;
	int rc;

	*epoch_out = 0;
	if (t->root->depth == 0)
		return VOS_OK;
	rc = node_get(t, t->root->node, t->root->depth - 1u, &root);
	if (rc == VOS_OK)
		*epoch_out = node_max_epoch(root);
	return rc;
}

/* ------------------------------------------------------------------------------------------
 * Epochs along a path
 */

int btr_cur_raise_epoch(struct btr_cursor *cur, uint64_t epoch)
{
	for (uint32_t l = 0; l < cur->depth; l++) {
		struct btr_ent *e = &cur->path[l].node->ent[cur->path[l].idx];

		if (e->epoch < epoch) {
			int rc = add_in(&cur->tree, cur->path[l].node, &e->epoch, sizeof(e->epoch));

			if (rc != VOS_OK)
				return rc;
			e->epoch = epoch;
		}
	}
	return VOS_OK;
}

/* The node at path[l] changed; brings the epochs of its ancestors up to date. */
static int refresh_epochs(struct btr_cursor *cur, uint32_t l)
{
	for (; l > 0; l--) {
		struct btr_ent *e = &cur->path[l - 1].node->ent[cur->path[l - 1].idx];
		uint64_t m = node_max_epoch(cur->path[l].node);
		int rc;

		if (e->epoch == m)
			break;
		rc = add_in(&cur->tree, cur->path[l - 1].node, &e->epoch, sizeof(e->epoch));
		if (rc != VOS_OK)
			return rc;
		e->epoch = m;
	}
	return VOS_OK;
}

int btr_cur_set_epoch(struct btr_cursor *cur, uint64_t epoch)
{
	struct btr_ent *e = btr_cur_ent(cur);
	int rc;

	if (e->epoch == epoch)
		return VOS_OK;
	rc = add_in(&cur->tree, cur->path[cur->depth - 1].node, &e->epoch, sizeof(e->epoch));
	if (rc != VOS_OK)
		return rc;
	e->epoch = epoch;
	return refresh_epochs(cur, cur->depth - 1);
}

int btr_cur_update(struct btr_cursor *cur, uint64_t val, uint64_t epoch)
{
	struct btr_ent *e = btr_cur_ent(cur);
	int rc;

	_Static_assert(offsetof(struct btr_ent, epoch) == offsetof(struct btr_ent, val) + 8,
		       "val and epoch are adjacent");
	rc = add_in(&cur->tree, cur->path[cur->depth - 1].node, &e->val, 2 * sizeof(uint64_t));
	if (rc != VOS_OK)
		return rc;
	e->val = val;
	if (e->epoch >= epoch)
		return VOS_OK;
	e->epoch = epoch;
	return btr_cur_raise_epoch(cur, epoch);
}

int btr_cur_set_val(struct btr_cursor *cur, uint64_t val)
{
	struct btr_ent *e = btr_cur_ent(cur);
	int rc;

	rc = add_in(&cur->tree, cur->path[cur->depth - 1].node, &e->val, sizeof(e->val));
	if (rc != VOS_OK)
		return rc;
	e->val = val;
	return VOS_OK;
}

/* ------------------------------------------------------------------------------------------
 * Insertion
 */

/* Whether the node at path[l] is the last one of its level. */
static bool at_right_edge(const struct btr_cursor *cur, uint32_t l)
{
	for (uint32_t k = 0; k < l; k++)
		if (cur->path[k].idx + 1u != cur->path[k].node->count)
			return false;
	return true;
}

/* Inserts ent at path[l].idx of the node at level path[l], splitting it if it is full; the
 * split pushes a separator into the parent, and so on up to a new root. */
static int insert_at(struct btr_tree *t, struct btr_cursor *cur, uint32_t l,
		     const struct btr_ent *ent, bool *split_out)
{
	struct btr_node *n = cur->path[l].node;
	uint32_t pos = cur->path[l].idx;
	struct btr_ent all[BTR_ORDER + 1];
	uint32_t left_n = (BTR_ORDER + 1) / 2;
	uint32_t right_n;
	struct btr_node *r;
	struct btr_ent sep;
	umem_off_t r_off;
	int rc;

	if (n->count < BTR_ORDER) {
		rc = add_node(t, n, n->count + 1u);
		if (rc != VOS_OK)
			return rc;
		memmove(&n->ent[pos + 1], &n->ent[pos], (n->count - pos) * ENT_BYTES);
		n->ent[pos] = *ent;
		n->count++;
		return VOS_OK;
	}

	/* Split: the BTR_ORDER + 1 entries go left_n to this node and right_n to a new one.
	 * Appending at the right edge of the tree (a log's keys) leaves the left node nearly full
	 * and starts the right one with the fewest entries a node may have, so such a tree ends
	 * up about 80% full instead of half. */
	if (pos == BTR_ORDER && at_right_edge(cur, l))
		left_n = BTR_ORDER + 1 - BTR_FILL_MIN;
	right_n = BTR_ORDER + 1 - left_n;
	*split_out = true;
	memcpy(all, n->ent, pos * ENT_BYTES);
	all[pos] = *ent;
	memcpy(&all[pos + 1], &n->ent[pos], (BTR_ORDER - pos) * ENT_BYTES);
	rc = node_alloc(t, n->level, &r, &r_off);
	if (rc != VOS_OK)
		return rc;
	rc = add_node(t, n, pos < left_n ? left_n : 0);
	if (rc != VOS_OK)
		return rc;
	memcpy(&n->ent[pos < left_n ? pos : left_n], &all[pos < left_n ? pos : left_n],
	       (left_n - (pos < left_n ? pos : left_n)) * ENT_BYTES);
	n->count = (uint16_t)left_n;
	memcpy(r->ent, &all[left_n], right_n * ENT_BYTES);
	r->count = (uint16_t)right_n;

	/* The separator: a copy of the right leaf's first key, or, between internal nodes, the
	 * right node's first key itself (moved up; entry 0's key is unused). */
	memset(&sep, 0, sizeof(sep));
	if (n->level == 0) {
		rc = ent_copy_key(t->um, &sep, &r->ent[0]);
		if (rc != VOS_OK)
			return rc;
	} else {
		ent_move_key(&sep, &r->ent[0]);
		ent_clear_key(&r->ent[0]);
	}
	sep.val = r_off;
	sep.epoch = node_max_epoch(r);

	if (l == 0) {
		struct btr_node *root;
		umem_off_t root_off;

		rc = node_alloc(t, (uint16_t)(n->level + 1), &root, &root_off);
		if (rc != VOS_OK)
			return rc;
		memset(&root->ent[0], 0, ENT_BYTES);
		root->ent[0].val = t->root->node;
		root->ent[0].epoch = node_max_epoch(n);
		root->ent[1] = sep;
		root->count = 2;
		if (t->root->depth >= BTR_DEPTH_MAX)
			return vos_fail(VOS_ERR_TOOBIG, "the index is %u levels deep already",
					(unsigned)t->root->depth);
		rc = add_root(t);
		if (rc != VOS_OK)
			return rc;
		t->root->node = root_off;
		t->root->depth++;
		return VOS_OK;
	}
	{
		struct btr_ent *pe = &cur->path[l - 1].node->ent[cur->path[l - 1].idx];
		uint64_t m = node_max_epoch(n);

		if (pe->epoch != m) {
			rc = add_in(t, cur->path[l - 1].node, &pe->epoch, sizeof(pe->epoch));
			if (rc != VOS_OK)
				return rc;
			pe->epoch = m;
		}
	}
	cur->path[l - 1].idx++;
	return insert_at(t, cur, l - 1, &sep, split_out);
}

int btr_upsert(const struct btr_tree *tree, struct btr_cursor *cur, const struct btr_key *key,
	       uint64_t epoch, uint64_t val, bool *created_out)
{
	struct btr_tree t = *tree;
	struct btr_ent ent;
	bool split = false;
	uint32_t leaf;
	bool eq;
	int rc;

	VOS_ASSERT((key->len == 0) == (t.root->key_order == BTR_KEYS_INTEGER));
	memset(&ent, 0, sizeof(ent));
	ent.val = val;
	ent.epoch = epoch;

	if (t.root->depth == 0) {
		struct btr_node *n;
		umem_off_t off;

		rc = ent_set_key(t.um, &ent, key);
		if (rc == VOS_OK)
			rc = node_alloc(&t, 0, &n, &off);
		if (rc == VOS_OK)
			rc = add_root(&t);
		if (rc != VOS_OK)
			return rc;
		n->ent[0] = ent;
		n->count = 1;
		t.root->node = off;
		t.root->depth = 1;
		t.root->count = 1;
		cur_reset(&t, cur);
		cur->depth = 1;
		cur->path[0].node = n;
		cur->path[0].idx = 0;
		*created_out = true;
		return VOS_OK;
	}

	rc = descend(&t, cur, key, false);
	if (rc != VOS_OK)
		return rc;
	leaf = cur->depth - 1;
	rc = lower_bound(&t, cur->path[leaf].node, key, &cur->path[leaf].idx, &eq);
	if (rc != VOS_OK)
		return rc;
	if (eq) {
		*created_out = false;
		return VOS_OK;
	}

	/* Raise the internal entries on the path first: the new entry lands under them (or, after
	 * a split, under a sibling whose epoch the split computes). */
	for (uint32_t l = 0; l < leaf; l++) {
		struct btr_ent *e = &cur->path[l].node->ent[cur->path[l].idx];

		if (e->epoch < epoch) {
			rc = add_in(&t, cur->path[l].node, &e->epoch, sizeof(e->epoch));
			if (rc != VOS_OK)
				return rc;
			e->epoch = epoch;
		}
	}
	rc = ent_set_key(t.um, &ent, key);
	if (rc == VOS_OK)
		rc = insert_at(&t, cur, leaf, &ent, &split);
	if (rc == VOS_OK)
		rc = add_root(&t);
	if (rc != VOS_OK)
		return rc;
	t.root->count++;
	*created_out = true;
	if (split)
		return btr_probe(&t, cur, BTR_PROBE_EQ, key);
	return VOS_OK;
}

/* ------------------------------------------------------------------------------------------
 * Deletion
 */

/* Removes entry idx of n (its key block, if any, is the caller's business). */
static int remove_ent(struct btr_tree *t, struct btr_node *n, uint32_t idx)
{
	int rc = add_node(t, n, n->count);

	if (rc != VOS_OK)
		return rc;
	memmove(&n->ent[idx], &n->ent[idx + 1], (n->count - idx - 1u) * ENT_BYTES);
	n->count--;
	return VOS_OK;
}

/* Merges right (parent entry s) into left (parent entry s - 1) and removes entry s. */
static int merge(struct btr_tree *t, struct btr_node *parent, uint32_t s, struct btr_node *left,
		 struct btr_node *right)
{
	struct btr_ent *sep = &parent->ent[s];
	uint32_t at = left->count;
	umem_off_t right_off = sep->val;
	int rc;

	rc = add_node(t, left, at + right->count);
	if (rc != VOS_OK)
		return rc;
	memcpy(&left->ent[at], right->ent, right->count * ENT_BYTES);
	if (left->level == 0) {
		rc = ent_free_key(t->um, sep);
	} else {
		/* The separator comes down as the key of the right node's first child. */
		ent_move_key(&left->ent[at], sep);
	}
	if (rc != VOS_OK)
		return rc;
	left->count = (uint16_t)(at + right->count);
	rc = node_free(t, right_off);
	if (rc == VOS_OK)
		rc = remove_ent(t, parent, s);
	if (rc == VOS_OK)
		rc = add_in(t, parent, &parent->ent[s - 1].epoch, sizeof(uint64_t));
	if (rc != VOS_OK)
		return rc;
	parent->ent[s - 1].epoch = node_max_epoch(left);
	return VOS_OK;
}

/* Evens out left (parent entry s - 1) and right (parent entry s), which together hold more than
 * fit in one node. */
static int redistribute(struct btr_tree *t, struct btr_node *parent, uint32_t s,
			struct btr_node *left, struct btr_node *right)
{
	struct btr_ent *sep = &parent->ent[s];
	uint32_t total = left->count + right->count;
	uint32_t want_left = total / 2;
	bool leaf = left->level == 0;
	int rc;

	rc = add_ents(t, parent, s - 1, s + 1);
	if (rc != VOS_OK)
		return rc;
	if (left->count < want_left) {
		uint32_t k = want_left - left->count;

		rc = add_node(t, left, want_left);
		if (rc == VOS_OK)
			rc = add_node(t, right, right->count);
		if (rc != VOS_OK)
			return rc;
		memcpy(&left->ent[left->count], right->ent, k * ENT_BYTES);
		if (!leaf) {
			ent_move_key(&left->ent[left->count], sep);
			ent_move_key(sep, &right->ent[k]);
		}
		memmove(right->ent, &right->ent[k], (right->count - k) * ENT_BYTES);
		left->count = (uint16_t)want_left;
		right->count = (uint16_t)(total - want_left);
		if (!leaf)
			ent_clear_key(&right->ent[0]);
	} else {
		uint32_t k = left->count - want_left;

		rc = add_hdr(t, left);
		if (rc == VOS_OK)
			rc = add_node(t, right, right->count + k);
		if (rc != VOS_OK)
			return rc;
		memmove(&right->ent[k], right->ent, right->count * ENT_BYTES);
		memcpy(right->ent, &left->ent[want_left], k * ENT_BYTES);
		if (!leaf) {
			ent_move_key(&right->ent[k], sep);
			ent_move_key(sep, &right->ent[0]);
			ent_clear_key(&right->ent[0]);
		}
		left->count = (uint16_t)want_left;
		right->count = (uint16_t)(total - want_left);
	}
	if (leaf) {
		rc = ent_free_key(t->um, sep);
		if (rc == VOS_OK)
			rc = ent_copy_key(t->um, sep, &right->ent[0]);
		if (rc != VOS_OK)
			return rc;
	}
	parent->ent[s - 1].epoch = node_max_epoch(left);
	sep->epoch = node_max_epoch(right);
	return VOS_OK;
}

int btr_cur_delete(struct btr_cursor *cur)
{
	struct btr_tree *t = &cur->tree;
	uint32_t l = cur->depth - 1;
	struct btr_node *n = cur->path[l].node;
	uint32_t idx = cur->path[l].idx;
	int rc;

	VOS_ASSERT(cur->depth > 0);
	rc = ent_free_key(t->um, &n->ent[idx]);
	if (rc == VOS_OK)
		rc = remove_ent(t, n, idx);
	if (rc == VOS_OK)
		rc = add_root(t);
	if (rc != VOS_OK)
		return rc;
	t->root->count--;
	/* The cursor stays valid only if no node below merges or borrows. */
	if (l == 0 ? n->count > 0 : n->count >= BTR_FILL_MIN) {
		cur->deleted = true;
		return l == 0 ? VOS_OK : refresh_epochs(cur, l);
	}
	cur->depth = 0;

	for (;;) {
		struct btr_node *parent, *left, *right, *sib;
		uint32_t pi, s;

		n = cur->path[l].node;
		if (l == 0) {
			/* The root: an empty leaf goes, an internal root with one child hands over
			 * to it. */
			if (n->count == 0) {
				rc = node_free(t, t->root->node);
				t->root->node = UMEM_OFF_NULL;
				t->root->depth = 0;
			} else if (n->count == 1 && n->level > 0) {
				umem_off_t old = t->root->node;

				t->root->node = n->ent[0].val;
				t->root->depth--;
				rc = node_free(t, old);
			}
			return rc;
		}
		if (n->count >= BTR_FILL_MIN)
			return refresh_epochs(cur, l);

		parent = cur->path[l - 1].node;
		pi = cur->path[l - 1].idx;
		s = pi > 0 ? pi : pi + 1u; /* the right one of the pair, as a parent index */
		rc = node_get(t, parent->ent[pi > 0 ? pi - 1u : pi + 1u].val, n->level, &sib);
		if (rc != VOS_OK)
			return rc;
		left = pi > 0 ? sib : n;
		right = pi > 0 ? n : sib;
		if (left->count + right->count <= BTR_ORDER) {
			rc = merge(t, parent, s, left, right);
			if (rc != VOS_OK)
				return rc;
			cur->path[l - 1].idx = s - 1;
			l--;
			continue;
		}
		rc = redistribute(t, parent, s, left, right);
		if (rc != VOS_OK)
			return rc;
		return refresh_epochs(cur, l - 1);
	}
}

/* ------------------------------------------------------------------------------------------
 * Destruction
 */

static int destroy_node(struct btr_tree *t, umem_off_t off, uint32_t level, btr_val_fn free_val,
			void *arg)
{
	struct btr_node *n;
	int rc = node_get(t, off, level, &n);

	if (rc != VOS_OK)
		return rc;
	for (uint32_t i = 0; i < n->count && rc == VOS_OK; i++) {
		if (level == 0) {
			if (free_val != NULL)
				rc = free_val(arg, n->ent[i].val);
		} else {
			rc = destroy_node(t, n->ent[i].val, level - 1, free_val, arg);
		}
		if (rc == VOS_OK && (level == 0 || i > 0))
			rc = ent_free_key(t->um, &n->ent[i]);
	}
	if (rc == VOS_OK)
		rc = node_free(t, off);
	return rc;
}

int btr_destroy(const struct btr_tree *tree, btr_val_fn free_val, void *arg)
{
	struct btr_tree t = *tree;
	int rc;

	if (t.root->depth > 0) {
		rc = destroy_node(&t, t.root->node, t.root->depth - 1u, free_val, arg);
		if (rc != VOS_OK)
			return rc;
	}
	rc = add_root(&t);
	if (rc != VOS_OK)
		return rc;
	t.root->node = UMEM_OFF_NULL;
	t.root->depth = 0;
	t.root->count = 0;
	return VOS_OK;
}

/* ------------------------------------------------------------------------------------------
 * Structure check, for tests
 */

struct check_state {
	uint64_t entries;
	bool     have_prev;
	struct btr_ent prev;
};

static int check_fail(const char *what, umem_off_t off)
{
	return vos_fail(VOS_ERR_CORRUPT, "index check: %s at node offset %llu", what,
			(unsigned long long)off);
}

/* Checks the subtree at off: keys within [lo, hi) (NULL: unbounded) and ascending, epochs
 * within the parent's bound, at least BTR_FILL_MIN entries unless it is the root. */
static int check_node(const struct btr_tree *t, umem_off_t off, uint32_t level, bool is_root,
		      const struct btr_ent *lo, const struct btr_ent *hi, uint64_t epoch_bound,
		      struct check_state *st)
{
	uint8_t buf[BTR_INLINE_KEY_BYTES];
	struct btr_node *n;
	struct btr_key key;
	int cmp, rc = node_get(t, off, level, &n);

	if (rc != VOS_OK)
		return rc;
	if (!is_root && n->count < BTR_FILL_MIN)
		return check_fail("underfull node", off);
	if (is_root && level > 0 && n->count < 2)
		return check_fail("internal root with one child", off);
	if (node_max_epoch(n) > epoch_bound)
		return check_fail("epoch above the parent's bound", off);
	for (uint32_t i = 0; i < n->count; i++) {
		const struct btr_ent *e = &n->ent[i];

		if (level > 0 && i == 0) {
			if (e->len != 0 || e->inl != 0 || e->ext != 0)
				return check_fail("key set on an internal node's first entry", off);
		} else {
			rc = ent_key(t->um, e, &key, buf);
			if (rc == VOS_OK && lo != NULL)
				rc = cmp_ent(t->um, lo, &key, &cmp);
			if (rc != VOS_OK)
				return rc;
			if (lo != NULL && cmp > 0)
				return check_fail("key below the node's range", off);
			if (hi != NULL) {
				rc = cmp_ent(t->um, hi, &key, &cmp);
				if (rc != VOS_OK)
					return rc;
				if (cmp <= 0)
					return check_fail("key not below the node's range end", off);
			}
		}
		if (level == 0) {
			if (st->have_prev) {
				rc = cmp_ent(t->um, &st->prev, &key, &cmp);
				if (rc != VOS_OK)
					return rc;
				if (cmp >= 0)
					return check_fail("leaf keys out of order", off);
			}
			st->prev = *e;
			st->have_prev = true;
			st->entries++;
			continue;
		}
		if (i >= 2) {
			rc = cmp_ent(t->um, &n->ent[i - 1], &key, &cmp);
			if (rc != VOS_OK)
				return rc;
			if (cmp >= 0)
				return check_fail("separators out of order", off);
		}
		rc = check_node(t, e->val, level - 1, false, i == 0 ? lo : e,
				i + 1 < n->count ? &n->ent[i + 1] : hi, e->epoch, st);
		if (rc != VOS_OK)
			return rc;
	}
	return VOS_OK;
}

int btr_check(const struct btr_tree *t)
{
	struct check_state st = { 0 };
	int rc;

	if (t->root->depth == 0)
		return t->root->count == 0 ? VOS_OK : check_fail("count of an empty tree", 0);
	rc = check_node(t, t->root->node, t->root->depth - 1u, true, NULL, NULL, UINT64_MAX, &st);
	if (rc != VOS_OK)
		return rc;
	if (st.entries != t->root->count)
		return check_fail("count does not match the entries", t->root->node);
	return VOS_OK;
}

/* ------------------------------------------------------------------------------------------
 * Scrubbing
 */

static int shape_fail(umem_off_t off, const char *what, uint32_t i)
{
	return vos_fail(VOS_ERR_CORRUPT,
			"the index node at pool offset %llu breaks the tree's invariants: %s "
			"(entry %u); the pool needs to be restored from a replica or a backup",
			(unsigned long long)off, what, i);
}

/* The checks of one node that its checksum cannot make: the invariants its writer keeps. */
static int scrub_shape(const struct btr_tree *t, struct btr_scrub *s, const struct btr_node *n,
		       umem_off_t off, bool is_root, const struct btr_ent *lo,
		       const struct btr_ent *hi, uint64_t bound)
{
	uint8_t buf[BTR_INLINE_KEY_BYTES];
	struct btr_key key;
	uint32_t first = n->level > 0 ? 1 : 0;
	int cmp, rc;

	if (umem_usable_size(t->um, off) < sizeof(*n))
		return shape_fail(off, "it does not lie in a live allocation of a node's size", 0);
	if (!is_root && n->count < BTR_FILL_MIN)
		return shape_fail(off, "fewer entries than a node other than the root keeps",
				  n->count);
	if (is_root && n->level > 0 && n->count < 2)
		return shape_fail(off, "an internal root with one child", 0);
	if (node_max_epoch(n) > bound)
		return shape_fail(off, "an epoch above the bound its parent's entry gives", 0);
	if (n->level > 0 && (n->ent[0].len != 0 || n->ent[0].inl != 0 || n->ent[0].ext != 0))
		return shape_fail(off, "a key on an internal node's first entry", 0);
	for (uint32_t i = first; i < n->count; i++) {
		const struct btr_ent *e = &n->ent[i];

		if (t->root->key_order == BTR_KEYS_INTEGER &&
		    (e->len != 0 || e->ext != UMEM_OFF_NULL || e->kcsum != 0))
			return shape_fail(off, "a lexical key in an integer tree", i);
		if (e->len > VOS_KEY_BYTES_MAX)
			return shape_fail(off, "a key longer than any key", i);
		if (e->len > BTR_INLINE_KEY_BYTES) {
			s->bytes += e->len;
			if (umem_usable_size(t->um, e->ext) < e->len)
				return shape_fail(off, "a key whose block is not a live allocation "
						  "of its length", i);
		}
		/* Also checks a long key's checksum. */
		rc = ent_key(t->um, e, &key, buf);
		if (rc != VOS_OK)
			return rc;
		if (i > first) {
			rc = cmp_ent(t->um, &n->ent[i - 1], &key, &cmp);
			if (rc != VOS_OK)
				return rc;
			if (cmp >= 0)
				return shape_fail(off, "keys out of order", i);
		}
		if (i == first && lo != NULL) {
			rc = cmp_ent(t->um, lo, &key, &cmp);
			if (rc != VOS_OK)
				return rc;
			if (cmp > 0)
				return shape_fail(off, "a key below the range its parent gives", i);
		}
		if (i + 1 == n->count && hi != NULL) {
			rc = cmp_ent(t->um, hi, &key, &cmp);
			if (rc != VOS_OK)
				return rc;
			if (cmp <= 0)
				return shape_fail(off, "a key at or above the end of the range its "
						  "parent gives", i);
		}
	}
	return VOS_OK;
}

static int scrub_node(const struct btr_tree *t, struct btr_scrub *s, umem_off_t off,
		      uint32_t level, bool is_root, const struct btr_ent *lo,
		      const struct btr_ent *hi, uint64_t bound, const struct btr_key *from)
{
	struct btr_node *n;
	uint32_t start = 0;
	int rc = node_check(t, off, level, true, &n);

	if (rc == VOS_OK) {
		s->nodes++;
		s->bytes += offsetof(struct btr_node, ent) + n->count * ENT_BYTES;
		rc = scrub_shape(t, s, n, off, is_root, lo, hi, bound);
	}
	if (rc == VOS_OK && from != NULL) {
		bool eq;

		rc = level > 0 ? child_index(t, n, from, &start)
			       : lower_bound(t, n, from, &start, &eq);
	}
	if (rc == VOS_ERR_CORRUPT) {
		/* The node is reported; what lies under it cannot be reached safely. */
		s->damaged = true;
		s->problem(s->arg);
		return VOS_OK;
	}
	if (rc != VOS_OK)
		return rc;
	for (uint32_t i = start; i < n->count; i++) {
		struct btr_ent *e = &n->ent[i];

		if (level > 0) {
			rc = scrub_node(t, s, e->val, level - 1, false, i == 0 ? lo : e,
					i + 1 < n->count ? &n->ent[i + 1] : hi, e->epoch,
					i == start ? from : NULL);
		} else {
			uint8_t buf[BTR_INLINE_KEY_BYTES];
			struct btr_key key;

			rc = ent_key(t->um, e, &key, buf); /* checked by scrub_shape */
			if (rc == VOS_OK)
				rc = s->visit(s->arg, e, &key);
			if (rc == VOS_OK) {
				s->entries++;
				if (e->epoch > s->max_epoch)
					s->max_epoch = e->epoch;
			}
		}
		if (rc != VOS_OK)
			return rc;
	}
	return VOS_OK;
}

int btr_scrub(const struct btr_tree *t, const struct btr_key *from, struct btr_scrub *s)
{
	if (t->root->depth == 0)
		return VOS_OK;
	return scrub_node(t, s, t->root->node, t->root->depth - 1u, true, NULL, NULL, UINT64_MAX,
			  from);
}
