/*
 * umem.h: memory and persistence, behind one interface (after DAOS's umem).
 *
 * Everything above this interface (the B+-tree, containers, objects, version chains) keeps its
 * persistent structures in one flat space of bytes addressed by 64-bit offsets, and changes
 * them only inside a transaction, by these rules:
 *
 *   1. umem_tx_begin() starts a transaction on the calling thread; one at a time per umem (the
 *      caller serializes writers). umem_tx_commit() makes every change of it durable at once;
 *      umem_tx_abort() undoes all of them. After a crash at any instant the space holds every
 *      committed transaction and no part of an uncommitted one. A commit may be split in
 *      two: umem_tx_end() commits in memory and in the log's order (the next transaction may
 *      begin), umem_tx_durable() then waits, with the caller's locks released, until it is
 *      durable; a crash between the two undoes it whole, with every transaction after it.
 *   2. Before changing any byte that existed before the transaction, add its range with
 *      umem_tx_add(). Adding a range twice, or a range that overlaps one added before, is
 *      allowed and cheap.
 *   3. Memory from umem_alloc() in a transaction belongs to it whole: write it freely without
 *      adding it. If the transaction aborts, the allocation never happened.
 *   4. umem_free() takes effect when the transaction commits; do not read the memory after
 *      freeing it.
 *   5. Structures hold offsets (umem_off_t), never pointers: the space may be mapped at another
 *      address next time. umem_ptr() turns an offset into a pointer for this mapping.
 *   6. A record with a checksum is not resealed by each write to it: umem_tx_touch() names the
 *      record and the function that seals it, and the commit calls that function once per
 *      record touched (and not freed) in the transaction, before anything is made durable.
 *      Until then its checksum is stale, so readers inside the transaction ask
 *      umem_tx_touched() before they verify one.
 *
 * This is what both backends need: PMDK's libpmemobj (umem_pmem.c), whose undo log snapshots
 * each added range before it changes, and a DRAM heap whose transactions append the final
 * bytes of every added range (and of new allocations) as redo records to a write-ahead log
 * (umem_wal.c).
 */
#ifndef VOSTOK_UMEM_H
#define VOSTOK_UMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An offset into the space; 0 is never a valid object. */
typedef uint64_t umem_off_t;
#define UMEM_OFF_NULL ((umem_off_t)0)

enum umem_alloc_flags {
	UMEM_ALLOC_ZERO = 1, /* zero the new memory */
};

enum umem_tx_flags {
	/* The transaction frees space (discard, aggregation, destroy): it may use the space held
	 * back from ordinary writes, so that a full pool can always be cleaned up. */
	UMEM_TX_MAINTENANCE = 1,
	/* The transaction only tidies (aggregation): it need not be durable when its commit
	 * returns. A crash may undo it, and every lazy one after it, but never a part of it, and
	 * never without undoing what was committed after it: the next commit that is not lazy
	 * makes it durable too. The PMDK backend persists it like any other. */
	UMEM_TX_LAZY = 2,
};

/* The backends; the values are those of enum vos_backend in vos.h. */
enum umem_backend {
	UMEM_BACKEND_PMEM = 1, /* a pmemobj pool file (umem_pmem.c) */
	UMEM_BACKEND_WAL  = 2, /* a DRAM heap, a write-ahead log and a checkpointed image (umem_wal.c) */
};

struct umem;

/* Recomputes the checksum of the record at off inside the committing transaction, adding the
 * bytes it writes with umem_tx_add() unless added says they are in the transaction already. */
typedef int (*umem_seal_fn)(struct umem *um, umem_off_t off, bool added);

/* The records a transaction touched (umem.c). */
struct umem_seals;

/* A problem a scrub found; vos_message() says what and where. */
typedef void (*umem_problem_fn)(void *arg);

/* A walk over the backend's own structures (its headers; the WAL heap's blocks and free
 * lists), a slice at a time. Zero it to start. */
