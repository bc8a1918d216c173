/*
 * wal_heap.c: the WAL backend's allocator, a two-level segregated fit inside the space.
 *
 * Block layout: a 16-byte header (struct wal_blk) then the caller's bytes. A free block keeps
 * its list links (struct wal_links) in its first 16 usable bytes, so the smallest block is 32
 * bytes. The tag word carries the size (a multiple of 16), three flags and a 16-bit check (a
 * constant mark xor 16 bits of a CRC-32C of the header's offset, prev_size, size and flags),
 * so a wild offset passed to free, or a damaged header met on the way, is refused instead of
 * followed. Every write of a header goes through blk_set(), which sets its check.
 *
 * Every write to allocator state is preceded by umem_tx_add() of the bytes it changes, which
 * both saves them for an abort and hands them to the redo log at commit.
 */
#include "wal_heap.h"

#include "crc32c.h"
#include "error.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define BLK_FREE      1ull /* on a free list */
#define BLK_PREV_FREE 2ull /* the block before is free; prev_size is its size */
#define BLK_FREEING   4ull /* freed by the running transaction, released at its commit */
#define BLK_FLAGS     0xfull
#define BLK_SIZE_MASK 0x0000fffffffffff0ull
#define BLK_BITS_MASK 0x0000ffffffffffffull /* size and flags: what the check does not hold */
#define BLK_MARK      0xb10cu

/* How many blocks of a size class are tried, when no class above it has a block, before the
 * allocation is refused. */
#define FALLBACK_BLOCKS_MAX 64u

/* Bytes from the end of the space to the sentinel, and the root's alignment. */
#define ROOT_ALIGN 64u

struct wal_blk {
	uint64_t prev_size; /* valid only with BLK_PREV_FREE */
	uint64_t tag;       /* check << 48 | size | flags (blk_tag) */
};

struct wal_links {
	uint64_t next;      /* the next free block of the class, or 0 */
	uint64_t prev;      /* the previous one, or 0 */
};

_Static_assert(sizeof(struct wal_blk) == WAL_HEAP_BLK_HDR, "wal_blk layout");
_Static_assert(sizeof(struct wal_blk) + sizeof(struct wal_links) == WAL_HEAP_BLK_MIN,
	       "smallest block");
_Static_assert(offsetof(struct wal_heap_hdr, allocated_bytes) == 128, "wal_heap_hdr layout");

static struct wal_heap_hdr *heap_of(const struct umem *um)
{
	return (struct wal_heap_hdr *)um->base;
}

static struct wal_blk *blk_at(const struct umem *um, uint64_t off)
{
	return (struct wal_blk *)(um->base + off);
}

static struct wal_links *links_of(struct wal_blk *b)
{
	return (struct wal_links *)(b + 1);
}

static uint64_t blk_size(const struct wal_blk *b)
{
	return b->tag & BLK_SIZE_MASK;
}

static uint64_t heap_csum(const struct wal_heap_hdr *h)
{
	struct wal_heap_hdr copy;

	memcpy(&copy, h, offsetof(struct wal_heap_hdr, allocated_bytes));
	copy.csum = 0;
	return crc32c(0, &copy, offsetof(struct wal_heap_hdr, allocated_bytes));
}

/* The changing part: allocated_bytes up to dyn_csum, then the list heads. */
static uint32_t heap_dyn_csum(const struct wal_heap_hdr *h)
{
	const uint8_t *p = (const uint8_t *)h;
	size_t from = offsetof(struct wal_heap_hdr, allocated_bytes);
	uint32_t c = crc32c(0, p + from, offsetof(struct wal_heap_hdr, dyn_csum) - from);

	return crc32c(c, h->heads, sizeof(h->heads));
}

/* The tag of the header at off with prev_size and bits (size | flags). */
static uint64_t blk_tag(uint64_t off, uint64_t prev_size, uint64_t bits)
{
	uint64_t w[3] = { off, prev_size, bits & BLK_BITS_MASK };
	uint64_t check = (crc32c(0, w, sizeof(w)) & 0xffffu) ^ BLK_MARK;

	return check << 48 | (bits & BLK_BITS_MASK);
}

/* Whether the header at off holds its check. */
static bool blk_checked(const struct umem *um, uint64_t off)
{
	const struct wal_blk *b = blk_at(um, off);

	return b->tag == blk_tag(off, b->prev_size, b->tag);
}

