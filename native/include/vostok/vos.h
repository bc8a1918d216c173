/*
 * vos.h: the flat C ABI of libvostok-vos, the versioning object store.
 *
 * A pool is a pmemobj pool file (the PMDK backend) or an image file with a write-ahead log
 * beside it (the WAL backend, for machines with NVMe or SSD but no persistent memory); both
 * behave the same through this ABI. A pool holds containers (128-bit UUIDs); a container holds
 * objects (64-bit ids); an object holds keys, ordered either as unsigned 64-bit integers or as
 * byte strings (lexical, unsigned byte order, shorter first on a common prefix); a key holds a
 * chain of values versioned by epoch. Fetch at epoch E returns the newest version at or below E.
 *
 * The ABI is made for Java's FFM API: plain structs with fixed layouts, caller-provided
 * buffers, integer error codes, and batched calls for hot paths (one call per batch of
 * operations, not per key). No function keeps a pointer the caller passed in after it returns.
 *
 * Thread safety: a pool handle may be used by many threads at once. Reads (fetch, iterate,
 * query, list) run concurrently; changes (tx_apply, discard, aggregate, container create and
 * destroy) are serialized by a per-pool lock. The caller must not call any function on a pool
 * concurrently with, or after, vos_pool_close() on it.
 *
 * Durability: a change's call returns once the change is durable. On WAL pools the call waits
 * for the log's fdatasync after releasing the pool's lock, so reads and the next changes go on
 * meanwhile (changes waiting together share one sync); a change is therefore visible to
 * readers, and to the changes after it, shortly before its call returns. A crash in between
 * may undo it, but only whole and together with every change after it. If the sync fails,
 * the call fails with VOS_ERR_IO and the pool accepts no more changes until it is reopened.
 *
 * Error reporting: every function returns VOS_OK (0) or a negative VOS_ERR_* code. On failure a
 * sentence a person can act on is kept for the calling thread; vos_last_message() returns it.
 */
#ifndef VOSTOK_VOS_H
#define VOSTOK_VOS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this ABI; bump it when a struct layout or a function signature changes.
 * 2: vos_pool_create_opts() and vos_pool_opts_t, vos_pool_info_t.backend (the struct grew from
 * 24 to 32 bytes). 3: vos_tx_apply_flags() and VOS_TX_LAZY. */
#define VOS_ABI_VERSION 3

/* Limits. Anything larger is refused with VOS_ERR_TOOBIG, before anything is changed. */
#define VOS_KEY_BYTES_MAX   4096u          /* a lexical key: 1 .. 4096 bytes */
#define VOS_VALUE_BYTES_MAX (1u << 20)     /* a value: 0 .. 1 MiB */
#define VOS_TX_OPS_MAX      65536u         /* operations in one vos_tx_apply() */
#define VOS_TX_BYTES_MAX    (64u << 20)    /* keys and values one vos_tx_apply() writes, in all */
#define VOS_POOL_BYTES_MIN  (16ull << 20)  /* smallest pool vos_pool_create() accepts */
#define VOS_CONT_OPEN_MAX   1024u          /* containers open at once in one pool */

/* An epoch is an unsigned 64-bit number; VOS_EPOCH_MAX reads the newest version of all. Writes
 * (updates, punches, object creation and punch) at VOS_EPOCH_MAX are refused (VOS_ERR_INVAL). */
#define VOS_EPOCH_MAX UINT64_MAX

/* Error codes. Stable: the Java bindings and the wire protocol map them by value. */
enum vos_error {
	VOS_OK            =   0,
	VOS_ERR_INVAL     =  -1, /* an argument is wrong: a flag, an offset, a key of the wrong order */
	VOS_ERR_NOSPACE   =  -2, /* the pool is full; nothing was changed and the pool stays usable */
	VOS_ERR_NONEXIST  =  -3, /* no such pool file, container or object (at that epoch) */
	VOS_ERR_EXIST     =  -4, /* the pool file, container or object exists already */
	VOS_ERR_CORRUPT   =  -5, /* a checksum does not match: a stored value or structure is damaged;
	                          * the message says which structure, where, and the two values */
	VOS_ERR_IO        =  -6, /* the operating system refused: the message carries errno's text */
	VOS_ERR_NOTPOOL   =  -7, /* the file is not a Vostok pool */
	VOS_ERR_LAYOUT    =  -8, /* the pool was written with a layout this library does not read: a
	                          * newer one, or layout 1 (before every structure had a checksum) */
	VOS_ERR_BADHANDLE =  -9, /* a container handle that is closed or was never opened */
	VOS_ERR_TOOBIG    = -10, /* a key, value, batch or pool size beyond its limit */
	VOS_ERR_TRUNC     = -11, /* a caller's buffer is too small; the call says how much it needs */
	VOS_ERR_NOMEM     = -12, /* out of DRAM (malloc failed) */
	VOS_ERR_BUSY      = -13, /* in use: the pool file by another process, a container by a handle */
};