struct umem_scrub {
	uint64_t pos;         /* the next block; 0: the walk has not started */
	uint64_t commits;     /* um->commits when the walk started */
	uint64_t slice_commits; /* um->commits when the last slice ended */
	uint64_t allocated;   /* usable bytes of the allocated blocks passed */
	uint64_t free_blocks; /* free blocks passed */
	uint64_t prev_size;   /* the size of the block before pos */
	uint32_t prev_free;   /* the block before pos is free */
	uint32_t damaged;     /* a problem was found: the totals are not compared */
	uint32_t done;        /* the walk is complete */
	uint32_t restarts;    /* times a change between slices made the walk start again */
	uint32_t cut;         /* the walk ended early: the pool kept changing under it */
	uint32_t unused;
	uint64_t blocks;      /* blocks checked (added to) */
	uint64_t bytes;       /* bytes checksummed (added to) */
};

/* What a transaction ended with umem_tx_end() still waits for: its log up to lsn written
 * (durable false) or durable (durable true); lsn 0: nothing. */
struct umem_wait {
	uint64_t lsn;
	bool     durable;
};

struct umem_ops {
	int  (*tx_begin)(struct umem *um, uint32_t flags);
	/* Commits; *wait_out says what umem_tx_durable() must wait for. */
	int  (*tx_commit)(struct umem *um, struct umem_wait *wait_out);
	/* Waits for what tx_commit left; NULL for a backend whose commit is durable. */
	int  (*tx_wait)(struct umem *um, const struct umem_wait *wait);
	void (*tx_abort)(struct umem *um);
	int  (*tx_add)(struct umem *um, const void *ptr, size_t len);
	int  (*alloc)(struct umem *um, size_t len, uint32_t flags, umem_off_t *off_out);
	int  (*free)(struct umem *um, umem_off_t off);
	size_t (*usable_size)(struct umem *um, umem_off_t off);
	void (*space)(struct umem *um, uint64_t *total_out, uint64_t *free_out);
	/* Checks about budget_bytes more of the backend's structures, outside a transaction;
	 * calls problem for each problem found. Errors only when it cannot go on. */
	int  (*scrub)(struct umem *um, struct umem_scrub *s, uint64_t budget_bytes,
		      umem_problem_fn problem, void *arg);
	void (*close)(struct umem *um);
};

struct umem {
	const struct umem_ops *ops;
	char      *base;      /* the address of offset 0 in this mapping */
	uint64_t   size;      /* bytes mapped at base; every valid offset is below it */
	umem_off_t root;      /* the caller's root area, fixed for the life of the space */
	uint64_t   root_size;
	uint32_t   backend;   /* enum umem_backend */
	/* Two ranges no further apart than this cost less added as one (the gap's bytes too)
	 * than as two: PMDK's undo log pays per range, the WAL's redo log per byte. */
	uint32_t   range_join_bytes;
	struct umem_seals *seals; /* the running transaction's touched records; NULL until used */
	uint64_t   commits;   /* transactions committed through this handle */
	/* Index nodes verified against their checksums since they were last loaded or changed,
	 * one bit per KiB of the space (no two nodes start in the same KiB), or NULL: every read
	 * verifies. Only where the space is memory that nothing but transactions change (the WAL
	 * backend's DRAM heap: the disk is read once, at open) may a read trust an earlier
	 * verification; on PMDK the space is the file itself, whose pages may come back from the
	 * disk at any time. The scrubber never trusts it. */
	uint64_t  *verified;
};

#define UMEM_VERIFIED_SHIFT 10

static inline bool umem_verified(const struct umem *um, umem_off_t off)
{
	uint64_t bit = off >> UMEM_VERIFIED_SHIFT;

	return um->verified != NULL &&
	       (__atomic_load_n(&um->verified[bit / 64], __ATOMIC_RELAXED) >> (bit % 64)) & 1;
}

/* Readers mark what they verified, concurrently with one another. */
static inline void umem_set_verified(struct umem *um, umem_off_t off)
{
	uint64_t bit = off >> UMEM_VERIFIED_SHIFT;

	if (um->verified != NULL)
		__atomic_fetch_or(&um->verified[bit / 64], 1ull << (bit % 64), __ATOMIC_RELAXED);
}