/* Writes the header at off (its bytes must be in the transaction). */
static void blk_set(struct umem *um, uint64_t off, uint64_t prev_size, uint64_t bits)
{
	struct wal_blk *b = blk_at(um, off);

	b->prev_size = prev_size;
	b->tag = blk_tag(off, prev_size, bits);
}

static unsigned fls64(uint64_t x)
{
	return 63u - (unsigned)__builtin_clzll(x);
}

/* The class whose list holds free blocks of size bytes. */
static void mapping(uint64_t size, uint32_t *fl, uint32_t *sl)
{
	if (size < (1u << WAL_HEAP_FL_SHIFT)) {
		*fl = 0;
		*sl = (uint32_t)(size / WAL_HEAP_GRANULE);
	} else {
		unsigned t = fls64(size);

		*sl = (uint32_t)(size >> (t - WAL_HEAP_SL_LOG2)) & (WAL_HEAP_SL_COUNT - 1);
		*fl = t - WAL_HEAP_FL_SHIFT + 1;
	}
}

/* The first class every block of which has at least size bytes; false if there is none. */
static bool mapping_search(uint64_t size, uint32_t *fl, uint32_t *sl)
{
	if (size >= (1u << WAL_HEAP_FL_SHIFT))
		size += (1ull << (fls64(size) - WAL_HEAP_SL_LOG2)) - 1;
	mapping(size, fl, sl);
	return *fl < WAL_HEAP_FL_COUNT;
}

/* A block at off that the heap's structure says exists: inside the heap, aligned, marked,
 * and not running past the sentinel. */
static bool blk_sound(const struct umem *um, uint64_t off)
{
	const struct wal_heap_hdr *h = heap_of(um);
	const struct wal_blk *b;
	uint64_t size;

	if (off < h->first_blk || off >= h->end_blk || off % WAL_HEAP_GRANULE != 0)
		return false;
	b = blk_at(um, off);
	size = blk_size(b);
	return blk_checked(um, off) && size >= WAL_HEAP_BLK_MIN && size <= h->end_blk - off;
}

static int damaged(uint64_t off, const char *what)
{
	return vos_fail(VOS_ERR_CORRUPT,
			"the allocator's block at offset %llu is damaged (%s); restore the pool "
			"from a replica or a backup", (unsigned long long)off, what);
}

static int add(struct umem *um, const void *ptr, size_t len)
{
	return umem_tx_add(um, ptr, len);
}

/* ------------------------------------------------------------------------------------------
 * Free lists
 */

static int insert_free(struct umem *um, uint64_t off)
{
	struct wal_heap_hdr *h = heap_of(um);
	struct wal_blk *b = blk_at(um, off);
	struct wal_links *l = links_of(b);
	uint32_t fl, sl;
	uint64_t head;
	int rc;

	mapping(blk_size(b), &fl, &sl);
	head = h->heads[fl][sl];
	rc = add(um, l, sizeof(*l));
	if (rc != VOS_OK)
		return rc;
	l->next = head;
	l->prev = 0;
	if (head != 0) {
		struct wal_blk *hb = blk_at(um, head);

		if (!blk_sound(um, head) || (hb->tag & BLK_FREE) == 0)
			return damaged(head, "a free list's head is not a free block");
		rc = add(um, &links_of(hb)->prev, sizeof(uint64_t));
		if (rc != VOS_OK)
			return rc;
		links_of(hb)->prev = off;
	}
	rc = add(um, &h->heads[fl][sl], sizeof(uint64_t));
	if (rc != VOS_OK)
		return rc;
	h->heads[fl][sl] = off;
	if ((h->sl_bitmap[fl] & (1u << sl)) == 0) {
		rc = add(um, &h->sl_bitmap[fl], sizeof(uint32_t));
		if (rc != VOS_OK)
			return rc;
		h->sl_bitmap[fl] |= 1u << sl;
	}
	if ((h->fl_bitmap & (1ull << fl)) == 0) {
		rc = add(um, &h->fl_bitmap, sizeof(uint64_t));
		if (rc != VOS_OK)
			return rc;
		h->fl_bitmap |= 1ull << fl;
	}
	return VOS_OK;
}