/* A short fixed name for a code ("NOSPACE"), never NULL. */
const char *vos_strerror(int rc);

/* The message of the calling thread's last failure, or "" when there was none. Every call
 * (but this one, vos_strerror and vos_abi_version) starts by clearing it; a vos_fetch that
 * returns VOS_OK leaves the message of its last request that failed, if any. The text stays
 * valid until the thread's next call into this library. */
const char *vos_last_message(void);

/* VOS_ABI_VERSION of the loaded library, so a binding can refuse a mismatched one. */
uint32_t vos_abi_version(void);

/* ------------------------------------------------------------------------------------------
 * Pools
 */
typedef struct vos_pool vos_pool_t;

/* How a pool keeps its data durable, chosen when it is created. */
enum vos_backend {
	/* A pmemobj pool file (PMDK): on a DAX file system the file is mapped directly; elsewhere
	 * persistence is emulated with msync, which costs several milliseconds a transaction. */
	VOS_BACKEND_PMEM = 1,
	/* The heap in DRAM (the whole pool is held in memory), every transaction appended to a
	 * write-ahead log and made durable with one fdatasync (shared by the transactions that
	 * wait for it together), the image checkpointed in the background. For
	 * machines with NVMe or SSD but no persistent memory. Files: the pool path (the image, of
	 * size_bytes) and log segments <path>.wal.<n> beside it, which take up to about twice
	 * wal_checkpoint_bytes more, and a few segments kept ready for reuse. */
	VOS_BACKEND_WAL  = 2,
};

/* Limits of the WAL backend's tuning. */
#define VOS_WAL_SEGMENT_BYTES_MIN (64ull << 10) /* a multiple of 4096 from here ... */
#define VOS_WAL_SEGMENT_BYTES_MAX (1ull << 30)  /* ... to here */

/* Options for vos_pool_create_opts(). Zero everything, then set what you need: zero is the
 * default of every field. */
typedef struct vos_pool_opts {
	uint32_t backend;              /* enum vos_backend; 0: VOS_BACKEND_PMEM */
	uint32_t reserved0;            /* must be 0 */
	/* VOS_BACKEND_WAL only (0 for the PMDK backend): the size of one log segment file, and
	 * how much log makes the background thread checkpoint the image (at least twice the
	 * segment size; it also bounds the work of recovery). 0: an eighth of the pool, from
	 * 1 MiB to 16 MiB, and half the pool, from 4 MiB to 64 MiB. */
	uint64_t wal_segment_bytes;
	uint64_t wal_checkpoint_bytes;
	uint64_t reserved[5];          /* must be 0 */
} vos_pool_opts_t;                 /* 64 bytes */

/* total_bytes is the heap's capacity, measured when the pool was created; free_bytes is what
 * is not allocated to stored data, kept exact in every transaction. The allocator gives whole
 * chunks of the heap to each size of allocation, so on a small pool a write can meet
 * VOS_ERR_NOSPACE while free_bytes is still well above zero. */
typedef struct vos_pool_info {
	uint64_t total_bytes;    /* usable heap bytes of the pool */
	uint64_t free_bytes;     /* of those, not allocated */
	uint32_t layout_version; /* the layout version stored in the pool */
	uint32_t containers;     /* containers in the pool */
	uint32_t backend;        /* enum vos_backend (ABI 2) */
	uint32_t reserved;       /* 0 */
} vos_pool_info_t;           /* 32 bytes */

/* Creates a pool file of size_bytes (>= VOS_POOL_BYTES_MIN) at path with the PMDK backend;
 * VOS_ERR_EXIST if the file exists. On a DAX file system the file is mapped directly; elsewhere
 * persistence is emulated. The same as vos_pool_create_opts() with opts NULL. */
int vos_pool_create(const char *path, uint64_t size_bytes, vos_pool_t **pool_out);