/* A change (under the pool's change lock, with no reader running) forgets a verification. */
static inline void umem_clear_verified(struct umem *um, umem_off_t off)
{
	uint64_t bit = off >> UMEM_VERIFIED_SHIFT;

	if (um->verified != NULL)
		__atomic_fetch_and(&um->verified[bit / 64], ~(1ull << (bit % 64)),
				   __ATOMIC_RELAXED);
}

static inline void *umem_ptr(const struct umem *um, umem_off_t off)
{
	return off == UMEM_OFF_NULL ? NULL : um->base + off;
}

static inline umem_off_t umem_off(const struct umem *um, const void *ptr)
{
	return ptr == NULL ? UMEM_OFF_NULL : (umem_off_t)((const char *)ptr - um->base);
}

/* Whether [off, off + len) lies inside the space: a check on offsets read from persistent
 * memory, so that a damaged structure is reported instead of followed. */
static inline bool umem_off_valid(const struct umem *um, umem_off_t off, uint64_t len)
{
	return off != UMEM_OFF_NULL && off < um->size && len <= um->size - off;
}

/* Starts a transaction (rule 1). */
int umem_tx_begin(struct umem *um, uint32_t flags);

/* Seals every record touched in the transaction, then commits it, durably; if a seal fails,
 * the transaction is aborted and its error returned. umem_tx_end() then umem_tx_durable(). */
int umem_tx_commit(struct umem *um);

/* Seals and commits the transaction without waiting for its durability: when it returns,
 * its changes are in the space for every reader and ordered before any later transaction's
 * in the log, and the next transaction may begin. On failure the transaction is undone and
 * *wait_out says nothing. Call umem_tx_durable() next, after releasing the locks that
 * serialize writers, so that nobody else waits for this transaction's disk writes. */
int umem_tx_end(struct umem *um, struct umem_wait *wait_out);

/* Returns once the transaction that umem_tx_end() ended is durable (a lazy one: as far as
 * its backend wants it before the next). Called with no lock of the caller's held. Fails
 * (VOS_ERR_IO, the backend stops accepting changes) if its log could not be written or
 * synced: whether the transaction survives a crash is then known only to the next open. */
int umem_tx_durable(struct umem *um, const struct umem_wait *wait);

void umem_tx_abort(struct umem *um);

/* Inside a transaction: the record at off changed and must be sealed by seal at commit.
 * added: the bytes of its checksum are in the transaction already (the record was allocated in
 * it, or the range added covered them), so the seal need not add them; once said, it holds
 * for the rest of the transaction. Touching a record again costs a lookup; the last seal given
 * wins. */
int umem_tx_touch(struct umem *um, umem_off_t off, umem_seal_fn seal, bool added);

/* Whether the running transaction touched the record at off (and has not freed it): its
 * checksum is stale until the commit. False outside a transaction. */
bool umem_tx_touched(const struct umem *um, umem_off_t off);

static inline int umem_tx_add(struct umem *um, const void *ptr, size_t len)
{
	return um->ops->tx_add(um, ptr, len);
}

static inline int umem_alloc(struct umem *um, size_t len, uint32_t flags, umem_off_t *off_out)
{
	return um->ops->alloc(um, len, flags, off_out);
}

/* Frees the allocation at off (rule 4); a record touched at off is forgotten. */
int umem_free(struct umem *um, umem_off_t off);

static inline size_t umem_usable_size(struct umem *um, umem_off_t off)
{
	return um->ops->usable_size(um, off);
}

static inline int umem_scrub(struct umem *um, struct umem_scrub *s, uint64_t budget_bytes,
			     umem_problem_fn problem, void *arg)
{
	return um->ops->scrub(um, s, budget_bytes, problem, arg);
}

/* Bytes the caller may allocate in all, and of those not allocated now. */
static inline void umem_space(struct umem *um, uint64_t *total_out, uint64_t *free_out)
{
	um->ops->space(um, total_out, free_out);
}

void umem_close(struct umem *um);

/* ------------------------------------------------------------------------------------------
 * The PMDK backend: a pmemobj pool file. Layout names are up to UMEM_PMEM_LAYOUT_BYTES_MAX
 * bytes; the caller's root area is root_size bytes, zeroed at creation.
 */