static int remove_free(struct umem *um, uint64_t off)
{
	struct wal_heap_hdr *h = heap_of(um);
	struct wal_blk *b = blk_at(um, off);
	struct wal_links *l = links_of(b);
	uint32_t fl, sl;
	int rc;

	mapping(blk_size(b), &fl, &sl);
	if (l->prev != 0) {
		struct wal_blk *pb = blk_at(um, l->prev);

		if (!blk_sound(um, l->prev) || (pb->tag & BLK_FREE) == 0 ||
		    links_of(pb)->next != off)
			return damaged(off, "its free-list neighbour does not point back");
		rc = add(um, &links_of(pb)->next, sizeof(uint64_t));
		if (rc != VOS_OK)
			return rc;
		links_of(pb)->next = l->next;
	} else {
		if (h->heads[fl][sl] != off)
			return damaged(off, "it is first in no free list");
		rc = add(um, &h->heads[fl][sl], sizeof(uint64_t));
		if (rc != VOS_OK)
			return rc;
		h->heads[fl][sl] = l->next;
	}
	if (l->next != 0) {
		struct wal_blk *nb = blk_at(um, l->next);

		if (!blk_sound(um, l->next) || (nb->tag & BLK_FREE) == 0 ||
		    links_of(nb)->prev != off)
			return damaged(off, "its free-list neighbour does not point back");
		rc = add(um, &links_of(nb)->prev, sizeof(uint64_t));
		if (rc != VOS_OK)
			return rc;
		links_of(nb)->prev = l->prev;
	}
	if (h->heads[fl][sl] == 0) {
		rc = add(um, &h->sl_bitmap[fl], sizeof(uint32_t));
		if (rc != VOS_OK)
			return rc;
		h->sl_bitmap[fl] &= ~(1u << sl);
		if (h->sl_bitmap[fl] == 0) {
			rc = add(um, &h->fl_bitmap, sizeof(uint64_t));
			if (rc != VOS_OK)
				return rc;
			h->fl_bitmap &= ~(1ull << fl);
		}
	}
	return VOS_OK;
}