/* Creates a pool with the backend and tuning in opts (NULL: all defaults). VOS_ERR_INVAL for an
 * unknown backend, a reserved field that is not 0, or tuning outside its limits; VOS_ERR_EXIST
 * also when log segments of an earlier WAL pool are left at <path>.wal.*. */
int vos_pool_create_opts(const char *path, uint64_t size_bytes, const vos_pool_opts_t *opts,
			 vos_pool_t **pool_out);

/* Opens an existing pool, of either backend (the file says which). VOS_ERR_NONEXIST if there
 * is no file, VOS_ERR_NOTPOOL if it is not a Vostok pool, VOS_ERR_LAYOUT if its layout is newer
 * than this library's or older (the message says what to do), VOS_ERR_BUSY if another process (or another handle in this one) has it open,
 * VOS_ERR_CORRUPT if its headers are damaged (or, for a WAL pool, a log segment it needs is
 * missing, damaged or another pool's). A failed open with NONEXIST, NOTPOOL, LAYOUT or BUSY
 * changes nothing in the file; a WAL pool's open writes nothing unless it succeeds. A WAL
 * pool's open loads the image and replays the log written since its last checkpoint. */
int vos_pool_open(const char *path, vos_pool_t **pool_out);

/* Closes the pool and every container handle still open in it. A WAL pool checkpoints its
 * image first, so the next open has no log to replay. */
int vos_pool_close(vos_pool_t *pool);

/* Removes a pool file (and a WAL pool's log segments) that no process has open.
 * VOS_ERR_NOTPOOL if it is not a Vostok pool. */
int vos_pool_destroy(const char *path);

int vos_pool_query(vos_pool_t *pool, vos_pool_info_t *info_out);

/* ------------------------------------------------------------------------------------------
 * Containers, named by 16-byte UUIDs (big-endian, as java.util.UUID's two longs)
 */
typedef uint64_t vos_cont_h; /* an open container; 0 is never a valid handle */

int vos_cont_create(vos_pool_t *pool, const uint8_t uuid[16]);

/* Destroys a container and everything in it. VOS_ERR_BUSY while a handle to it is open. */
int vos_cont_destroy(vos_pool_t *pool, const uint8_t uuid[16]);

/* A container may be open through several handles at once; VOS_ERR_TOOBIG when
 * VOS_CONT_OPEN_MAX handles are open in the pool. A handle that is closed, never opened, from
 * another pool or from an earlier open of this pool gives VOS_ERR_BADHANDLE wherever it is
 * used. */
int vos_cont_open(vos_pool_t *pool, const uint8_t uuid[16], vos_cont_h *cont_out);
int vos_cont_close(vos_pool_t *pool, vos_cont_h cont);

/* Writes up to capacity UUIDs (16 bytes each, in byte order of the UUID) to uuids_out and the
 * total number of containers to count_out; VOS_ERR_TRUNC when capacity < total. */
int vos_cont_list(vos_pool_t *pool, uint8_t *uuids_out, uint32_t capacity, uint32_t *count_out);

/* ------------------------------------------------------------------------------------------
 * Changes: one local transaction per call
 */
enum vos_key_order {
	VOS_KEYS_INTEGER = 1, /* keys are uint64_t, numeric order */
	VOS_KEYS_LEXICAL = 2, /* keys are 1..VOS_KEY_BYTES_MAX bytes, unsigned byte order */
};

/* Updates and punches need the object to exist at their epoch (created at or below it, not
 * punched at or below it): VOS_ERR_NONEXIST otherwise. Writing below the newest version of a
 * key is allowed and lands in its place in the key's history. */
enum vos_op_kind {
	/* key := value at epoch. Replaces a version at the same epoch. */
	VOS_OP_UPDATE     = 1,
	/* A tombstone for key at epoch: fetch at or above epoch finds nothing. Allowed on a key
	 * that has no value. Replaces a version at the same epoch. */
	VOS_OP_PUNCH      = 2,
	/* Creates object oid with key_order; it exists at epochs >= epoch. VOS_ERR_EXIST if an
	 * object with this id exists in any state, punched included (object ids are not reused
	 * while the object is known; a discard that removes its creation, or an aggregation that
	 * removes it after its punch, frees the id). */
	VOS_OP_OBJ_CREATE = 3,
	/* The object and all its keys cease to exist at epochs >= epoch. VOS_ERR_NONEXIST if the
	 * object does not exist at epoch. */
	VOS_OP_OBJ_PUNCH  = 4,
	/* Removes every version, tombstone, object punch and object creation at or above epoch in
	 * the container (Raft log truncation). oid and key are ignored; any epoch is accepted. */
	VOS_OP_DISCARD    = 5,
};