#define UMEM_PMEM_LAYOUT_BYTES_MAX 1024u

/* Reads the layout name of a pmemobj pool file without opening it (and so without writing
 * to it). VOS_ERR_NONEXIST: no file; VOS_ERR_NOTPOOL: not a pmemobj pool. */
int umem_pmem_layout(const char *path, char layout_out[UMEM_PMEM_LAYOUT_BYTES_MAX]);

int umem_pmem_create(const char *path, const char *layout, uint64_t size_bytes,
		     uint64_t root_size, struct umem **um_out);

/* VOS_ERR_BUSY when another process, or another handle in this one, has the pool open. */
int umem_pmem_open(const char *path, const char *layout, uint64_t root_size,
		   struct umem **um_out);

/* Removes a pool file that nobody has open; VOS_ERR_BUSY otherwise. */
int umem_pmem_remove(const char *path);

/* ------------------------------------------------------------------------------------------
 * The WAL backend (umem_wal.c): the heap in DRAM, one write-ahead log record per transaction,
 * made durable by an fdatasync that commits waiting at the same time share (group commit),
 * the image checkpointed in the background. The pool path is the image;
 * the log's segments are <path>.wal.<n> next to it.
 */

/* Tuning of a WAL pool, fixed when it is created; 0 picks the default. */
struct umem_wal_params {
	uint64_t segment_bytes;    /* bytes of one log segment file (frames; the header is extra) */
	uint64_t checkpoint_bytes; /* the log grown past this since the last checkpoint starts one */
};

#define UMEM_WAL_SEGMENT_BYTES_DEFAULT    (16ull << 20)
#define UMEM_WAL_SEGMENT_BYTES_MIN        (64ull << 10)
#define UMEM_WAL_SEGMENT_BYTES_MAX        (1ull << 30)
#define UMEM_WAL_CHECKPOINT_BYTES_DEFAULT (64ull << 20)

/* Reads the layout name from a WAL pool's image header without opening the pool.
 * VOS_ERR_NOTPOOL: not a WAL image; VOS_ERR_CORRUPT: its header fails its checksum. */
int umem_wal_layout(const char *path, char layout_out[UMEM_PMEM_LAYOUT_BYTES_MAX]);

/* Writes a new pool's root area (root_size zero bytes at off) before the pool exists. */
typedef void (*umem_root_init_fn)(void *root, umem_off_t off);

/* Creates the pool whole or not at all: the image is built as <path>.creating, with its root
 * area written by init_root (NULL: left zero), and renamed to path once it is durable.
 * VOS_ERR_EXIST also when log segments of an earlier pool are left at <path>.wal.<n>, or the
 * image of a creation that did not finish at <path>.creating. */
int umem_wal_create(const char *path, const char *layout, uint64_t size_bytes,
		    uint64_t root_size, const struct umem_wal_params *params,
		    umem_root_init_fn init_root, struct umem **um_out);

/* Loads the image and replays the log from the last checkpoint. VOS_ERR_BUSY when another
 * process, or another handle in this one, has the pool open; VOS_ERR_CORRUPT, with nothing
 * written, when a header, a needed segment or a record that should be whole is damaged,
 * missing or belongs to another pool. */
int umem_wal_open(const char *path, const char *layout, uint64_t root_size,
		  struct umem **um_out);

/* Removes the image and every log segment of a pool that nobody has open. */
int umem_wal_remove(const char *path);

/* ------------------------------------------------------------------------------------------
 * Either backend, by what the file holds (umem.c).
 */

/* The backend and layout name of the pool file at path, read without opening it. Errors as
 * umem_pmem_layout() and umem_wal_layout(); on VOS_ERR_CORRUPT *backend_out is still set. */
int umem_probe(const char *path, uint32_t *backend_out,
	       char layout_out[UMEM_PMEM_LAYOUT_BYTES_MAX]);

int umem_open(uint32_t backend, const char *path, const char *layout, uint64_t root_size,
	      struct umem **um_out);

int umem_remove(uint32_t backend, const char *path);

#endif /* VOSTOK_UMEM_H */
