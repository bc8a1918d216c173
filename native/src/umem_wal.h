/*
 * umem_wal.h: the files of a WAL pool, and what tests may reach inside the backend.
 *
 * The image, at the pool path:
 *
 *   [0, 512)       identity: backend, format version, layout name, pool UUID, sizes; written
 *                  once, at creation, and covered by its own CRC-32C
 *   [512, 1024)    checkpoint slot 0  } each: a sequence number, the LSN replay starts from,
 *   [1024, 1536)   checkpoint slot 1  } the log's chain value there, CRC-32C; the valid slot
 *                                       with the greater sequence number is the checkpoint
 *   [4096, ...)    the heap image: the space of umem offsets 0 .. heap_bytes
 *
 * The log: segment files <pool>.wal.<seq>, each a 4 KiB header then frames. A frame is one
 * committed transaction: a 32-byte header (its LSN, its length, the number of ranges, and a
 * CRC-32C seeded with the previous frame's CRC, over everything in the frame but the mark and
 * the CRC itself), then for each range its offset and length and its bytes after the
 * transaction (padded to 8). An LSN is a position in the log as a whole: a frame at LSN x
 * lies at 4096 + (x - first_lsn) in the segment whose first LSN is first_lsn, and the next
 * frame is at x + its length. Frames never span segments.
 */
#ifndef VOSTOK_UMEM_WAL_H
#define VOSTOK_UMEM_WAL_H

#include "umem.h"

#include <stdint.h>

#define WAL_IMAGE_MAGIC     0x4d49574b544f5356ull /* "VSOTKWIM" little-endian */
#define WAL_IMAGE_VERSION   1u
#define WAL_IMAGE_HDR_BYTES 4096u                 /* the heap image starts here */
#define WAL_LAYOUT_BYTES    64u
#define WAL_SLOT_MAGIC      0x54504b4357534f56ull /* "VOSWCKPT" */
#define WAL_SLOT_OFFSET(i)  (512u + 512u * (unsigned)(i))
#define WAL_SEG_MAGIC       0x4d47455357534f56ull /* "VOSWSEGM" */
#define WAL_SEG_VERSION     1u
#define WAL_SEG_HDR_BYTES   4096u
#define WAL_FRAME_MAGIC     0x464c4157u           /* "WALF" */
#define WAL_FRAME_HDR_BYTES 32u
#define WAL_RANGE_HDR_BYTES 16u
#define WAL_PAGE_BYTES      4096u                 /* the unit of dirty tracking */

enum wal_seg_state {
	WAL_SEG_SPARE  = 1, /* prepared (zero-filled or recycled), holds no frames of this pool */
	WAL_SEG_ACTIVE = 2, /* part of the log from first_lsn on */
};

struct wal_image_id {
	uint64_t magic;
	uint32_t version;
	uint32_t backend;          /* UMEM_BACKEND_WAL */
	char     layout[WAL_LAYOUT_BYTES]; /* NUL-terminated */
	uint8_t  pool_uuid[16];
	uint64_t heap_bytes;       /* a multiple of WAL_PAGE_BYTES */
	uint64_t root_bytes;
	uint64_t segment_bytes;
	uint64_t checkpoint_bytes;
	uint64_t created_sec;
	uint64_t unused[7];
	uint32_t unused32;
	uint32_t csum;             /* CRC-32C of everything above */
};

struct wal_ckpt_slot {
	uint64_t magic;
	uint64_t seq;              /* 1 for the slot written at creation, then one more each time */
	uint64_t lsn;              /* replay starts here */
	uint8_t  pool_uuid[16];
	uint32_t chain;            /* the CRC of the frame before lsn (0 at the log's start) */
	uint32_t csum;             /* CRC-32C of everything above */
};

struct wal_seg_hdr {
	uint64_t magic;
	uint32_t version;
	uint32_t state;            /* enum wal_seg_state */
	uint8_t  pool_uuid[16];
	uint64_t seq;              /* as in the file name */
	uint64_t first_lsn;        /* ACTIVE: the LSN of its first frame */
	uint64_t capacity;         /* bytes for frames after the header */
	uint32_t prev_chain;       /* ACTIVE: the chain value at first_lsn */
	uint32_t csum;             /* CRC-32C of everything above */
};

struct wal_frame {
	uint32_t magic;
	uint32_t csum;             /* CRC-32C, seeded with the previous frame's, of bytes 8 .. */
	uint64_t lsn;
	uint64_t frame_bytes;      /* the whole frame, a multiple of 8 */
	uint32_t n_ranges;
	uint32_t flags;            /* 0 */
};

struct wal_range {
	uint64_t off;              /* umem offset */
	uint64_t len;              /* then len bytes, padded to 8 */
};

_Static_assert(sizeof(struct wal_image_id) == 200, "wal_image_id layout");
_Static_assert(sizeof(struct wal_ckpt_slot) == 48, "wal_ckpt_slot layout");
_Static_assert(sizeof(struct wal_seg_hdr) == 64, "wal_seg_hdr layout");
_Static_assert(sizeof(struct wal_frame) == WAL_FRAME_HDR_BYTES, "wal_frame layout");
_Static_assert(sizeof(struct wal_range) == WAL_RANGE_HDR_BYTES, "wal_range layout");

/* ------------------------------------------------------------------------------------------
 * For tests (not exported from the shared library).
 */

/* Points in the background work where the test hook, when set, is called: a test slows the
 * work down there or reports it to a parent that kills the process at that moment. */
enum wal_hook_point {
	WAL_HOOK_CKPT_BEGIN = 1,   /* the checkpoint's LSN is chosen, its pages not yet written */
	WAL_HOOK_CKPT_PAGES,       /* after each batch of pages written to the image */
	WAL_HOOK_CKPT_SYNCED,      /* the image's pages are durable, its header not yet */
	WAL_HOOK_CKPT_SLOT,        /* the new checkpoint slot is durable */
	WAL_HOOK_CKPT_DONE,        /* old segments are removed */
	WAL_HOOK_SPARE_READY,      /* a spare segment is ready */
};

extern void (*wal_test_hook)(enum wal_hook_point point);

struct umem_wal_stats {
	uint64_t end_lsn;          /* where the next frame goes */
	uint64_t checkpoint_lsn;   /* of the newest checkpoint slot */
	uint64_t checkpoints;      /* completed since the pool was opened */
	uint64_t checkpoint_rests; /* pauses of background checkpoints between their batches */
	uint64_t segments;         /* active segments kept */
	uint64_t segment_seq;      /* the segment being written */
	uint64_t replayed_frames;  /* at open */
	uint64_t replayed_bytes;
	uint64_t commits;          /* frames queued since the pool was opened */
	uint64_t written_lsn;      /* every frame below it is written */
	uint64_t synced_lsn;       /* every frame below it is durable */
	uint64_t log_syncs;        /* fdatasyncs of the log's segments since the pool was opened */
};

void umem_wal_stats(struct umem *um, struct umem_wal_stats *out);

/* Runs a checkpoint now, in the calling thread. */
int umem_wal_checkpoint(struct umem *um);

#endif /* VOSTOK_UMEM_WAL_H */