/* One operation. Keys and values live in the call's data buffer, at the offsets given.
 * For an integer-keyed object, key_len is 0 and key_int is the key; for a lexical one,
 * key_len is 1..VOS_KEY_BYTES_MAX and the key is data[key_off .. key_off + key_len). */
typedef struct vos_op {
	uint32_t   kind;      /* enum vos_op_kind */
	uint32_t   key_order; /* VOS_OP_OBJ_CREATE only: enum vos_key_order */
	vos_cont_h cont;
	uint64_t   oid;
	uint64_t   epoch;
	uint64_t   key_int;
	uint64_t   key_off;
	uint64_t   value_off; /* VOS_OP_UPDATE only */
	uint32_t   key_len;
	uint32_t   value_len; /* VOS_OP_UPDATE only: 0 .. VOS_VALUE_BYTES_MAX */
} vos_op_t;               /* 64 bytes */

/* Applies n_ops operations (1 .. VOS_TX_OPS_MAX), in order, as one crash-consistent local
 * transaction with one persist: after a crash at any instant the pool holds all of them or none.
 * On failure nothing is changed, and *failed_op (if not NULL) is the index of the operation that
 * failed, or n_ops when the failure was not one operation's (e.g. the commit's own space).
 * Malformed operations (a kind, a key order, a key or value outside data, a key or value too
 * large) are refused before the pool is touched, and so is a transaction whose keys and values
 * add up to more than VOS_TX_BYTES_MAX (VOS_ERR_TOOBIG; *failed_op is the operation that
 * crosses the limit: split the transaction before it). The bytes count each operation's key
 * and value, however many operations share them in data. */
int vos_tx_apply(vos_pool_t *pool, const vos_op_t *ops, uint32_t n_ops,
		 const uint8_t *data, uint64_t data_len, uint32_t *failed_op);

/* A vos_tx_apply_flags flag: the commit returns without waiting for its persist. Its changes
 * are visible at once; they become durable with the pool's next commit without the flag (or a
 * checkpoint, or the close). A crash before that may undo it, with every lazy commit after it,
 * but never a part of it, and never without undoing what was committed after it. For work that
 * may simply be done again after a crash (garbage collection): it spares the caller a wait for
 * the disk and the disk a sync of its own. A PMDK pool persists it like any other. */
#define VOS_TX_LAZY 1u

/* vos_tx_apply with flags (0 or VOS_TX_LAZY; any other bit is refused with VOS_ERR_INVAL). */
int vos_tx_apply_flags(vos_pool_t *pool, const vos_op_t *ops, uint32_t n_ops,
		       const uint8_t *data, uint64_t data_len, uint32_t flags, uint32_t *failed_op);

/* ------------------------------------------------------------------------------------------
 * Reads
 */
#define VOS_ABSENT 1 /* a fetch status: the key has no live value at that epoch */

typedef struct vos_fetch_req {
	/* in */
	vos_cont_h cont;
	uint64_t   oid;
	uint64_t   epoch;
	uint64_t   key_int;
	uint64_t   key_off;   /* in the keys buffer */
	uint32_t   key_len;
	/* out */
	int32_t    status;    /* VOS_OK, VOS_ABSENT, or a VOS_ERR_* (NONEXIST: no such object at
	                       * epoch; CORRUPT: the stored value fails its checksum; TRUNC: the
	                       * value did not fit in what was left of the out buffer; BADHANDLE:
	                       * cont is not open; INVAL: the key's form does not suit the
	                       * object's key order) */
	uint64_t   value_off; /* where in the out buffer the value was written */
	uint32_t   value_len; /* the value's length (also when status is TRUNC) */
	uint32_t   reserved;
} vos_fetch_req_t;        /* 64 bytes */

/* Fetches n (1 .. VOS_TX_OPS_MAX) keys; values are written back to back into out, each at an
 * offset aligned to 8. Returns VOS_OK when every request got its own status, or an error that
 * applies to the whole call (bad arguments, such as a key outside the keys buffer). Once one
 * value does not fit, every later value found gets TRUNC too (with its value_len), so the
 * values returned are those of a prefix of the batch: retry from the first TRUNC. */
