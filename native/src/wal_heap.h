/*
 * wal_heap.h: the allocator of the WAL backend, kept inside the space it manages.
 *
 * A two-level segregated-fit allocator (in the manner of TLSF): every block starts with a
 * 16-byte header (its size, whether it and the block before it are free, a tag), free blocks
 * are linked in lists by size class, and two levels of bitmaps find a list that holds a block
 * large enough in constant time. Neighbouring free blocks are merged when a block is freed.
 *
 * All of its state (the space header with the list heads and bitmaps, and the block headers)
 * lives in the space and is changed only inside the caller's transaction, through
 * umem_tx_add(), so the write-ahead log carries every change of the allocator the same way it
 * carries the tree's, and an aborted transaction gives every block back.
 *
 * Checksums: the header's fixed part has a CRC-32C set at format; its changing part (the
 * account, bitmaps and list heads) has one set by the commit of every transaction that
 * allocated or freed (wal_heap_seal), checked at open. Every block header carries, in place of a
 * constant mark, 16 bits of a CRC-32C of its offset, size, flags and prev_size, rewritten with
 * every change of the header and checked wherever a header is read, so a flipped size or flag
 * is refused before it is followed. Free-list links are checked against their neighbours'
 * links wherever they are followed.
 *
 * Space accounting is that of the PMDK backend: total_bytes is what the caller may allocate
 * in all (the usable bytes of the single free block of an empty heap), free is total_bytes
 * less the usable bytes of every live allocation, and a reserve of total_bytes / 32 (256 KiB
 * to 64 MiB) is kept for transactions that free space (UMEM_TX_MAINTENANCE).
 */
#ifndef VOSTOK_WAL_HEAP_H
#define VOSTOK_WAL_HEAP_H

#include "umem.h"

#include <stdbool.h>
#include <stdint.h>

#define WAL_HEAP_MAGIC   0x5041454857534f56ull /* "VOSWHEAP" little-endian */
/* 2: checksums on the changing part of the header and on every block header. */
#define WAL_HEAP_VERSION 2u

#define WAL_HEAP_GRANULE   16u  /* every block's size and offset are multiples of this */
#define WAL_HEAP_BLK_HDR   16u  /* bytes of a block header */
#define WAL_HEAP_BLK_MIN   32u  /* the smallest block: a header and two free-list links */
#define WAL_HEAP_SL_LOG2   4u   /* 16 second-level classes per power of two */
#define WAL_HEAP_SL_COUNT  (1u << WAL_HEAP_SL_LOG2)
#define WAL_HEAP_FL_SHIFT  8u   /* blocks below 256 bytes: one class per 16 bytes */
#define WAL_HEAP_FL_COUNT  41u  /* blocks up to 2^48 bytes */
#define WAL_HEAP_BYTES_MAX (1ull << 47)

/* The space header, at offset 0 (so that no allocation is ever at offset 0). The fields up to
 * unused0 are fixed when the space is formatted and covered by csum. */
struct wal_heap_hdr {
	uint64_t magic;
	uint32_t version;
	uint32_t csum;            /* CRC-32C of magic .. unused0, with csum taken as 0 */
	uint64_t space_bytes;     /* bytes of the space, header included */
	uint64_t root_off;        /* the caller's root area */
	uint64_t root_bytes;
	uint64_t first_blk;       /* the first block's header */
	uint64_t end_blk;         /* the sentinel: an allocated header of 16 bytes, never freed */
	uint64_t total_bytes;     /* bytes the caller may allocate */
	uint64_t reserve_bytes;   /* of those, held back for UMEM_TX_MAINTENANCE transactions */
	uint64_t unused0[7];
	/* Changed by transactions. */
	uint64_t allocated_bytes; /* usable bytes of the live allocations */
	uint64_t fl_bitmap;       /* bit f: sl_bitmap[f] != 0 */
	uint32_t sl_bitmap[WAL_HEAP_FL_COUNT]; /* bit s of [f]: heads[f][s] != 0 */
	uint32_t dyn_csum;        /* CRC-32C of allocated_bytes .. heads but itself */
	uint64_t heads[WAL_HEAP_FL_COUNT][WAL_HEAP_SL_COUNT]; /* free lists by size class */
};

/* Formats an empty heap in space[0 .. space_bytes), which must be zero, with a zeroed root
 * area of root_bytes. Not a transaction: for a space being created. VOS_ERR_NOSPACE if the
 * space leaves too little to allocate. */
int wal_heap_format(void *space, uint64_t space_bytes, uint64_t root_bytes);

/* Checks the header of a heap being opened; VOS_ERR_CORRUPT (with a message naming what) if
 * it is not a sound heap of space_bytes with a root of root_bytes. */
int wal_heap_check(const void *space, uint64_t space_bytes, uint64_t root_bytes);

/* Inside a transaction of um: a block of at least len usable bytes. maintenance: the
 * transaction may use the reserve. On success the block's first usable byte is at *off_out
 * and its usable bytes at *usable_out; the caller must capture [off, off + usable) for the
 * redo log (its bytes are the caller's to write without adding them). */
int wal_heap_alloc(struct umem *um, uint64_t len, bool maintenance, umem_off_t *off_out,
		   uint64_t *usable_out);

/* Inside a transaction: checks that off is a live allocation, marks it as being freed and
 * takes its usable bytes off the account. The block itself goes back to the free lists with
 * wal_heap_release() when the transaction commits, so nothing in this transaction can reuse
 * it. VOS_ERR_CORRUPT for an offset that is not a live allocation (or is freed already). */
int wal_heap_free(struct umem *um, umem_off_t off);

/* Inside the committing transaction: returns a block marked by wal_heap_free() to the free
 * lists, merged with its free neighbours. */
int wal_heap_release(struct umem *um, umem_off_t off);

/* Inside the committing transaction, after its releases: seals the header's changing part.
 * For a transaction that allocated or freed. */
int wal_heap_seal(struct umem *um);

/* The usable bytes of the allocation at off (0 if off is not one). */
uint64_t wal_heap_usable(const struct umem *um, umem_off_t off);

void wal_heap_space(const struct umem *um, uint64_t *total_out, uint64_t *free_out);

/* Walks every block and every free list and checks that they agree (sizes, flags, links,
 * bitmaps, the allocated-bytes account); VOS_ERR_CORRUPT with what is wrong. For tests. */
int wal_heap_verify(const struct umem *um);

/* The same a slice at a time, between transactions (umem_ops.scrub): the header first, then
 * about budget_bytes of block headers per call from s->pos on, then, if no transaction
 * committed since the walk started and nothing was damaged, the account and the free lists
 * against the blocks. Every problem goes to problem, with vos_message() saying what; a block
 * header that fails its check ends the walk (the sizes after it cannot be trusted). */
int wal_heap_scrub(struct umem *um, struct umem_scrub *s, uint64_t budget_bytes,
		   umem_problem_fn problem, void *arg);

#endif /* VOSTOK_WAL_HEAP_H */