/* A free block of at least need bytes, or 0. */
static uint64_t find_block(const struct umem *um, uint64_t need)
{
	const struct wal_heap_hdr *h = heap_of(um);
	uint32_t fl, sl, slmap;
	uint64_t flmap;

	if (mapping_search(need, &fl, &sl)) {
		slmap = h->sl_bitmap[fl] & (~0u << sl);
		if (slmap == 0) {
			flmap = fl + 1 < 64 ? h->fl_bitmap & (~0ull << (fl + 1)) : 0;
			if (flmap != 0) {
				fl = (uint32_t)__builtin_ctzll(flmap);
				slmap = h->sl_bitmap[fl];
			}
		}
		if (slmap != 0)
			return h->heads[fl][__builtin_ctz(slmap)];
	}
	/* No class above need's has a block: some blocks of need's own class may still be large
	 * enough. This matters only when the heap is nearly full. */
	mapping(need, &fl, &sl);
	if (fl >= WAL_HEAP_FL_COUNT)
		return 0;
	{
		uint64_t off = h->heads[fl][sl];

		for (uint32_t i = 0; off != 0 && i < FALLBACK_BLOCKS_MAX; i++) {
			struct wal_blk *b = blk_at(um, off);

			if (!blk_sound(um, off))
				return 0;
			if (blk_size(b) >= need)
				return off;
			off = links_of(b)->next;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------------------------------
 * Allocation
 */

static int account(struct umem *um, int64_t delta)
{
	struct wal_heap_hdr *h = heap_of(um);
	int rc = add(um, &h->allocated_bytes, sizeof(h->allocated_bytes));

	if (rc == VOS_OK)
		h->allocated_bytes += (uint64_t)delta;
	return rc;
}

int wal_heap_alloc(struct umem *um, uint64_t len, bool maintenance, umem_off_t *off_out,
		   uint64_t *usable_out)
{
	struct wal_heap_hdr *h = heap_of(um);
	uint64_t limit = h->total_bytes;
	uint64_t need, off, size, next;
	struct wal_blk *b, *nb;
	int rc;

	if (!maintenance)
		limit -= h->reserve_bytes;
	if (len > WAL_HEAP_BYTES_MAX || h->allocated_bytes > limit ||
	    len > limit - h->allocated_bytes)
		return vos_fail(VOS_ERR_NOSPACE,
				"the pool is full: %llu of its %llu bytes are in use and %llu more "
				"were asked for; aggregate or discard old versions, destroy a "
				"container, or use a larger pool",
				(unsigned long long)h->allocated_bytes,
				(unsigned long long)h->total_bytes, (unsigned long long)len);
	need = (len + WAL_HEAP_BLK_HDR + WAL_HEAP_GRANULE - 1) & ~(uint64_t)(WAL_HEAP_GRANULE - 1);
	if (need < WAL_HEAP_BLK_MIN)
		need = WAL_HEAP_BLK_MIN;
	off = find_block(um, need);
	if (off == 0)
		return vos_fail(VOS_ERR_NOSPACE,
				"the pool has no free block of %llu bytes (%llu of %llu bytes in "
				"use); aggregate or discard old versions, or use a larger pool",
				(unsigned long long)len, (unsigned long long)h->allocated_bytes,
				(unsigned long long)h->total_bytes);
	b = blk_at(um, off);
	if (!blk_sound(um, off) || (b->tag & BLK_FREE) == 0)
		return damaged(off, "a free list holds a block that is not free");
	size = blk_size(b);
	next = off + size;
	nb = blk_at(um, next);
	if (!blk_checked(um, next))
		return damaged(next, "the block after a free one has no sound header");
	rc = remove_free(um, off);
	if (rc != VOS_OK)
		return rc;
	/* The header and the links: an abort must find the links as they were, although the
	 * caller will write over them without adding them. */
	rc = add(um, b, WAL_HEAP_BLK_MIN);
	if (rc != VOS_OK)
		return rc;
	if (size - need >= WAL_HEAP_BLK_MIN) {
		struct wal_blk *rb = blk_at(um, off + need);

		rc = add(um, rb, WAL_HEAP_BLK_MIN);
		if (rc != VOS_OK)
			return rc;
		blk_set(um, off + need, 0, (size - need) | BLK_FREE);
		rc = insert_free(um, off + need);
		if (rc != VOS_OK)
			return rc;
		rc = add(um, nb, sizeof(*nb));
		if (rc != VOS_OK)
			return rc;
		blk_set(um, next, size - need, nb->tag);
		size = need;
	} else {
		rc = add(um, nb, sizeof(*nb));
		if (rc != VOS_OK)
			return rc;
		blk_set(um, next, nb->prev_size, nb->tag & ~BLK_PREV_FREE);
	}
	blk_set(um, off, b->prev_size, size | (b->tag & BLK_PREV_FREE));
	rc = account(um, (int64_t)(size - WAL_HEAP_BLK_HDR));
	if (rc != VOS_OK)
		return rc;
	*off_out = off + WAL_HEAP_BLK_HDR;
	*usable_out = size - WAL_HEAP_BLK_HDR;
	return VOS_OK;
}

/* The header of the live allocation at off, or NULL (with a message) if off is not one. The
 * offsets freed come from the caller's checked records, so a header that fails its check, or
 * a block freed twice, is damage: VOS_ERR_CORRUPT. */
static struct wal_blk *live_block(const struct umem *um, umem_off_t off)
{
	struct wal_blk *b;

	if (off < WAL_HEAP_BLK_HDR || !blk_sound(um, off - WAL_HEAP_BLK_HDR)) {
		damaged(off - WAL_HEAP_BLK_HDR, "the header of an allocation being freed fails its "
			"check, or the offset is not an allocation");
		return NULL;
	}
	b = blk_at(um, off - WAL_HEAP_BLK_HDR);
	if (b->tag & (BLK_FREE | BLK_FREEING)) {
		damaged(off - WAL_HEAP_BLK_HDR, "an allocation being freed is free already");
		return NULL;
	}
	return b;
}

int wal_heap_free(struct umem *um, umem_off_t off)
{
	struct wal_blk *b = live_block(um, off);
	int rc;

	if (b == NULL)
		return VOS_ERR_CORRUPT;
	rc = add(um, b, sizeof(*b));
	if (rc != VOS_OK)
		return rc;
	blk_set(um, off - WAL_HEAP_BLK_HDR, b->prev_size, b->tag | BLK_FREEING);
	return account(um, -(int64_t)(blk_size(b) - WAL_HEAP_BLK_HDR));
}

int wal_heap_release(struct umem *um, umem_off_t off)
{
	uint64_t boff = off - WAL_HEAP_BLK_HDR;
	struct wal_blk *b = blk_at(um, boff);
	uint64_t size, next;
	struct wal_blk *nb;
	int rc;

	if (!blk_sound(um, boff) || (b->tag & (BLK_FREEING | BLK_FREE)) != BLK_FREEING)
		return damaged(boff, "a block being freed lost its mark");
	size = blk_size(b);
	rc = add(um, b, WAL_HEAP_BLK_MIN);
	if (rc != VOS_OK)
		return rc;
	/* Merge with the block after it, then with the one before. */
	next = boff + size;
	nb = blk_at(um, next);
	if (next != heap_of(um)->end_blk && (nb->tag & BLK_FREE)) {
		if (!blk_sound(um, next))
			return damaged(next, "the block after a freed one has no header");
		rc = remove_free(um, next);
		if (rc != VOS_OK)
			return rc;
		size += blk_size(nb);
	}
	if (b->tag & BLK_PREV_FREE) {
		uint64_t poff = boff - b->prev_size;
		struct wal_blk *pb = blk_at(um, poff);

		if (b->prev_size > boff || !blk_sound(um, poff) || (pb->tag & BLK_FREE) == 0 ||
		    poff + blk_size(pb) != boff)
			return damaged(boff, "the free block before it does not end where it starts");
		rc = remove_free(um, poff);
		if (rc != VOS_OK)
			return rc;
		rc = add(um, pb, WAL_HEAP_BLK_MIN);
		if (rc != VOS_OK)
			return rc;
		size += blk_size(pb);
		boff = poff;
		b = pb;
	}
	blk_set(um, boff, b->prev_size, size | BLK_FREE | (b->tag & BLK_PREV_FREE));
	rc = insert_free(um, boff);
	if (rc != VOS_OK)
		return rc;
	nb = blk_at(um, boff + size);
	if (!blk_checked(um, boff + size))
		return damaged(boff + size, "the block after a freed one has no sound header");
	rc = add(um, nb, sizeof(*nb));
	if (rc != VOS_OK)
		return rc;
	blk_set(um, boff + size, size, nb->tag | BLK_PREV_FREE);
	return VOS_OK;
}

int wal_heap_seal(struct umem *um)
{
	struct wal_heap_hdr *h = heap_of(um);
	int rc = add(um, &h->dyn_csum, sizeof(h->dyn_csum));

	if (rc == VOS_OK)
		h->dyn_csum = heap_dyn_csum(h);
	return rc;
}

uint64_t wal_heap_usable(const struct umem *um, umem_off_t off)
{
	const struct wal_blk *b;

	if (off < WAL_HEAP_BLK_HDR || !blk_sound(um, off - WAL_HEAP_BLK_HDR))
		return 0;
	b = blk_at(um, off - WAL_HEAP_BLK_HDR);
	return (b->tag & BLK_FREE) ? 0 : blk_size(b) - WAL_HEAP_BLK_HDR;
}

void wal_heap_space(const struct umem *um, uint64_t *total_out, uint64_t *free_out)
{
	const struct wal_heap_hdr *h = heap_of(um);

	*total_out = h->total_bytes;
	*free_out = h->allocated_bytes < h->total_bytes ? h->total_bytes - h->allocated_bytes : 0;
}

/* ------------------------------------------------------------------------------------------
 * Format and checks
 */

int wal_heap_format(void *space, uint64_t space_bytes, uint64_t root_bytes)
{
	struct umem um = { .base = space, .size = space_bytes };
	struct wal_heap_hdr *h = space;
	struct wal_blk *first;
	uint64_t size0, reserve;
	uint32_t fl, sl;

	if (space_bytes > WAL_HEAP_BYTES_MAX)
		return vos_fail(VOS_ERR_TOOBIG, "a heap of %llu bytes is larger than %llu bytes",
				(unsigned long long)space_bytes,
				(unsigned long long)WAL_HEAP_BYTES_MAX);
	h->magic = WAL_HEAP_MAGIC;
	h->version = WAL_HEAP_VERSION;
	h->space_bytes = space_bytes;
	h->root_off = (sizeof(*h) + ROOT_ALIGN - 1) & ~(uint64_t)(ROOT_ALIGN - 1);
	h->root_bytes = root_bytes;
	h->first_blk = (h->root_off + root_bytes + WAL_HEAP_GRANULE - 1) &
		       ~(uint64_t)(WAL_HEAP_GRANULE - 1);
	h->end_blk = (space_bytes - WAL_HEAP_BLK_HDR) & ~(uint64_t)(WAL_HEAP_GRANULE - 1);
	if (h->end_blk < h->first_blk + WAL_HEAP_BLK_MIN)
		return vos_fail(VOS_ERR_NOSPACE, "a heap of %llu bytes has no room for data",
				(unsigned long long)space_bytes);
	size0 = h->end_blk - h->first_blk;
	h->total_bytes = size0 - WAL_HEAP_BLK_HDR;
	reserve = h->total_bytes / 32;
	if (reserve < (256ull << 10))
		reserve = 256ull << 10;
	if (reserve > (64ull << 20))
		reserve = 64ull << 20;
	h->reserve_bytes = reserve;
	if (h->total_bytes < 4 * reserve)
		return vos_fail(VOS_ERR_NOSPACE, "a pool of %llu bytes leaves too little space "
				"for data; use a larger size", (unsigned long long)space_bytes);
	h->csum = (uint32_t)heap_csum(h);

	first = blk_at(&um, h->first_blk);
	blk_set(&um, h->first_blk, 0, size0 | BLK_FREE);
	links_of(first)->next = 0;
	links_of(first)->prev = 0;
	mapping(size0, &fl, &sl);
	h->heads[fl][sl] = h->first_blk;
	h->sl_bitmap[fl] = 1u << sl;
	h->fl_bitmap = 1ull << fl;
	blk_set(&um, h->end_blk, size0, WAL_HEAP_BLK_HDR | BLK_PREV_FREE);
	h->dyn_csum = heap_dyn_csum(h);
	return VOS_OK;
}

int wal_heap_check(const void *space, uint64_t space_bytes, uint64_t root_bytes)
{
	const struct wal_heap_hdr *h = space;
	const char *what = NULL;
	char why[96];

	if (h->magic != WAL_HEAP_MAGIC || h->version != WAL_HEAP_VERSION) {
		what = "its mark or version is wrong";
	} else if (h->csum != (uint32_t)heap_csum(h)) {
		snprintf(why, sizeof(why), "its fixed part fails its CRC-32C checksum: stored "
			 "0x%08x, computed 0x%08x", h->csum, (uint32_t)heap_csum(h));
		what = why;
	} else if (h->dyn_csum != heap_dyn_csum(h)) {
		snprintf(why, sizeof(why), "its free lists fail their CRC-32C checksum: stored "
			 "0x%08x, computed 0x%08x", h->dyn_csum, heap_dyn_csum(h));
		what = why;
	}
	if (what != NULL)
		;
	else if (h->space_bytes != space_bytes || h->root_bytes != root_bytes)
		what = "its sizes do not match the pool's";
	else if (h->first_blk < h->root_off + h->root_bytes || h->end_blk >= space_bytes ||
		 h->first_blk >= h->end_blk || h->allocated_bytes > h->total_bytes)
		what = "its bounds are inconsistent";
	if (what != NULL)
		return vos_fail(VOS_ERR_CORRUPT,
				"the heap header of the pool is damaged (%s); restore the pool from "
				"a replica or a backup", what);
	return VOS_OK;
}

int wal_heap_verify(const struct umem *um)
{
	const struct wal_heap_hdr *h = heap_of(um);
	uint64_t off = h->first_blk, allocated = 0, free_blocks = 0, listed = 0;
	bool prev_free = false;
	uint64_t prev_size = 0;
	int rc = wal_heap_check(um->base, um->size, h->root_bytes);

	if (rc != VOS_OK)
		return rc;

	while (off < h->end_blk) {
		const struct wal_blk *b = blk_at(um, off);

		if (!blk_sound(um, off))
			return damaged(off, "verify: bad header");
		if (((b->tag & BLK_PREV_FREE) != 0) != prev_free)
			return damaged(off, "verify: PREV_FREE disagrees");
		if (prev_free && b->prev_size != prev_size)
			return damaged(off, "verify: prev_size disagrees");
		if (b->tag & BLK_FREEING)
			return damaged(off, "verify: a block is still being freed");
		if (b->tag & BLK_FREE) {
			if (prev_free)
				return damaged(off, "verify: two free blocks side by side");
			free_blocks++;
		} else {
			allocated += blk_size(b) - WAL_HEAP_BLK_HDR;
		}
		prev_free = (b->tag & BLK_FREE) != 0;
		prev_size = blk_size(b);
		off += blk_size(b);
	}
	if (off != h->end_blk)
		return damaged(off, "verify: the blocks overrun the sentinel");
	{
		const struct wal_blk *s = blk_at(um, h->end_blk);

		if (!blk_checked(um, h->end_blk) || blk_size(s) != WAL_HEAP_BLK_HDR ||
		    ((s->tag & BLK_PREV_FREE) != 0) != prev_free ||
		    (prev_free && s->prev_size != prev_size))
			return damaged(h->end_blk, "verify: the sentinel disagrees");
	}
	if (allocated != h->allocated_bytes)
		return vos_fail(VOS_ERR_CORRUPT, "verify: %llu bytes allocated, the account says %llu",
				(unsigned long long)allocated,
				(unsigned long long)h->allocated_bytes);
	for (uint32_t fl = 0; fl < WAL_HEAP_FL_COUNT; fl++) {
		if (((h->fl_bitmap >> fl) & 1) != (h->sl_bitmap[fl] != 0))
			return vos_fail(VOS_ERR_CORRUPT, "verify: first-level bit %u is wrong", fl);
		for (uint32_t sl = 0; sl < WAL_HEAP_SL_COUNT; sl++) {
			uint64_t at = h->heads[fl][sl], prev = 0;

			if (((h->sl_bitmap[fl] >> sl) & 1) != (at != 0))
				return vos_fail(VOS_ERR_CORRUPT, "verify: bit %u/%u is wrong", fl,
						sl);
			while (at != 0) {
				struct wal_blk *b = blk_at(um, at);
				uint32_t f, s;

				if (!blk_sound(um, at) || (b->tag & BLK_FREE) == 0)
					return damaged(at, "verify: a listed block is not free");
				mapping(blk_size(b), &f, &s);
				if (f != fl || s != sl || links_of(b)->prev != prev)
					return damaged(at, "verify: listed in the wrong class");
				if (++listed > free_blocks)
					return damaged(at, "verify: a free list loops");
				prev = at;
				at = links_of(b)->next;
			}
		}
	}
	if (listed != free_blocks)
		return vos_fail(VOS_ERR_CORRUPT, "verify: %llu free blocks, %llu on the lists",
				(unsigned long long)free_blocks, (unsigned long long)listed);
	return VOS_OK;
}

/* ------------------------------------------------------------------------------------------
 * Scrubbing, a slice at a time
 */

/* Checks the free lists against the blocks: every listed block free, in its class, linked
 * back, and as many as the walk counted; VOS_ERR_CORRUPT with what is wrong. */
static int lists_check(const struct umem *um, uint64_t free_blocks)
{
	const struct wal_heap_hdr *h = heap_of(um);
	uint64_t listed = 0;

	for (uint32_t fl = 0; fl < WAL_HEAP_FL_COUNT; fl++) {
		if (((h->fl_bitmap >> fl) & 1) != (h->sl_bitmap[fl] != 0))
			return vos_fail(VOS_ERR_CORRUPT, "the heap header's first-level bit %u "
					"disagrees with its second-level bitmap", fl);
		for (uint32_t sl = 0; sl < WAL_HEAP_SL_COUNT; sl++) {
			uint64_t at = h->heads[fl][sl], prev = 0;

			if (((h->sl_bitmap[fl] >> sl) & 1) != (at != 0))
				return vos_fail(VOS_ERR_CORRUPT, "the heap header's bit for free list "
						"%u/%u disagrees with the list", fl, sl);
			while (at != 0) {
				struct wal_blk *b = blk_at(um, at);
				uint32_t f, c;

				if (!blk_sound(um, at) || (b->tag & BLK_FREE) == 0)
					return damaged(at, "free list %u/%u holds a block that is "
						       "not free");
				mapping(blk_size(b), &f, &c);
				if (f != fl || c != sl || links_of(b)->prev != prev)
					return damaged(at, "it is listed in the wrong class, or its "
						       "link back is wrong");
				if (++listed > free_blocks)
					return damaged(at, "the free lists hold more blocks than the "
						       "heap has free (a list loops?)");
				prev = at;
				at = links_of(b)->next;
			}
		}
	}
	if (listed != free_blocks)
		return vos_fail(VOS_ERR_CORRUPT, "the heap has %llu free blocks but its free "
				"lists hold %llu", (unsigned long long)free_blocks,
				(unsigned long long)listed);
	return VOS_OK;
}

/* Times a walk starts again because blocks were split or merged between its slices, before it
 * gives up for this pass. */
#define SCRUB_RESTARTS_MAX 3u

int wal_heap_scrub(struct umem *um, struct umem_scrub *s, uint64_t budget_bytes,
		   umem_problem_fn problem, void *arg)
{
	const struct wal_heap_hdr *h = heap_of(um);
	uint64_t spent = 0;

	if (s->done)
		return VOS_OK;
	if (s->pos != 0 && s->slice_commits != um->commits) {
		/* A block boundary from before a change may lie inside a merged block now, where
		 * a stale header would be taken for a live one. */
		if (++s->restarts > SCRUB_RESTARTS_MAX) {
			s->cut = 1;
			s->done = 1;
			return VOS_OK;
		}
		s->pos = 0;
		s->allocated = 0;
		s->free_blocks = 0;
	}
	s->slice_commits = um->commits;
	if (s->pos == 0) {
		s->bytes += sizeof(*h);
		spent += sizeof(*h);
		if (wal_heap_check(um->base, um->size, h->root_bytes) != VOS_OK) {
			/* Nothing the header bounds can be trusted. */
			s->damaged = 1;
			s->done = 1;
			problem(arg);
			return VOS_OK;
		}
		s->pos = h->first_blk;
		s->commits = um->commits;
		s->prev_free = 0;
		s->prev_size = 0;
	}
	while (s->pos < h->end_blk) {
		uint64_t off = s->pos;
		const struct wal_blk *b = blk_at(um, off);
		bool free_blk;

		if (spent >= budget_bytes)
			return VOS_OK;
		spent += WAL_HEAP_BLK_HDR;
		s->bytes += WAL_HEAP_BLK_HDR;
		s->blocks++;
		if (!blk_sound(um, off)) {
			/* The sizes that lead further cannot be trusted. */
			damaged(off, "its header fails its check");
			s->damaged = 1;
			s->done = 1;
			problem(arg);
			return VOS_OK;
		}
		free_blk = (b->tag & BLK_FREE) != 0;
		if (((b->tag & BLK_PREV_FREE) != 0) != (s->prev_free != 0) ||
		    (s->prev_free && b->prev_size != s->prev_size)) {
			damaged(off, "its record of the block before it disagrees with that block");
			s->damaged = 1;
			problem(arg);
		} else if (b->tag & BLK_FREEING) {
			damaged(off, "it is marked as being freed outside a transaction");
			s->damaged = 1;
			problem(arg);
		} else if (free_blk && s->prev_free) {
			damaged(off, "two free blocks lie side by side, unmerged");
			s->damaged = 1;
			problem(arg);
		}
		if (free_blk)
			s->free_blocks++;
		else
			s->allocated += blk_size(b) - WAL_HEAP_BLK_HDR;
		s->prev_free = free_blk;
		s->prev_size = blk_size(b);
		s->pos = off + blk_size(b);
	}
	s->done = 1;
	s->bytes += WAL_HEAP_BLK_HDR;
	if (s->pos != h->end_blk || !blk_checked(um, h->end_blk) ||
	    blk_size(blk_at(um, h->end_blk)) != WAL_HEAP_BLK_HDR ||
	    ((blk_at(um, h->end_blk)->tag & BLK_PREV_FREE) != 0) != (s->prev_free != 0)) {
		damaged(h->end_blk, "the blocks do not end at the sentinel, or it disagrees with "
			"the last block");
		s->damaged = 1;
		problem(arg);
		return VOS_OK;
	}
	/* Totals hold only for a walk that saw one state of the heap. */
	if (s->damaged || s->commits != um->commits)
		return VOS_OK;
	if (s->allocated != h->allocated_bytes) {
		vos_fail(VOS_ERR_CORRUPT, "the heap's blocks hold %llu bytes of allocations but its "
			 "header counts %llu", (unsigned long long)s->allocated,
			 (unsigned long long)h->allocated_bytes);
		s->damaged = 1;
		problem(arg);
		return VOS_OK;
	}
	if (lists_check(um, s->free_blocks) != VOS_OK) {
		s->damaged = 1;
		problem(arg);
	}
	return VOS_OK;
}