int vos_fetch(vos_pool_t *pool, vos_fetch_req_t *reqs, uint32_t n,
	      const uint8_t *keys, uint64_t keys_len, uint8_t *out, uint64_t out_len);

enum vos_iter_flags {
	VOS_ITER_BACKWARD         = 1, /* descending key order */
	VOS_ITER_HAS_ANCHOR       = 2, /* start at the anchor key instead of the first (last) key */
	VOS_ITER_ANCHOR_INCLUSIVE = 4, /* include the anchor key itself if it is live */
	VOS_ITER_KEYS_ONLY        = 8, /* write keys without values (so no checksum to verify) */
};

typedef struct vos_iter_req {
	vos_cont_h cont;
	uint64_t   oid;
	uint64_t   epoch;
	uint64_t   anchor_int;  /* integer objects */
	uint32_t   anchor_len;  /* lexical objects: length of anchor_key */
	uint32_t   flags;       /* enum vos_iter_flags */
	uint32_t   records_max; /* stop after this many records; 0: as many as fit */
	uint32_t   reserved;
} vos_iter_req_t;           /* 48 bytes */

/* Each record in the iterate buffer: this header, then key_len key bytes (lexical objects),
 * then value_len value bytes (unless KEYS_ONLY), then padding to a multiple of 8. */
typedef struct vos_rec_hdr {
	uint64_t key_int;   /* integer objects */
	uint32_t key_len;   /* lexical objects; 0 for integer objects */
	uint32_t value_len; /* 0 with VOS_ITER_KEYS_ONLY */
} vos_rec_hdr_t;        /* 16 bytes */

#define VOS_ITER_END 1 /* *state_out: no live key remains past the last record returned */

/* Writes the live keys (and values) of one object at req->epoch, in order from the anchor,
 * into out until records_max records, the buffer, or the keys run out. *n_out is the number of
 * records written, *used_out the bytes used. *state_out is VOS_ITER_END when the iteration is
 * complete; otherwise resume with the last key returned as an exclusive anchor. If not even
 * one record fits, the call fails with VOS_ERR_TRUNC and *used_out is the size it needs.
 * VOS_ERR_NONEXIST if the object does not exist at req->epoch. Values are checksum-verified. */
int vos_iterate(vos_pool_t *pool, const vos_iter_req_t *req, const uint8_t *anchor_key,
		uint8_t *out, uint64_t out_len, uint32_t *n_out, uint64_t *used_out,
		uint32_t *state_out);

/* ------------------------------------------------------------------------------------------
 * Maintenance
 */

/* Removes every version, tombstone, object punch and object creation at or above from_epoch in
 * the container, in one transaction. Its cost follows what it removes, not what the container
 * holds. It may use the space held back for freeing, so it works on a full pool. */
int vos_discard(vos_pool_t *pool, vos_cont_h cont, uint64_t from_epoch);

/* Where an aggregation stopped; zero it to start. Opaque to the caller. */
typedef struct vos_agg_cursor {
	uint64_t oid;
	uint64_t key_int;
	uint32_t key_len;
	uint32_t state;
	uint8_t  key[VOS_KEY_BYTES_MAX];
} vos_agg_cursor_t;

/* Folds, for up to keys_max (>= 1) keys from the cursor on, all versions at or below up_to_epoch
 * into one (the newest), drops keys and objects whose newest such version is a tombstone, and
 * frees their space; an object punched at or below up_to_epoch goes whole, keys_max keys per
 * call. Each call is one transaction and holds the pool's change lock only for its
 * duration, so a caller aggregating a large container in a loop does not stall other writers.
 * *done_out is 1 when the container has been aggregated up to the epoch; a finished cursor
 * stays finished until it is zeroed. Reads below up_to_epoch are not meaningful afterwards.
 * Idempotent, so a crash mid-way loses nothing. Works on a full pool. On WAL pools a slice
 * is neither written nor synced when it commits (its log record waits in memory): it becomes
 * durable with the next change or checkpoint, and a crash before that may undo it (whole, and
 * only together with what came after it).
 * Incremental: a pass visits only the objects and keys changed since the last pass that
 * finished, so its cost follows what was written since, not what the container holds. Give
 * every call of a pass the same epoch and run one pass per container at a time; a change below
 * an aggregated epoch, or a pass that breaks these rules, only makes the next pass visit more. */
int vos_aggregate(vos_pool_t *pool, vos_cont_h cont, uint64_t up_to_epoch,
		  vos_agg_cursor_t *cursor, uint32_t keys_max, uint32_t *done_out);

/* ------------------------------------------------------------------------------------------
 * Scrubbing: verifying every structure of a pool
 *
 * A scrub pass walks the whole pool and checks everything in it: every checksum (index nodes,
 * long keys, container, object and root records, version headers and every version's value,
 * the backend's headers, and on the WAL backend every allocator block) and the invariants of
 * the structures (keys in order and within their parents' ranges, node fill, every epoch in
 * an index within its parent's bound, a key's entry carrying its newest version's epoch,
 * versions in descending epochs, records matching the keys that lead to them, entry counts,
 * at most one version below a container's aggregation floor, the allocator's blocks and free
 * lists agreeing). Damage does not stop it: a damaged structure is reported and what lies
 * under it skipped, and the pass goes on with the rest.
 *
 * A pass runs in slices. Each slice holds the pool's read lock (changes wait for it, reads do
 * not) for about budget_bytes of checksumming and then returns, so a replica can scrub in the
 * background: call vos_scrub_slice() when it suits, or vos_pool_scrub() for a pass that paces
 * itself. The pool may change between slices; the pass resumes after the last key it checked
 * and checks what it finds there. A count or bound that spans slices is checked only when no
 * change committed in between.
 */

#define VOS_SCRUB_PROBLEMS_MAX        16u           /* problems whose messages a pass keeps */
#define VOS_SCRUB_MESSAGE_BYTES       512u          /* each, NUL-terminated, cut if longer */
#define VOS_SCRUB_POSITION_BYTES      (VOS_KEY_BYTES_MAX + 512u)
#define VOS_SCRUB_SLICE_BYTES_DEFAULT (256u << 10)  /* a slice's budget when 0 is given */

/* A scrub pass: zero it to start one. The counters say what it has checked so far. */
typedef struct vos_scrub {
	uint64_t containers;  /* container records checked */
	uint64_t objects;     /* object records */
	uint64_t keys;        /* keys (entries of key trees) */
	uint64_t versions;    /* versions (header and value) */
	uint64_t nodes;       /* index nodes (those on the path to where a slice resumes again) */
	uint64_t blocks;      /* allocator blocks (WAL backend) */
	uint64_t bytes;       /* bytes checksummed */
	uint64_t slices;      /* slices run */
	uint64_t problems;    /* damaged or inconsistent structures found */
	uint32_t done;        /* 1: the pass is complete */
	uint32_t messages;    /* message[0 .. messages) hold the first problems' descriptions */
	char     message[VOS_SCRUB_PROBLEMS_MAX][VOS_SCRUB_MESSAGE_BYTES];
	uint8_t  position[VOS_SCRUB_POSITION_BYTES]; /* opaque: where the next slice starts */
} vos_scrub_t;

/* Runs one slice of the pass in scrub: checks the pool from where the pass stopped until
 * about budget_bytes (0: VOS_SCRUB_SLICE_BYTES_DEFAULT) are checksummed, at least one
 * structure, under the pool's read lock. Problems found are counted in scrub (and the first
 * ones described), not returned: VOS_OK means the slice ran. VOS_ERR_INVAL for a scrub that is
 * not one this function filled (zero it to start). A finished pass stays finished until it is
 * zeroed. */
int vos_scrub_slice(vos_pool_t *pool, vos_scrub_t *scrub, uint64_t budget_bytes);

typedef struct vos_scrub_opts {
	uint64_t bytes_per_sec; /* at most this many bytes checksummed a second; 0: no limit */
	uint64_t slice_bytes;   /* each slice's budget; 0: VOS_SCRUB_SLICE_BYTES_DEFAULT */
	uint64_t reserved[2];   /* must be 0 */
} vos_scrub_opts_t;         /* 32 bytes */

/* Runs the pass in scrub (a zeroed one, or one that vos_scrub_slice() started) to its end,
 * slice by slice, releasing the lock between slices and sleeping there as long as
 * bytes_per_sec asks. opts NULL: no limit, default slices. VOS_OK if the pass found nothing
 * wrong; VOS_ERR_CORRUPT if it found problems (the message gives the first and the count;
 * scrub has them all counted and the first VOS_SCRUB_PROBLEMS_MAX described). */
int vos_pool_scrub(vos_pool_t *pool, const vos_scrub_opts_t *opts, vos_scrub_t *scrub);

#ifdef __cplusplus
}
#endif

#endif /* VOSTOK_VOS_H */
