/*
 * umem_wal.c: the umem backend for nodes with NVMe or SSD but no persistent memory.
 *
 * The heap lives in DRAM, in anonymous memory: opening a pool reads the image's written
 * extents into it (the never-written rest stays zero pages until touched), and changes reach
 * the image only through checkpoints. A transaction
 * changes the heap in place, keeping the before-image of every range it adds in a DRAM undo
 * buffer (an abort copies them back). Its commit gathers the after-images of those ranges and
 * of its new allocations, merged, into one frame of the write-ahead log and queues the frame
 * in LSN order, under the transaction lock; then, with the locks released, the frame is
 * written with one pwrite and made durable with one fdatasync, which every commit waiting at
 * the same time shares (group commit), and only then does its commit return.
 *
 * The log's writing (log_wait): the queue holds frames ordered but not yet written, and the
 * start of each new segment. The first thread that needs the log written or durable past what
 * it is, while nobody is writing it, becomes the flusher: it takes the whole queue, writes it
 * in order, syncs if anyone waits for durability, and wakes the waiters. So:
 *   - frames reach the log in LSN order: they are queued under tx_lock, which orders them,
 *     and written by one flusher at a time, a whole queue in order;
 *   - a commit's caller returns only once synced_lsn is past its frame, and every frame
 *     before a synced one is durable with it (written earlier into the same file, or into an
 *     earlier segment that was synced before the next one got its header);
 *   - no lock that a transaction or a reader takes is held while the disk is written or
 *     synced, except for a segment made on the spot (no spare ready, or a frame larger
 *     than the spare), which is rare.
 * A transaction's changes are therefore in the heap, for readers and later transactions,
 * before its frame is durable: a later transaction's frame comes after it in the log, so
 * recovery never keeps the later one without it; a crash before the commit returned may undo
 * it, with everything after it. If the log cannot be written or synced, the pool stops
 * accepting changes (what the log holds is known only to the next recovery, and later
 * transactions in the heap are built on the frames in question), and every commit still
 * waiting fails.
 *
 * A background thread checkpoints the image when the log has grown past checkpoint_bytes: it
 * notes the log's end c, writes every page changed before c to the image (copying a batch of
 * pages at a time under the transaction lock, so a commit never waits for more than one
 * batch, and resting between batches so that its write-back leaves the device to the log's
 * syncs most of the time), makes them durable, writes c into the older of the two checkpoint
 * slots, makes that durable, and removes the log segments wholly below the older slot's LSN.
 * Pages copied after c may already hold later commits; that is harmless because recovery
 * replays every frame from c on and the records are physical after-images (applying them
 * again gives the same bytes).
 *
 * Recovery maps the image and replays, in order, every frame from the newest valid slot's LSN
 * to the first frame that is torn (wrong mark, wrong LSN, too long, or a CRC that does not
 * match). Each frame's CRC is seeded with the previous frame's, so a stale frame left behind
 * a torn one, or in a recycled segment, never passes for the next.
 *
 * Log segments are preallocated with zeros (or recycled) by the background thread before they
 * are needed, so the fdatasync of a commit writes data blocks and no file-system metadata.
 *
 * Locks: tx_lock is held from tx_begin to the end of commit (the frame queued) or abort, and
 * by the checkpoint while it copies a batch of pages. ctl_lock guards the segment list, the
 * spare segment and the thread's requests; it is taken after tx_lock, never before it.
 * log_lock guards the queue and the written and synced LSNs; it is taken after tx_lock and
 * never together with ctl_lock, and the flusher holds none of them while it writes or syncs.
 * ckpt_lock lets one checkpoint run at a time.
 */
#include "umem_wal.h"

#include "crc32c.h"
#include "error.h"
#include "wal_heap.h"
#include "wal_io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Pages copied under the transaction lock at a time by a checkpoint. */
#define CKPT_BATCH_PAGES 64u
/* A checkpoint in the background rests between its batches twice as long as the batch before
 * took to write back (10 ms at most), so that the log's syncs find the device idle two thirds
 * of the time: at full speed, the commits' fdatasyncs waited behind its write-back, and most
 * of the slowest ones overlapped it. Once the log has grown half a checkpoint interval past the
 * one that started it, the checkpoint no longer rests, so that the log stays within the
 * segments kept for reuse. */
#define CKPT_REST_FACTOR 2
#define CKPT_REST_MAX_NS 10000000ll
/* Ranges whose gap is at most this are logged as one (the gap's bytes are unchanged, so
 * logging them is harmless and saves a range header). */
#define MERGE_GAP_BYTES 16u
/* Bytes written at a time when a segment is filled with zeros. */
#define ZERO_CHUNK_BYTES (1u << 20)
/* Background writes (checkpoint pages, zero-filled segments) are written back a batch at a
 * time and waited for, so that the device's queue never holds more than one batch of them
 * ahead of a commit's fdatasync. */
#define WRITEBACK_WAIT (SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | \
			SYNC_FILE_RANGE_WAIT_AFTER)
/* How long the background thread waits before it retries work that failed. */
#define RETRY_SECONDS 1
/* Old segments kept to be recycled as spares (renamed, their header rewritten), which saves
 * filling new ones with zeros. */
#define RECYCLE_MAX 4u
/* Lazy frames queued past this many bytes are written (not synced) by the lazy commit itself,
 * after its locks are released, instead of waiting for the next ordinary commit's write. */
#define LAZY_QUEUED_BYTES_MAX (4ull << 20)
/* Queue entries kept for reuse, with their frame buffers unless larger than the second. */
#define PENDING_KEEP_MAX     4u
#define PENDING_KEEP_BYTES   (16ull << 20)
/* Default tuning: a segment is an eighth of the heap and a checkpoint comes every half heap
 * of log, within these bounds. */
#define SEGMENT_BYTES_AUTO_MIN    (1ull << 20)
#define CHECKPOINT_BYTES_AUTO_MIN (4ull << 20)

#define NO_UNDO UINT64_MAX
/* How many of the latest ranges an added range is compared with. */
#define RECENT_RANGES 8u
/* Slots of the table of ranges added, by their offset, that catches a range added again later
 * in the transaction: 1 << SEEN_BITS. */
#define SEEN_BITS  9u
#define SEEN_SLOTS (1u << SEEN_BITS)
/* Below this many ranges, insertion sort. */
#define SORT_SMALL 16u

void (*wal_test_hook)(enum wal_hook_point point);

static void hook(enum wal_hook_point point)
{
	if (wal_test_hook != NULL)
		wal_test_hook(point);
}

struct buf {
	uint8_t *p;
	size_t   len;
	size_t   cap;
};

/* One range added to the transaction, in the order added. */
struct txr {
	uint64_t off;
	uint64_t len;
	uint64_t undo_pos; /* where its before-image is in the undo buffer; NO_UNDO for a new
			    * allocation, which needs none */
};

/* A range the running transaction added, remembered by its offset; valid while tx is the
 * transaction's number. */
struct seen {
	uint64_t off;
	uint64_t len;
	uint64_t tx;
};

struct seg {
	uint64_t seq;
	uint64_t first_lsn;
};

/* In the log's queue: a frame ordered but not yet written, or the start of the segment the
 * frames after it go to. */
struct pending {
	struct pending *next;
	bool        segment;
	uint64_t    lsn;           /* the frame's LSN, or the segment's first LSN */
	struct buf  buf;           /* a frame: its bytes (len: its length) */
	int         fd;            /* a segment: its file, whose active header is not written yet */
	uint64_t    seq;           /* a segment: its number, capacity and chain value at lsn */
	uint64_t    capacity;
	uint32_t    prev_chain;
};

struct umem_wal {
	struct umem  um;
	char        *path;          /* the image */
	char        *dir;           /* its directory */
	int          image_fd;      /* holds the pool's flock */
	uint8_t      uuid[16];
	uint64_t     heap_bytes;
	uint64_t     segment_bytes;
	uint64_t     checkpoint_bytes;

	/* The running transaction (tx_lock). */
	pthread_mutex_t tx_lock;
	bool         in_tx;
	uint32_t     tx_flags;
	struct buf   undo;
	struct txr  *txr;
	size_t       n_txr, cap_txr;
	struct txr  *merged;        /* the redo ranges of a commit, sorted and merged */
	size_t       cap_merged;
	uint64_t     tx_seq;        /* the running transaction's number, from 1 */
	struct seen  seen[SEEN_SLOTS];
	bool         heap_changed;  /* the transaction allocated or freed: seal the heap header */
	uint64_t    *frees;         /* offsets freed by the transaction, released at commit */
	size_t       n_frees, cap_frees;
	struct pending *ready;      /* the entry the next commit builds its frame in, or NULL */
	/* The log could not be written or synced: whether it holds the frames in question is
	 * unknown until the pool is opened again, so no change is accepted before then. Set
	 * once, under log_lock, failure first (read with an acquire load of failed). */
	bool         failed;
	char         failure[512];

	/* The log's end and the segment being filled (tx_lock; ctl_lock too for seg_seq). */
	uint64_t     end_lsn;
	uint32_t     chain;
	uint64_t     seg_seq;
	uint64_t     seg_first_lsn;
	uint64_t     seg_capacity;
	uint64_t     commits;

	/* The log's queue and how far it is written and durable (log_lock). */
	pthread_mutex_t log_lock;
	pthread_cond_t  log_cond;
	struct pending *q_head, *q_tail; /* in LSN order */
	uint64_t     q_end;         /* the LSN after the last frame queued */
	uint64_t     q_bytes;       /* bytes of the frames queued */
	uint64_t     written_lsn;   /* every frame below it is written */
	uint64_t     synced_lsn;    /* every frame below it is durable */
	uint64_t     sync_wanted;   /* the greatest LSN a waiter needs durable */
	bool         flushing;      /* a thread is writing or syncing the log */
	struct pending *kept;       /* entries kept for reuse */
	uint32_t     n_kept;
	uint64_t     log_syncs;     /* fdatasyncs of the log's segments since the open */
	/* The segment the flusher writes into: only the flusher touches these (the flushing flag,
	 * set and cleared under log_lock, hands them from one flusher to the next). */
	int          out_fd;
	uint64_t     out_first_lsn;

	/* Pages changed since the running (or last) checkpoint chose its LSN (tx_lock), and
	 * the pages that checkpoint still has to write (ckpt_lock). */
	uint64_t    *dirty;
	uint64_t    *ckpt;
	size_t       bitmap_words;
	uint8_t     *bounce;

	/* ctl_lock: the segments, the spare, the thread. */
	pthread_mutex_t ctl_lock;
	pthread_cond_t  ctl_cond;
	struct seg  *segs;          /* active segments, oldest first; the last is seg_seq */
	size_t       n_segs, cap_segs;
	int          spare_fd;      /* a prepared segment numbered seg_seq + 1, or -1 */
	uint64_t     spare_seq;
	uint64_t     spare_capacity;
	uint64_t     recycle[RECYCLE_MAX]; /* old segments kept to become spares */
	uint32_t     n_recycle;
	bool         want_ckpt;
	bool         stop;
	bool         thread_started;
	pthread_t    thread;

	/* Checkpoints (ckpt_lock). */
	pthread_mutex_t ckpt_lock;
	struct wal_ckpt_slot slots[2];
	bool         slot_valid[2];
	int          newest;        /* the slot of the newest checkpoint */
	uint64_t     checkpoints;
	uint64_t     ckpt_lsn;      /* the newest slot's LSN (atomic) */
	uint64_t     ckpt_rests;    /* rests of checkpoints in the background (atomic) */
	bool         ckpt_asked;    /* a checkpoint is requested or running (atomic) */

	uint64_t     replayed_frames;
	uint64_t     replayed_bytes;
};

static struct umem_wal *to_wal(struct umem *um)
{
	return (struct umem_wal *)um;
}

/* ------------------------------------------------------------------------------------------
 * Small helpers
 *
 * Every size computed for a buffer is checked for overflow: a transaction's ranges and bytes
 * are bounded by the pool and by VOS_TX_BYTES_MAX, but a size that wrapped would make a
 * buffer too small for what is then copied into it.
 */

static int too_large(const char *what)
{
	return vos_fail(VOS_ERR_TOOBIG, "%s would need more bytes than this machine can address",
			what);
}

/* The capacity, doubled from cap (or a start of first), that holds need: false if it would
 * overflow. */
static bool grown(size_t cap, size_t first, size_t need, size_t *out)
{
	size_t n = cap == 0 ? first : cap;

	while (n < need) {
		if (__builtin_mul_overflow(n, (size_t)2, &n))
			return false;
	}
	*out = n;
	return true;
}

static int buf_reserve(struct buf *b, size_t more)
{
	size_t need, cap;
	uint8_t *p;

	if (__builtin_add_overflow(b->len, more, &need) || !grown(b->cap, 4096, need, &cap))
		return too_large("a transaction's log record");
	if (need <= b->cap)
		return VOS_OK;
	p = realloc(b->p, cap);
	if (p == NULL)
		return vos_fail(VOS_ERR_NOMEM, "out of memory for a transaction's log of %zu bytes",
				need);
	b->p = p;
	b->cap = cap;
	return VOS_OK;
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t n, bytes;
	void *p;

	if (need <= *cap)
		return VOS_OK;
	if (!grown(*cap, 64, need, &n) || __builtin_mul_overflow(n, elem, &bytes))
		return too_large("a transaction's list of ranges");
	p = realloc(*arr, bytes);
	if (p == NULL)
		return vos_fail(VOS_ERR_NOMEM, "out of memory for a transaction of %zu ranges", need);
	*arr = p;
	*cap = n;
	return VOS_OK;
}

/* x rounded up to a multiple of a (a power of two); the caller knows x + a cannot wrap (x is
 * bounded by the pool or a segment), which align_add() below checks where it cannot. */
static uint64_t align_up(uint64_t x, uint64_t a)
{
	VOS_ASSERT(x <= UINT64_MAX - (a - 1));
	return (x + a - 1) & ~(a - 1);
}

/* *sum += align_up(x, a) + extra, false if it would overflow. */
static bool align_add(uint64_t *sum, uint64_t x, uint64_t a, uint64_t extra)
{
	uint64_t padded;

	if (__builtin_add_overflow(x, a - 1, &padded))
		return false;
	padded &= ~(a - 1);
	return !__builtin_add_overflow(padded, extra, &padded) &&
	       !__builtin_add_overflow(*sum, padded, sum);
}

static int pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = wal_io->pwrite(fd, p, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static int pread_all(int fd, void *buf, size_t len, uint64_t off, size_t *got_out)
{
	uint8_t *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, p + got, len - got, (off_t)(off + got));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	*got_out = got;
	return 0;
}

static int io_fail(const char *what, const char *path)
{
	int err = errno;

	return vos_fail(err == ENOSPC || err == EDQUOT ? VOS_ERR_NOSPACE : VOS_ERR_IO,
			"cannot %s %s: %s", what, path, strerror(err));
}

static int sync_dir(const char *dir)
{
	int fd = wal_io->open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	int rc = VOS_OK;

	if (fd < 0)
		return io_fail("open the directory", dir);
	if (wal_io->fsync(fd) != 0)
		rc = io_fail("sync the directory", dir);
	wal_io->close(fd);
	return rc;
}

static char *seg_path(const char *path, uint64_t seq)
{
	size_t len = strlen(path) + 32;
	char *p = malloc(len);

	if (p != NULL)
		snprintf(p, len, "%s.wal.%llu", path, (unsigned long long)seq);
	return p;
}

static char *tmp_path(const char *path)
{
	size_t len = strlen(path) + 16;
	char *p = malloc(len);

	if (p != NULL)
		snprintf(p, len, "%s.wal.tmp", path);
	return p;
}

/* Where a pool's image is built until it is whole. */
static char *creating_path(const char *path)
{
	size_t len = strlen(path) + 16;
	char *p = malloc(len);

	if (p != NULL)
		snprintf(p, len, "%s.creating", path);
	return p;
}

static char *dir_of(const char *path)
{
	char *copy = strdup(path);
	char *d;

	if (copy == NULL)
		return NULL;
	d = strdup(dirname(copy));
	free(copy);
	return d;
}

static void uuid_text(const uint8_t uuid[16], char out[37])
{
	static const char hex[] = "0123456789abcdef";
	int j = 0;

	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[j++] = '-';
		out[j++] = hex[uuid[i] >> 4];
		out[j++] = hex[uuid[i] & 15];
	}
	out[j] = '\0';
}

static uint32_t id_csum(const struct wal_image_id *id)
{
	return crc32c(0, id, offsetof(struct wal_image_id, csum));
}

static uint32_t slot_csum(const struct wal_ckpt_slot *s)
{
	return crc32c(0, s, offsetof(struct wal_ckpt_slot, csum));
}

static uint32_t seg_csum(const struct wal_seg_hdr *h)
{
	return crc32c(0, h, offsetof(struct wal_seg_hdr, csum));
}

/* ------------------------------------------------------------------------------------------
 * Segment files
 */

/* Writes a segment header (and nothing else) at the start of fd. */
static int write_seg_hdr(int fd, const char *path, const struct umem_wal *w, uint32_t state,
			 uint64_t seq, uint64_t first_lsn, uint64_t capacity, uint32_t prev_chain)
{
	struct wal_seg_hdr h;

	memset(&h, 0, sizeof(h));
	h.magic = WAL_SEG_MAGIC;
	h.version = WAL_SEG_VERSION;
	h.state = state;
	memcpy(h.pool_uuid, w->uuid, 16);
	h.seq = seq;
	h.first_lsn = first_lsn;
	h.capacity = capacity;
	h.prev_chain = prev_chain;
	h.csum = seg_csum(&h);
	if (pwrite_all(fd, &h, sizeof(h), 0) != 0)
		return io_fail("write the header of log segment", path);
	return VOS_OK;
}

/* Gives fd (a new file) room for a header and capacity bytes of frames; with zero_fill the
 * room is written with zeros, so later writes into it change no file-system metadata. */
static int size_segment(int fd, const char *path, uint64_t capacity, bool zero_fill,
			const bool *stop)
{
	uint64_t bytes = WAL_SEG_HDR_BYTES + capacity;
	uint8_t *zeros;
	int rc = VOS_OK;

	if (capacity > (uint64_t)INT64_MAX - WAL_SEG_HDR_BYTES)
		return too_large("a log segment");
	if (wal_io->fallocate(fd, (off_t)bytes) != 0) {
		if (errno != EOPNOTSUPP)
			return io_fail("allocate space for log segment", path);
		if (wal_io->ftruncate(fd, (off_t)bytes) != 0)
			return io_fail("size log segment", path);
	}
	if (!zero_fill)
		return VOS_OK;
	zeros = calloc(1, ZERO_CHUNK_BYTES);
	if (zeros == NULL)
		return vos_fail(VOS_ERR_NOMEM, "out of memory");
	for (uint64_t off = 0; off < bytes && rc == VOS_OK; off += ZERO_CHUNK_BYTES) {
		size_t n = bytes - off < ZERO_CHUNK_BYTES ? (size_t)(bytes - off) : ZERO_CHUNK_BYTES;

		if (stop != NULL && __atomic_load_n(stop, __ATOMIC_RELAXED)) {
			rc = vos_fail(VOS_ERR_BUSY, "the pool is closing");
			break;
		}

		if (pwrite_all(fd, zeros, n, off) != 0 ||
		    sync_file_range(fd, (off_t)off, (off_t)n, WRITEBACK_WAIT) != 0)
			rc = io_fail("fill log segment", path);
	}
	free(zeros);
	return rc;
}

/* Creates segment seq in the calling thread, with a header in state (active: starting at the
 * log's end; spare: holding nothing yet), durable with its name: for the first segment of a
 * pool, and for a frame that finds no spare large enough. */
static int create_segment(struct umem_wal *w, uint64_t seq, uint64_t capacity, bool zero_fill,
			  uint32_t state, int *fd_out)
{
	char *p = seg_path(w->path, seq);
	bool active = state == WAL_SEG_ACTIVE;
	int fd, rc;

	if (p == NULL)
		return vos_fail(VOS_ERR_NOMEM, "out of memory");
	fd = wal_io->open(p, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = io_fail("create log segment", p);
		free(p);
		return rc;
	}
	rc = size_segment(fd, p, capacity, zero_fill, NULL);
	if (rc == VOS_OK)
		rc = write_seg_hdr(fd, p, w, state, seq, active ? w->end_lsn : 0, capacity,
				   active ? w->chain : 0);
	if (rc == VOS_OK && wal_io->fdatasync(fd) != 0)
		rc = io_fail("sync log segment", p);
	if (rc == VOS_OK)
		rc = sync_dir(w->dir);
	if (rc != VOS_OK) {
		wal_io->close(fd);
		wal_io->unlink(p);
	} else {
		*fd_out = fd;
	}
	free(p);
	return rc;
}

static int push_seg(struct umem_wal *w, uint64_t seq, uint64_t first_lsn)
{
	int rc = grow((void **)&w->segs, &w->cap_segs, w->n_segs + 1, sizeof(*w->segs));

	if (rc != VOS_OK)
		return rc;
	w->segs[w->n_segs].seq = seq;
	w->segs[w->n_segs].first_lsn = first_lsn;
	w->n_segs++;
	return VOS_OK;
}

/* Moves the log's end to the next segment for a frame of need bytes that does not fit in the
 * one being filled: the spare, or a new file made as a spare. Fills seg, the queue entry that
 * tells the flusher to start it; the flusher writes its active header, after syncing the
 * frames of the segment before (write_batch). Under tx_lock. Nothing is written to the log here,
 * and nothing changes when it fails. */
static int rotate(struct umem_wal *w, uint64_t need, struct pending *seg)
{
	uint64_t seq = w->seg_seq + 1;
	uint64_t capacity;
	int fd = -1;
	int rc;

	pthread_mutex_lock(&w->ctl_lock);
	rc = push_seg(w, seq, w->end_lsn);
	if (rc != VOS_OK)
		goto out;
	if (w->spare_fd >= 0 && w->spare_capacity >= need) {
		VOS_ASSERT(w->spare_seq == seq);
		fd = w->spare_fd;
		capacity = w->spare_capacity;
		w->spare_fd = -1;
	} else {
		if (w->spare_fd >= 0) {
			/* Too small for this frame: make way for one that fits. */
			char *p = seg_path(w->path, w->spare_seq);

			wal_io->close(w->spare_fd);
			w->spare_fd = -1;
			if (p != NULL)
				wal_io->unlink(p);
			free(p);
		}
		capacity = 0;
		if (!align_add(&capacity, need > w->segment_bytes ? need : w->segment_bytes,
			       WAL_PAGE_BYTES, 0)) {
			rc = too_large("a log segment for one transaction");
			w->n_segs--;
			goto out;
		}
		rc = create_segment(w, seq, capacity, false, WAL_SEG_SPARE, &fd);
		if (rc != VOS_OK) {
			w->n_segs--;
			goto out;
		}
	}
	seg->segment = true;
	seg->lsn = w->end_lsn;
	seg->fd = fd;
	seg->seq = seq;
	seg->capacity = capacity;
	seg->prev_chain = w->chain;
	w->seg_seq = seq;
	w->seg_first_lsn = w->end_lsn;
	w->seg_capacity = capacity;
	pthread_cond_signal(&w->ctl_cond); /* prepare the next spare */
out:
	pthread_mutex_unlock(&w->ctl_lock);
	return rc;
}

/* An entry kept for reuse (with its buffer), made a blank frame; NULL if none is kept. Under
 * log_lock. */
static struct pending *pending_reuse(struct umem_wal *w)
{
	struct pending *e = w->kept;

	if (e == NULL)
		return NULL;
	w->kept = e->next;
	w->n_kept--;
	e->next = NULL;
	e->segment = false;
	e->fd = -1;
	e->buf.len = 0;
	return e;
}

/* A blank queue entry: one kept for reuse, or a new one; NULL when out of memory. */
static struct pending *pending_take(struct umem_wal *w)
{
	struct pending *e;

	pthread_mutex_lock(&w->log_lock);
	e = pending_reuse(w);
	pthread_mutex_unlock(&w->log_lock);
	if (e == NULL) {
		e = calloc(1, sizeof(*e));
		if (e != NULL)
			e->fd = -1;
	}
	return e;
}

/* Keeps an entry for reuse, or frees it. Under log_lock. */
static void pending_put(struct umem_wal *w, struct pending *e)
{
	if (e->fd >= 0) /* a segment the flusher never started */
		wal_io->close(e->fd);
	e->fd = -1;
	if (w->n_kept >= PENDING_KEEP_MAX || e->buf.cap > PENDING_KEEP_BYTES) {
		free(e->buf.p);
		free(e);
		return;
	}
	e->next = w->kept;
	w->kept = e;
	w->n_kept++;
}

/* Appends an entry to the queue. Under tx_lock (which orders the frames) and log_lock. */
static void enqueue(struct umem_wal *w, struct pending *e)
{
	e->next = NULL;
	if (w->q_tail != NULL)
		w->q_tail->next = e;
	else
		w->q_head = e;
	w->q_tail = e;
	if (!e->segment) {
		w->q_end = e->lsn + e->buf.len;
		w->q_bytes += e->buf.len;
	}
}

/* The log could not be written or synced (or a segment made): the pool takes no more
 * changes. The first failure's words are kept, with this thread's message. Under log_lock. */
static void fail_log(struct umem_wal *w, const char *what)
{
	if (__atomic_load_n(&w->failed, __ATOMIC_RELAXED))
		return;
	snprintf(w->failure, sizeof(w->failure), "the pool %s stopped accepting changes after its "
		 "log could not be %s (%s); close it and open it again to recover", w->path, what,
		 vos_message());
	__atomic_store_n(&w->failed, true, __ATOMIC_RELEASE);
}

static int failed_error(struct umem_wal *w)
{
	return vos_fail(VOS_ERR_IO, "%s", w->failure);
}

/* Writes the entries of a batch taken from the queue, in order, into the log. At the start of
 * a segment, the segment before is synced first (*durable_out: the LSN durable so, or left as
 * it was), and only then is the new segment's active header written: recovery reads the
 * segments in order, so a frame durable in the next segment behind one lost in this one
 * would read as a gap in the log (CORRUPT), not as its torn tail. The new header becomes
 * durable with the first sync after it. Only the flusher, with no lock held. */
static int write_batch(struct umem_wal *w, struct pending *batch, uint64_t written,
		       uint64_t *durable_out)
{
	for (struct pending *e = batch; e != NULL; e = e->next) {
		if (e->segment) {
			char *p;
			int rc;

			if (*durable_out < written) {
				if (wal_io->fdatasync(w->out_fd) != 0)
					return io_fail("sync a log segment of", w->path);
				__atomic_fetch_add(&w->log_syncs, 1, __ATOMIC_RELAXED);
				*durable_out = written;
			}
			p = seg_path(w->path, e->seq);
			rc = p == NULL ? vos_fail(VOS_ERR_NOMEM, "out of memory")
				       : write_seg_hdr(e->fd, p, w, WAL_SEG_ACTIVE, e->seq, e->lsn,
						       e->capacity, e->prev_chain);
			free(p);
			if (rc != VOS_OK)
				return rc;
			wal_io->close(w->out_fd);
			w->out_fd = e->fd;
			w->out_first_lsn = e->lsn;
			e->fd = -1;
			continue;
		}
		VOS_ASSERT(e->lsn == written && e->lsn >= w->out_first_lsn);
		if (pwrite_all(w->out_fd, e->buf.p, e->buf.len,
			       WAL_SEG_HDR_BYTES + (e->lsn - w->out_first_lsn)) != 0)
			return io_fail("write a log segment of", w->path);
		written += e->buf.len;
	}
	return VOS_OK;
}

/* Returns once every frame below lsn is written, and with durable also synced; VOS_ERR_IO if
 * the log failed first. The first thread that needs more than is done while nobody writes the
 * log becomes the flusher: it takes the whole queue, writes it in order and, if any waiter
 * needs durability, syncs; a waiter whose frame was queued before that sync started returns
 * with it (group commit), one whose frame came later takes the next turn. Never called with
 * tx_lock held. */
static int log_wait(struct umem_wal *w, uint64_t lsn, bool durable)
{
	int rc = VOS_OK;

	pthread_mutex_lock(&w->log_lock);
	if (durable && w->sync_wanted < lsn)
		w->sync_wanted = lsn;
	for (;;) {
		struct pending *batch;
		uint64_t start, end, synced;
		bool sync = false;

		if ((durable ? w->synced_lsn : w->written_lsn) >= lsn)
			break;
		if (__atomic_load_n(&w->failed, __ATOMIC_ACQUIRE)) {
			rc = failed_error(w);
			break;
		}
		if (w->flushing) {
			pthread_cond_wait(&w->log_cond, &w->log_lock);
			continue;
		}
		w->flushing = true;
		batch = w->q_head;
		w->q_head = w->q_tail = NULL;
		w->q_bytes = 0;
		start = w->written_lsn;
		end = w->q_end;
		synced = w->synced_lsn;
		pthread_mutex_unlock(&w->log_lock);
		rc = write_batch(w, batch, start, &synced);
		pthread_mutex_lock(&w->log_lock);
		if (synced > w->synced_lsn)
			w->synced_lsn = synced;
		if (rc == VOS_OK) {
			w->written_lsn = end;
			sync = w->sync_wanted > w->synced_lsn;
		}
		if (sync) {
			/* Frames queued meanwhile are not written yet: this sync covers up to
			 * end, and their waiters take the next turn. */
			pthread_mutex_unlock(&w->log_lock);
			if (wal_io->fdatasync(w->out_fd) != 0)
				rc = io_fail("sync a log segment of", w->path);
			pthread_mutex_lock(&w->log_lock);
			if (rc == VOS_OK) {
				w->synced_lsn = end;
				__atomic_fetch_add(&w->log_syncs, 1, __ATOMIC_RELAXED);
			}
		}
		if (rc != VOS_OK)
			fail_log(w, sync ? "synced" : "written");
		while (batch != NULL) {
			struct pending *next = batch->next;

			pending_put(w, batch);
			batch = next;
		}
		w->flushing = false;
		pthread_cond_broadcast(&w->log_cond);
		if (rc != VOS_OK) {
			rc = failed_error(w);
			break;
		}
	}
	pthread_mutex_unlock(&w->log_lock);
	return rc;
}

/* ------------------------------------------------------------------------------------------
 * Transactions
 */

static int wal_tx_begin(struct umem *um, uint32_t flags)
{
	struct umem_wal *w = to_wal(um);

	pthread_mutex_lock(&w->tx_lock);
	VOS_ASSERT(!w->in_tx);
	if (__atomic_load_n(&w->failed, __ATOMIC_ACQUIRE)) {
		int rc = failed_error(w);

		pthread_mutex_unlock(&w->tx_lock);
		return rc;
	}
	w->in_tx = true;
	w->tx_seq++;
	w->tx_flags = flags;
	w->undo.len = 0;
	w->n_txr = 0;
	w->n_frees = 0;
	w->heap_changed = false;
	return VOS_OK;
}

static struct seen *seen_slot(struct umem_wal *w, uint64_t off)
{
	/* Fibonacci hashing: the top bits of the product. */
	return &w->seen[(off * 0x9e3779b97f4a7c15ull) >> (64 - SEEN_BITS)];
}

static int record(struct umem_wal *w, uint64_t off, uint64_t len, bool undo)
{
	struct seen *s = seen_slot(w, off);
	struct txr *t;
	int rc;

	/* A range inside one added before (a counter, a list head, a node being filled) needs
	 * nothing more: its before-image is saved already, or it lies in a block this
	 * transaction allocated, whose bytes need none. The latest few ranges catch a node being
	 * filled; the table catches the allocator's counters, list heads and bitmaps, which every
	 * allocation adds again (in a batch of log entries they were nine in ten of the ranges,
	 * and sorting them a tenth of the replicas' CPU). */
	if (s->tx == w->tx_seq && off >= s->off && off + len <= s->off + s->len)
		return VOS_OK;
	for (size_t i = w->n_txr, k = 0; i > 0 && k < RECENT_RANGES; i--, k++)
		if (off >= w->txr[i - 1].off && off + len <= w->txr[i - 1].off + w->txr[i - 1].len)
			return VOS_OK;
	rc = grow((void **)&w->txr, &w->cap_txr, w->n_txr + 1, sizeof(*w->txr));
	if (rc != VOS_OK)
		return rc;
	t = &w->txr[w->n_txr];
	t->off = off;
	t->len = len;
	t->undo_pos = NO_UNDO;
	if (undo) {
		uint64_t padded = 0;

		if (!align_add(&padded, len, 8, 0))
			return too_large("a transaction's undo record");
		rc = buf_reserve(&w->undo, padded);
		if (rc != VOS_OK)
			return rc;
		t->undo_pos = w->undo.len;
		memcpy(w->undo.p + w->undo.len, w->um.base + off, len);
		w->undo.len += padded;
	}
	w->n_txr++;
	*s = (struct seen){ .off = off, .len = len, .tx = w->tx_seq };
	return VOS_OK;
}

static int wal_tx_add(struct umem *um, const void *ptr, size_t len)
{
	struct umem_wal *w = to_wal(um);
	uint64_t off = (uint64_t)((const char *)ptr - um->base);

	VOS_ASSERT(w->in_tx);
	if ((const char *)ptr < um->base || off >= um->size || len > um->size - off)
		return vos_fail(VOS_ERR_INVAL, "a range of %zu bytes at %p lies outside the pool",
				len, ptr);
	if (len == 0)
		return VOS_OK;
	return record(w, off, len, true);
}

/* Copies every before-image back, the latest added first, so the earliest wins. */
static void undo_all(struct umem_wal *w)
{
	for (size_t i = w->n_txr; i > 0; i--) {
		const struct txr *t = &w->txr[i - 1];

		if (t->undo_pos != NO_UNDO)
			memcpy(w->um.base + t->off, w->undo.p + t->undo_pos, t->len);
	}
}

static void tx_end(struct umem_wal *w)
{
	w->in_tx = false;
	/* Keep the buffers, but not huge ones from a rare large transaction. */
	if (w->undo.cap > (64u << 20)) {
		free(w->undo.p);
		w->undo = (struct buf){ 0 };
	}
	pthread_mutex_unlock(&w->tx_lock);
}

static void wal_tx_abort(struct umem *um)
{
	struct umem_wal *w = to_wal(um);

	VOS_ASSERT(w->in_tx);
	undo_all(w);
	tx_end(w);
}

/* Sorts ranges by offset: a quicksort (median of three, the smaller side first so the stack
 * stays shallow) with insertion sort for short runs. A commit sorts hundreds of ranges, and
 * the library's qsort, through a comparison function and a scratch allocation, cost a
 * tenth of a 64-update transaction. */
static void sort_ranges(struct txr *a, size_t n)
{
	while (n > SORT_SMALL) {
		size_t i = 0, j = n - 1, mid = n / 2;
		struct txr t;
		uint64_t pivot;

		if (a[mid].off < a[0].off)
			t = a[mid], a[mid] = a[0], a[0] = t;
		if (a[j].off < a[0].off)
			t = a[j], a[j] = a[0], a[0] = t;
		if (a[j].off < a[mid].off)
			t = a[j], a[j] = a[mid], a[mid] = t;
		pivot = a[mid].off;
		for (;;) {
			while (a[i].off < pivot)
				i++;
			while (a[j].off > pivot)
				j--;
			if (i >= j)
				break;
			t = a[i], a[i] = a[j], a[j] = t;
			i++;
			j--;
		}
		/* [0, j] <= pivot <= [j + 1, n) */
		if (j + 1 < n - (j + 1)) {
			sort_ranges(a, j + 1);
			a += j + 1;
			n -= j + 1;
		} else {
			sort_ranges(a + j + 1, n - (j + 1));
			n = j + 1;
		}
	}
	for (size_t i = 1; i < n; i++) {
		struct txr t = a[i];
		size_t j = i;

		for (; j > 0 && a[j - 1].off > t.off; j--)
			a[j] = a[j - 1];
		a[j] = t;
	}
}

/* The transaction's ranges, sorted and merged, into w->merged; returns how many. */
static size_t merge_ranges(struct umem_wal *w)
{
	size_t n = 0;

	memcpy(w->merged, w->txr, w->n_txr * sizeof(*w->txr));
	sort_ranges(w->merged, w->n_txr);
	for (size_t i = 0; i < w->n_txr; i++) {
		struct txr *t = &w->merged[i];

		VOS_ASSERT(i == 0 || w->merged[i - 1].off <= t->off);
		if (n > 0) {
			struct txr *last = &w->merged[n - 1];
			uint64_t last_end = last->off + last->len;

			if (t->off <= last_end + MERGE_GAP_BYTES) {
				if (t->off + t->len > last_end)
					last->len = t->off + t->len - last->off;
				continue;
			}
		}
		w->merged[n++] = *t;
	}
	return n;
}

/* Builds the frame of the merged ranges in b (b->len: its length). */
static int build_frame(struct umem_wal *w, struct buf *b, size_t n)
{
	uint64_t bytes = WAL_FRAME_HDR_BYTES;
	struct wal_frame *f;
	uint8_t *p;
	int rc;

	for (size_t i = 0; i < n; i++)
		if (!align_add(&bytes, w->merged[i].len, 8, WAL_RANGE_HDR_BYTES))
			return too_large("a transaction's log record");
	b->len = 0;
	rc = buf_reserve(b, bytes);
	if (rc != VOS_OK)
		return rc;
	f = (struct wal_frame *)b->p;
	f->magic = WAL_FRAME_MAGIC;
	f->csum = 0;
	f->lsn = w->end_lsn;
	f->frame_bytes = bytes;
	f->n_ranges = (uint32_t)n;
	f->flags = 0;
	p = b->p + WAL_FRAME_HDR_BYTES;
	for (size_t i = 0; i < n; i++) {
		struct wal_range r = { .off = w->merged[i].off, .len = w->merged[i].len };
		uint64_t padded = align_up(r.len, 8);

		memcpy(p, &r, sizeof(r));
		p += sizeof(r);
		memcpy(p, w->um.base + r.off, r.len);
		memset(p + r.len, 0, padded - r.len);
		p += padded;
	}
	VOS_ASSERT((uint64_t)(p - b->p) == bytes);
	f->csum = crc32c(w->chain, b->p + 8, bytes - 8);
	b->len = bytes;
	return VOS_OK;
}

static void mark_dirty(uint64_t *bitmap, uint64_t off, uint64_t len)
{
	uint64_t first = off / WAL_PAGE_BYTES, last = (off + len - 1) / WAL_PAGE_BYTES;

	for (uint64_t pg = first; pg <= last; pg++)
		bitmap[pg / 64] |= 1ull << (pg % 64);
}

static void maybe_ask_checkpoint(struct umem_wal *w)
{
	uint64_t ckpt_lsn = __atomic_load_n(&w->ckpt_lsn, __ATOMIC_ACQUIRE);

	if (w->end_lsn - ckpt_lsn < w->checkpoint_bytes ||
	    __atomic_load_n(&w->ckpt_asked, __ATOMIC_ACQUIRE))
		return;
	__atomic_store_n(&w->ckpt_asked, true, __ATOMIC_RELEASE);
	pthread_mutex_lock(&w->ctl_lock);
	w->want_ckpt = true;
	pthread_cond_signal(&w->ctl_cond);
	pthread_mutex_unlock(&w->ctl_lock);
}

static int wal_tx_commit(struct umem *um, struct umem_wait *wait_out)
{
	struct umem_wal *w = to_wal(um);
	struct pending *frame = NULL, *seg = NULL;
	bool lazy = (w->tx_flags & UMEM_TX_LAZY) != 0;
	bool over = false;
	size_t n;
	int rc = VOS_OK;

	VOS_ASSERT(w->in_tx);
	/* Frees take effect now; the allocator's changes join the transaction's ranges. */
	for (size_t i = 0; i < w->n_frees && rc == VOS_OK; i++)
		rc = wal_heap_release(um, w->frees[i]);
	if (rc == VOS_OK && w->heap_changed)
		rc = wal_heap_seal(um);
	if (rc == VOS_OK)
		rc = grow((void **)&w->merged, &w->cap_merged, w->n_txr, sizeof(*w->merged));
	if (rc != VOS_OK) {
		undo_all(w);
		tx_end(w);
		return rc;
	}
	if (w->n_txr == 0) { /* nothing changed */
		tx_end(w);
		return VOS_OK;
	}
	n = merge_ranges(w);
	frame = w->ready != NULL ? w->ready : pending_take(w);
	w->ready = NULL;
	rc = frame == NULL ? vos_fail(VOS_ERR_NOMEM, "out of memory for a log record")
			   : build_frame(w, &frame->buf, n);
	if (rc == VOS_OK && frame->buf.len > w->seg_capacity - (w->end_lsn - w->seg_first_lsn)) {
		seg = pending_take(w);
		rc = seg == NULL ? vos_fail(VOS_ERR_NOMEM, "out of memory")
				 : rotate(w, frame->buf.len, seg);
	}
	if (rc != VOS_OK) {
		/* Nothing was queued. A segment that could not be made is treated as a failed
		 * write of the log, as the write it was for would have been. */
		pthread_mutex_lock(&w->log_lock);
		if (rc == VOS_ERR_IO)
			fail_log(w, "written");
		if (seg != NULL)
			pending_put(w, seg);
		pthread_mutex_unlock(&w->log_lock);
		w->ready = frame;
		undo_all(w);
		tx_end(w);
		return rc;
	}
	frame->lsn = w->end_lsn;
	w->end_lsn += frame->buf.len;
	w->chain = ((const struct wal_frame *)frame->buf.p)->csum;
	w->commits++;
	pthread_mutex_lock(&w->log_lock);
	if (seg != NULL)
		enqueue(w, seg);
	enqueue(w, frame);
	over = w->q_bytes > LAZY_QUEUED_BYTES_MAX;
	w->ready = pending_reuse(w);
	pthread_mutex_unlock(&w->log_lock);
	/* A lazy frame waits in the queue for the next ordinary commit's write (or a
	 * checkpoint's), unless the queue has grown large. */
	if (!lazy || over)
		*wait_out = (struct umem_wait){ .lsn = w->end_lsn, .durable = !lazy };
	for (size_t i = 0; i < n; i++)
		mark_dirty(w->dirty, w->merged[i].off, w->merged[i].len);
	maybe_ask_checkpoint(w);
	tx_end(w);
	return VOS_OK;
}

static int wal_tx_wait(struct umem *um, const struct umem_wait *wait)
{
	return log_wait(to_wal(um), wait->lsn, wait->durable);
}

static int wal_alloc(struct umem *um, size_t len, uint32_t flags, umem_off_t *off_out)
{
	struct umem_wal *w = to_wal(um);
	uint64_t usable;
	umem_off_t off;
	int rc;

	VOS_ASSERT(w->in_tx && len > 0);
	rc = wal_heap_alloc(um, len, (w->tx_flags & UMEM_TX_MAINTENANCE) != 0, &off, &usable);
	if (rc != VOS_OK)
		return rc;
	w->heap_changed = true;
	rc = record(w, off, usable, false);
	if (rc != VOS_OK)
		return rc;
	if (flags & UMEM_ALLOC_ZERO)
		memset(um->base + off, 0, usable);
	*off_out = off;
	return VOS_OK;
}

static int wal_free(struct umem *um, umem_off_t off)
{
	struct umem_wal *w = to_wal(um);
	int rc;

	VOS_ASSERT(w->in_tx);
	rc = grow((void **)&w->frees, &w->cap_frees, w->n_frees + 1, sizeof(*w->frees));
	if (rc != VOS_OK)
		return rc;
	rc = wal_heap_free(um, off);
	if (rc != VOS_OK)
		return rc;
	w->heap_changed = true;
	w->frees[w->n_frees++] = off;
	return VOS_OK;
}

static size_t wal_usable_size(struct umem *um, umem_off_t off)
{
	return (size_t)wal_heap_usable(um, off);
}

static void wal_space(struct umem *um, uint64_t *total_out, uint64_t *free_out)
{
	wal_heap_space(um, total_out, free_out);
}

static int wal_scrub(struct umem *um, struct umem_scrub *s, uint64_t budget_bytes,
		     umem_problem_fn problem, void *arg)
{
	return wal_heap_scrub(um, s, budget_bytes, problem, arg);
}

static void wal_close(struct umem *um);

static const struct umem_ops wal_ops = {
	.tx_begin    = wal_tx_begin,
	.tx_commit   = wal_tx_commit,
	.tx_wait     = wal_tx_wait,
	.tx_abort    = wal_tx_abort,
	.tx_add      = wal_tx_add,
	.alloc       = wal_alloc,
	.free        = wal_free,
	.usable_size = wal_usable_size,
	.space       = wal_space,
	.scrub       = wal_scrub,
	.close       = wal_close,
};

/* ------------------------------------------------------------------------------------------
 * Checkpoints
 */

static int write_slot(struct umem_wal *w, int i, uint64_t seq, uint64_t lsn, uint32_t chain)
{
	struct wal_ckpt_slot s;

	memset(&s, 0, sizeof(s));
	s.magic = WAL_SLOT_MAGIC;
	s.seq = seq;
	s.lsn = lsn;
	memcpy(s.pool_uuid, w->uuid, 16);
	s.chain = chain;
	s.csum = slot_csum(&s);
	if (pwrite_all(w->image_fd, &s, sizeof(s), WAL_SLOT_OFFSET(i)) != 0)
		return io_fail("write the checkpoint header of", w->path);
	w->slots[i] = s;
	w->slot_valid[i] = true;
	return VOS_OK;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* Before a batch, the one before it having taken took_ns and the log's end being end_lsn: rests
 * (see CKPT_REST_FACTOR), unless the pool is closing or the log runs too far ahead. */
static void pace(struct umem_wal *w, int64_t took_ns, uint64_t end_lsn)
{
	uint64_t behind = end_lsn - __atomic_load_n(&w->ckpt_lsn, __ATOMIC_ACQUIRE);
	int64_t rest_ns = CKPT_REST_FACTOR * took_ns;
	struct timespec rest;

	if (rest_ns <= 0 || __atomic_load_n(&w->stop, __ATOMIC_RELAXED) ||
	    behind >= w->checkpoint_bytes + w->checkpoint_bytes / 2)
		return;
	if (rest_ns > CKPT_REST_MAX_NS)
		rest_ns = CKPT_REST_MAX_NS;
	rest.tv_sec = 0;
	rest.tv_nsec = (long)rest_ns;
	nanosleep(&rest, NULL);
	__atomic_fetch_add(&w->ckpt_rests, 1, __ATOMIC_RELAXED);
}

/* Writes the pages marked in w->ckpt to the image, a batch at a time; paced: resting between
 * the batches (pace()). */
static int write_pages(struct umem_wal *w, bool paced)
{
	uint64_t pages[CKPT_BATCH_PAGES];
	int64_t started, took_ns = 0;
	uint64_t end = 0;
	size_t word = 0;
	uint64_t bits = 0;
	int rc;

	for (;;) {
		uint32_t n = 0;

		while (n < CKPT_BATCH_PAGES) {
			if (bits == 0) {
				while (word < w->bitmap_words && w->ckpt[word] == 0)
					word++;
				if (word >= w->bitmap_words)
					break;
				bits = w->ckpt[word++];
			}
			pages[n++] = (word - 1) * 64 + (uint64_t)__builtin_ctzll(bits);
			bits &= bits - 1;
		}
		if (n == 0)
			return VOS_OK;
		if (paced && took_ns > 0)
			pace(w, took_ns, end);
		/* The heap is consistent only between transactions, and holds every frame queued
		 * up to the log's end. The pages may hold the changes of frames committed since
		 * the checkpoint chose its LSN, up to end: those frames must be durable before the
		 * pages can reach the image (a page write may reach the disk before any sync of
		 * the image), because recovery replays frames and never takes one back. The wait
		 * is a commit's: it usually shares the sync of a commit in flight. */
		pthread_mutex_lock(&w->tx_lock);
		end = w->end_lsn;
		for (uint32_t i = 0; i < n; i++)
			memcpy(w->bounce + (size_t)i * WAL_PAGE_BYTES,
			       w->um.base + pages[i] * WAL_PAGE_BYTES, WAL_PAGE_BYTES);
		pthread_mutex_unlock(&w->tx_lock);
		rc = log_wait(w, end, true);
		if (rc != VOS_OK)
			return rc;
		started = now_ns();
		for (uint32_t i = 0; i < n;) {
			uint32_t j = i + 1;

			while (j < n && pages[j] == pages[j - 1] + 1)
				j++;
			uint64_t at = WAL_IMAGE_HDR_BYTES + pages[i] * WAL_PAGE_BYTES;
			size_t len = (size_t)(j - i) * WAL_PAGE_BYTES;

			if (pwrite_all(w->image_fd, w->bounce + (size_t)i * WAL_PAGE_BYTES, len,
				       at) != 0)
				return io_fail("write the image of", w->path);
			i = j;
		}
		if (sync_file_range(w->image_fd, (off_t)(WAL_IMAGE_HDR_BYTES +
							  pages[0] * WAL_PAGE_BYTES),
				    (off_t)((pages[n - 1] - pages[0] + 1) * WAL_PAGE_BYTES),
				    WRITEBACK_WAIT) != 0)
			return io_fail("write back the image of", w->path);
		took_ns = now_ns() - started;
		hook(WAL_HOOK_CKPT_PAGES);
	}
}

/* Removes the segments wholly below the older checkpoint slot (recovery may fall back to it
 * if the newer slot is ever found damaged), keeping a few to recycle as spares. */
static void trim_segments(struct umem_wal *w)
{
	uint64_t keep = UINT64_MAX;
	uint64_t *doomed = NULL;
	size_t n_doomed = 0, cap_doomed = 0;

	for (int i = 0; i < 2; i++)
		if (w->slot_valid[i] && w->slots[i].lsn < keep)
			keep = w->slots[i].lsn;
	pthread_mutex_lock(&w->ctl_lock);
	while (w->n_segs > 1 && w->segs[1].first_lsn <= keep) {
		uint64_t seq = w->segs[0].seq;

		memmove(w->segs, w->segs + 1, (w->n_segs - 1) * sizeof(*w->segs));
		w->n_segs--;
		if (w->n_recycle < RECYCLE_MAX) {
			w->recycle[w->n_recycle++] = seq;
			pthread_cond_signal(&w->ctl_cond);
			continue;
		}
		if (grow((void **)&doomed, &cap_doomed, n_doomed + 1, sizeof(*doomed)) == VOS_OK)
			doomed[n_doomed++] = seq;
	}
	pthread_mutex_unlock(&w->ctl_lock);
	for (size_t i = 0; i < n_doomed; i++) {
		char *p = seg_path(w->path, doomed[i]);

		if (p != NULL)
			wal_io->unlink(p);
		free(p);
	}
	free(doomed);
}

static int checkpoint(struct umem_wal *w, bool paced)
{
	uint64_t lsn;
	uint32_t chain;
	int other, rc;

	pthread_mutex_lock(&w->ckpt_lock);
	pthread_mutex_lock(&w->tx_lock);
	if (__atomic_load_n(&w->failed, __ATOMIC_ACQUIRE)) {
		rc = failed_error(w);
		pthread_mutex_unlock(&w->tx_lock);
		goto out;
	}
	lsn = w->end_lsn;
	chain = w->chain;
	for (size_t i = 0; i < w->bitmap_words; i++) {
		w->ckpt[i] |= w->dirty[i];
		w->dirty[i] = 0;
	}
	pthread_mutex_unlock(&w->tx_lock);
	if (w->slot_valid[w->newest] && w->slots[w->newest].lsn == lsn) {
		rc = VOS_OK; /* nothing was committed since the last one */
		goto out;
	}
	/* The image will hold every frame up to lsn, and the slot will send recovery there:
	 * they must all be durable in the log first (lazy ones too, and commits whose callers
	 * are still waiting for their sync). */
	rc = log_wait(w, lsn, true);
	if (rc != VOS_OK)
		goto out;
	hook(WAL_HOOK_CKPT_BEGIN);
	rc = write_pages(w, paced);
	if (rc == VOS_OK && wal_io->fdatasync(w->image_fd) != 0)
		rc = io_fail("sync the image of", w->path);
	if (rc != VOS_OK)
		goto out;
	hook(WAL_HOOK_CKPT_SYNCED);
	other = 1 - w->newest;
	rc = write_slot(w, other, w->slots[w->newest].seq + 1, lsn, chain);
	if (rc == VOS_OK && wal_io->fdatasync(w->image_fd) != 0)
		rc = io_fail("sync the checkpoint header of", w->path);
	if (rc != VOS_OK) {
		w->slot_valid[other] = false;
		goto out;
	}
	w->newest = other;
	memset(w->ckpt, 0, w->bitmap_words * sizeof(*w->ckpt));
	w->checkpoints++;
	__atomic_store_n(&w->ckpt_lsn, lsn, __ATOMIC_RELEASE);
	hook(WAL_HOOK_CKPT_SLOT);
	trim_segments(w);
	hook(WAL_HOOK_CKPT_DONE);
out:
	pthread_mutex_unlock(&w->ckpt_lock);
	return rc;
}

int umem_wal_checkpoint(struct umem *um)
{
	return checkpoint(to_wal(um), false);
}

void umem_wal_stats(struct umem *um, struct umem_wal_stats *out)
{
	struct umem_wal *w = to_wal(um);

	pthread_mutex_lock(&w->ckpt_lock);
	pthread_mutex_lock(&w->tx_lock);
	pthread_mutex_lock(&w->ctl_lock);
	out->end_lsn = w->end_lsn;
	out->checkpoint_lsn = w->slots[w->newest].lsn;
	out->checkpoints = w->checkpoints;
	out->checkpoint_rests = __atomic_load_n(&w->ckpt_rests, __ATOMIC_RELAXED);
	out->segments = w->n_segs;
	out->segment_seq = w->seg_seq;
	out->replayed_frames = w->replayed_frames;
	out->replayed_bytes = w->replayed_bytes;
	out->commits = w->commits;
	pthread_mutex_unlock(&w->ctl_lock);
	pthread_mutex_lock(&w->log_lock);
	out->written_lsn = w->written_lsn;
	out->synced_lsn = w->synced_lsn;
	out->log_syncs = __atomic_load_n(&w->log_syncs, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&w->log_lock);
	pthread_mutex_unlock(&w->tx_lock);
	pthread_mutex_unlock(&w->ckpt_lock);
}

/* ------------------------------------------------------------------------------------------
 * The background thread: spare segments and checkpoints
 */

/* Makes a spare segment numbered after the current one: an old segment renamed, or a new
 * file filled with zeros, under a temporary name until it is whole. */
static int prepare_spare(struct umem_wal *w)
{
	char *tmp = tmp_path(w->path), *final = NULL;
	uint64_t recycle, capacity = w->segment_bytes;
	struct stat st;
	int fd = -1, rc = VOS_OK;

	if (tmp == NULL)
		return vos_fail(VOS_ERR_NOMEM, "out of memory");
	pthread_mutex_lock(&w->ctl_lock);
	recycle = w->n_recycle > 0 ? w->recycle[--w->n_recycle] : 0;
	pthread_mutex_unlock(&w->ctl_lock);
	if (recycle != 0) {
		char *old = seg_path(w->path, recycle);

		if (old != NULL && wal_io->rename(old, tmp, 0) == 0) {
			fd = wal_io->open(tmp, O_RDWR | O_CLOEXEC, 0);
			if (fd >= 0 && (fstat(fd, &st) != 0 ||
					(uint64_t)st.st_size < WAL_SEG_HDR_BYTES + capacity)) {
				wal_io->close(fd);
				fd = -1;
			}
			if (fd >= 0)
				capacity = (uint64_t)st.st_size - WAL_SEG_HDR_BYTES;
		} else if (old != NULL) {
			wal_io->unlink(old);
		}
		free(old);
	}
	if (fd < 0) {
		fd = wal_io->open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0) {
			rc = io_fail("create log segment", tmp);
			goto out;
		}
		capacity = w->segment_bytes;
		rc = size_segment(fd, tmp, capacity, true, &w->stop);
	}
	pthread_mutex_lock(&w->ctl_lock);
	if (rc == VOS_OK && !w->stop && w->spare_fd < 0) {
		uint64_t seq = w->seg_seq + 1;

		final = seg_path(w->path, seq);
		if (final == NULL)
			rc = vos_fail(VOS_ERR_NOMEM, "out of memory");
		if (rc == VOS_OK)
			rc = write_seg_hdr(fd, tmp, w, WAL_SEG_SPARE, seq, 0, capacity, 0);
		if (rc == VOS_OK && wal_io->fdatasync(fd) != 0)
			rc = io_fail("sync log segment", tmp);
		if (rc == VOS_OK && wal_io->rename(tmp, final, 0) != 0)
			rc = io_fail("rename log segment", tmp);
		if (rc == VOS_OK)
			rc = sync_dir(w->dir);
		if (rc == VOS_OK) {
			w->spare_fd = fd;
			w->spare_seq = seq;
			w->spare_capacity = capacity;
			fd = -1;
		}
	}
	pthread_mutex_unlock(&w->ctl_lock);
	if (rc == VOS_OK && fd < 0)
		hook(WAL_HOOK_SPARE_READY);
out:
	if (fd >= 0) {
		wal_io->close(fd);
		wal_io->unlink(tmp);
	}
	free(tmp);
	free(final);
	return rc;
}

static void *background(void *arg)
{
	struct umem_wal *w = arg;
	struct timespec retry_at = { 0, 0 };
	bool backing_off = false;

	/* A name of its own (15 characters at most): unnamed, it would carry the name of the
	 * thread that opened the pool, and per-thread tools (top -H, perf, /proc) would count
	 * checkpoints and segment preparation as that thread's work. Best effort. */
	(void)pthread_setname_np(pthread_self(), "vos-wal-bg");
	pthread_mutex_lock(&w->ctl_lock);
	while (!w->stop) {
		int rc;

		if (backing_off) {
			if (pthread_cond_timedwait(&w->ctl_cond, &w->ctl_lock, &retry_at) == 0 &&
			    !w->stop)
				continue;
			backing_off = false;
			continue;
		}
		if (w->spare_fd < 0) {
			pthread_mutex_unlock(&w->ctl_lock);
			rc = prepare_spare(w);
			pthread_mutex_lock(&w->ctl_lock);
		} else if (w->want_ckpt) {
			w->want_ckpt = false;
			pthread_mutex_unlock(&w->ctl_lock);
			rc = checkpoint(w, true);
			__atomic_store_n(&w->ckpt_asked, false, __ATOMIC_RELEASE);
			pthread_mutex_lock(&w->ctl_lock);
		} else {
			pthread_cond_wait(&w->ctl_cond, &w->ctl_lock);
			continue;
		}
		if (rc != VOS_OK) {
			/* Retried later; meanwhile the log keeps every commit, so nothing is
			 * lost, only the log grows (and with it the next recovery). */
			clock_gettime(CLOCK_REALTIME, &retry_at);
			retry_at.tv_sec += RETRY_SECONDS;
			backing_off = true;
		}
	}
	pthread_mutex_unlock(&w->ctl_lock);
	return NULL;
}

/* ------------------------------------------------------------------------------------------
 * The handle
 */

static struct umem_wal *wal_new(const char *path)
{
	struct umem_wal *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->image_fd = -1;
	w->out_fd = -1;
	w->spare_fd = -1;
	w->path = strdup(path);
	w->dir = dir_of(path);
	pthread_mutex_init(&w->tx_lock, NULL);
	pthread_mutex_init(&w->ctl_lock, NULL);
	pthread_mutex_init(&w->ckpt_lock, NULL);
	pthread_mutex_init(&w->log_lock, NULL);
	pthread_cond_init(&w->ctl_cond, NULL);
	pthread_cond_init(&w->log_cond, NULL);
	if (w->path == NULL || w->dir == NULL) {
		free(w->path);
		free(w->dir);
		free(w);
		return NULL;
	}
	w->um.ops = &wal_ops;
	w->um.backend = UMEM_BACKEND_WAL;
	w->um.range_join_bytes = MERGE_GAP_BYTES;
	return w;
}

/* Maps DRAM for the heap (zero) and makes the DRAM structures for heap_bytes. */
static int wal_map(struct umem_wal *w)
{
	void *base = mmap(NULL, w->heap_bytes, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t pages = w->heap_bytes / WAL_PAGE_BYTES;

	if (base == MAP_FAILED)
		return vos_fail(VOS_ERR_NOMEM,
				"cannot get %llu bytes of memory for the heap of %s (the WAL backend "
				"holds the whole pool in DRAM): %s", (unsigned long long)w->heap_bytes,
				w->path, strerror(errno));
	/* Huge pages where the kernel has them (advice only: without, the heap works the same).
	 * A fresh 4 KiB page of the heap costs two faults and a TLB shootdown the first time the
	 * allocator splits a block there (the before-image read maps the zero page, the write
	 * then copies it), which was a fifth of the CPU of replicas filling new pools; 2 MiB pages
	 * take that 512 times less often, and B+-tree walks miss the TLB less. */
	(void)madvise(base, w->heap_bytes, MADV_HUGEPAGE);
	w->um.base = base;
	w->um.size = w->heap_bytes;
	w->bitmap_words = (size_t)((pages + 63) / 64);
	w->dirty = calloc(w->bitmap_words, sizeof(uint64_t));
	w->ckpt = calloc(w->bitmap_words, sizeof(uint64_t));
	w->bounce = malloc((size_t)CKPT_BATCH_PAGES * WAL_PAGE_BYTES);
	/* The heap is DRAM that only transactions change: a node verified once after the open
	 * (or its last change) need not be verified by every read (umem.h). */
	w->um.verified = calloc(((w->heap_bytes >> UMEM_VERIFIED_SHIFT) + 63) / 64, sizeof(uint64_t));
	if (w->dirty == NULL || w->ckpt == NULL || w->bounce == NULL || w->um.verified == NULL)
		return vos_fail(VOS_ERR_NOMEM, "out of memory for the pool %s", w->path);
	return VOS_OK;
}

/* Reads the image's heap into DRAM: only the extents that were ever written (the rest of the
 * file, holes or preallocated space, reads as zeros, which the fresh mapping already is). The
 * page cache's copy is clean and left to the kernel to reclaim: dropping it would make the
 * next open read the image from the device. */
static int load_image(struct umem_wal *w)
{
	uint64_t end = WAL_IMAGE_HDR_BYTES + w->heap_bytes;
	uint64_t at = WAL_IMAGE_HDR_BYTES;

	while (at < end) {
		off_t data = lseek(w->image_fd, (off_t)at, SEEK_DATA);
		off_t hole;
		size_t got = 0;

		if (data < 0 && errno == ENXIO)
			break; /* no data past at */
		if (data < 0)
			data = (off_t)at, hole = (off_t)end; /* no SEEK_DATA here: read it all */
		else
			hole = lseek(w->image_fd, data, SEEK_HOLE);
		if ((uint64_t)data >= end)
			break;
		if (hole < 0 || (uint64_t)hole > end)
			hole = (off_t)end;
		if (pread_all(w->image_fd, w->um.base + ((uint64_t)data - WAL_IMAGE_HDR_BYTES),
			      (size_t)(hole - data), (uint64_t)data, &got) != 0 ||
		    got != (size_t)(hole - data))
			return vos_fail(VOS_ERR_IO, "cannot read the image of %s: %s", w->path,
					got != (size_t)(hole - data) ? "it ends early" : strerror(errno));
		at = (uint64_t)hole;
	}
	return VOS_OK;
}

static void wal_free_handle(struct umem_wal *w)
{
	if (w->um.base != NULL)
		munmap(w->um.base, w->heap_bytes);
	/* The queue is not empty only after the log failed (close writes it, then checkpoints):
	 * its frames are dropped, as a crash would drop them. */
	while (w->q_head != NULL) {
		struct pending *e = w->q_head;

		w->q_head = e->next;
		if (e->fd >= 0)
			wal_io->close(e->fd);
		free(e->buf.p);
		free(e);
	}
	for (struct pending *e = w->kept; e != NULL;) {
		struct pending *next = e->next;

		free(e->buf.p);
		free(e);
		e = next;
	}
	if (w->ready != NULL) {
		free(w->ready->buf.p);
		free(w->ready);
	}
	if (w->out_fd >= 0)
		wal_io->close(w->out_fd);
	if (w->spare_fd >= 0)
		wal_io->close(w->spare_fd);
	if (w->image_fd >= 0)
		wal_io->close(w->image_fd);
	pthread_mutex_destroy(&w->tx_lock);
	pthread_mutex_destroy(&w->ctl_lock);
	pthread_mutex_destroy(&w->ckpt_lock);
	pthread_mutex_destroy(&w->log_lock);
	pthread_cond_destroy(&w->ctl_cond);
	pthread_cond_destroy(&w->log_cond);
	free(w->undo.p);
	free(w->txr);
	free(w->merged);
	free(w->frees);
	free(w->dirty);
	free(w->ckpt);
	free(w->bounce);
	free(w->um.verified);
	free(w->segs);
	free(w->path);
	free(w->dir);
	free(w);
}

static int start_thread(struct umem_wal *w)
{
	int err = pthread_create(&w->thread, NULL, background, w);

	if (err != 0)
		return vos_fail(VOS_ERR_NOMEM, "cannot start the checkpoint thread of %s: %s",
				w->path, strerror(err));
	w->thread_started = true;
	return VOS_OK;
}

static void wal_close(struct umem *um)
{
	struct umem_wal *w = to_wal(um);

	VOS_ASSERT(!w->in_tx);
	if (w->thread_started) {
		pthread_mutex_lock(&w->ctl_lock);
		__atomic_store_n(&w->stop, true, __ATOMIC_RELAXED);
		pthread_cond_signal(&w->ctl_cond);
		pthread_mutex_unlock(&w->ctl_lock);
		pthread_join(w->thread, NULL);
	}
	/* The checkpoint writes the frames still queued (lazy ones) and makes them durable
	 * first. If it fails the log still holds every commit that returned, and the next open
	 * replays it. */
	if (!__atomic_load_n(&w->failed, __ATOMIC_ACQUIRE))
		checkpoint(w, false);
	wal_free_handle(w);
}

/* ------------------------------------------------------------------------------------------
 * Pool files: the image
 */

static int lock_image(int fd, const char *path)
{
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return VOS_OK;
	if (errno == EWOULDBLOCK)
		return vos_fail(VOS_ERR_BUSY,
				"the pool %s is open in another process or by another handle; "
				"close it there first", path);
	return vos_fail(VOS_ERR_IO, "cannot lock %s: %s", path, strerror(errno));
}

/* Reads and checks the identity block. NOTPOOL if it is not a WAL image, CORRUPT if it is
 * damaged, LAYOUT if a newer format wrote it. */
static int read_identity(int fd, const char *path, struct wal_image_id *id)
{
	size_t got;

	if (pread_all(fd, id, sizeof(*id), 0, &got) != 0)
		return vos_fail(VOS_ERR_IO, "cannot read %s: %s", path, strerror(errno));
	if (got < sizeof(id->magic) || id->magic != WAL_IMAGE_MAGIC)
		return vos_fail(VOS_ERR_NOTPOOL,
				"%s is not a Vostok pool: it does not start with a pool header",
				path);
	if (got < sizeof(*id) || id->csum != id_csum(id))
		return vos_fail(VOS_ERR_CORRUPT,
				"the header of pool %s is damaged (checksum mismatch); restore it "
				"from a replica or a backup", path);
	if (id->version > WAL_IMAGE_VERSION)
		return vos_fail(VOS_ERR_LAYOUT,
				"%s has pool file format %u, newer than format %u that this "
				"library reads: open it with a newer libvostok-vos", path,
				id->version, WAL_IMAGE_VERSION);
	if (id->backend != UMEM_BACKEND_WAL || id->layout[WAL_LAYOUT_BYTES - 1] != '\0' ||
	    id->heap_bytes == 0 || id->heap_bytes % WAL_PAGE_BYTES != 0 ||
	    id->heap_bytes > WAL_HEAP_BYTES_MAX || id->segment_bytes < UMEM_WAL_SEGMENT_BYTES_MIN ||
	    id->segment_bytes > UMEM_WAL_SEGMENT_BYTES_MAX ||
	    id->checkpoint_bytes < id->segment_bytes)
		return vos_fail(VOS_ERR_CORRUPT,
				"the header of pool %s holds impossible values; restore it from a "
				"replica or a backup", path);
	return VOS_OK;
}

int umem_wal_layout(const char *path, char layout_out[UMEM_PMEM_LAYOUT_BYTES_MAX])
{
	struct wal_image_id id;
	struct stat st;
	int fd, rc;

	fd = wal_io->open(path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return vos_fail(errno == ENOENT ? VOS_ERR_NONEXIST : VOS_ERR_IO,
				"cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		wal_io->close(fd);
		return vos_fail(VOS_ERR_NOTPOOL, "%s is not a Vostok pool: it is not a regular file",
				path);
	}
	rc = read_identity(fd, path, &id);
	wal_io->close(fd);
	if (rc != VOS_OK)
		return rc;
	memset(layout_out, 0, UMEM_PMEM_LAYOUT_BYTES_MAX);
	memcpy(layout_out, id.layout, WAL_LAYOUT_BYTES);
	return VOS_OK;
}

/* Lists the names in the pool's directory that are its log segments (<base>.wal.<digits>);
 * calls fn for each with its number. tmp_out, if not NULL, is set when <base>.wal.tmp is
 * there. */
static int list_segments(const char *path, int (*fn)(void *ctx, uint64_t seq), void *ctx,
			 bool *tmp_out)
{
	char *copy = strdup(path), *dir = dir_of(path);
	const char *base;
	size_t base_len;
	struct dirent *e;
	DIR *d;
	int rc = VOS_OK;

	if (copy == NULL || dir == NULL) {
		free(copy);
		free(dir);
		return vos_fail(VOS_ERR_NOMEM, "out of memory");
	}
	base = basename(copy);
	base_len = strlen(base);
	d = opendir(dir);
	if (d == NULL) {
		rc = io_fail("list the directory", dir);
		goto out;
	}
	if (tmp_out != NULL)
		*tmp_out = false;
	while (rc == VOS_OK && (e = readdir(d)) != NULL) {
		const char *s = e->d_name;
		char *end;
		unsigned long long seq;

		if (strncmp(s, base, base_len) != 0 || strncmp(s + base_len, ".wal.", 5) != 0)
			continue;
		s += base_len + 5;
		if (strcmp(s, "tmp") == 0) {
			if (tmp_out != NULL)
				*tmp_out = true;
			continue;
		}
		if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] != '\0'))
			continue;
		errno = 0;
		seq = strtoull(s, &end, 10);
		if (errno != 0 || *end != '\0' || seq == 0)
			continue;
		rc = fn(ctx, seq);
	}
	closedir(d);
out:
	free(copy);
	free(dir);
	return rc;
}

static int count_one(void *ctx, uint64_t seq)
{
	(void)seq;
	(*(uint64_t *)ctx)++;
	return VOS_OK;
}

static int params_check(const struct umem_wal_params *params, uint64_t heap_bytes,
			uint64_t *segment_out, uint64_t *checkpoint_out)
{
	uint64_t seg = params != NULL ? params->segment_bytes : 0;
	uint64_t ckpt = params != NULL ? params->checkpoint_bytes : 0;

	if (seg == 0) {
		seg = heap_bytes / 8;
		if (seg < SEGMENT_BYTES_AUTO_MIN)
			seg = SEGMENT_BYTES_AUTO_MIN;
		if (seg > UMEM_WAL_SEGMENT_BYTES_DEFAULT)
			seg = UMEM_WAL_SEGMENT_BYTES_DEFAULT;
		seg = align_up(seg, WAL_PAGE_BYTES);
	} else if (seg < UMEM_WAL_SEGMENT_BYTES_MIN || seg > UMEM_WAL_SEGMENT_BYTES_MAX ||
		   seg % WAL_PAGE_BYTES != 0) {
		return vos_fail(VOS_ERR_INVAL,
				"a log segment of %llu bytes is not allowed: use a multiple of %u "
				"from %llu to %llu bytes, or 0 for the default",
				(unsigned long long)seg, WAL_PAGE_BYTES,
				(unsigned long long)UMEM_WAL_SEGMENT_BYTES_MIN,
				(unsigned long long)UMEM_WAL_SEGMENT_BYTES_MAX);
	}
	if (ckpt == 0) {
		ckpt = heap_bytes / 2;
		if (ckpt < CHECKPOINT_BYTES_AUTO_MIN)
			ckpt = CHECKPOINT_BYTES_AUTO_MIN;
		if (ckpt > UMEM_WAL_CHECKPOINT_BYTES_DEFAULT)
			ckpt = UMEM_WAL_CHECKPOINT_BYTES_DEFAULT;
		if (ckpt < 2 * seg)
			ckpt = 2 * seg;
	} else if (ckpt < 2 * seg) {
		return vos_fail(VOS_ERR_INVAL,
				"a checkpoint every %llu bytes of log is too often for segments of "
				"%llu bytes: use at least twice the segment size, or 0 for the "
				"default", (unsigned long long)ckpt, (unsigned long long)seg);
	}
	*segment_out = seg;
	*checkpoint_out = ckpt;
	return VOS_OK;
}

static int parent_dir_exists(const char *path, const char *dir)
{
	struct stat st;

	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return vos_fail(VOS_ERR_NONEXIST, "cannot create %s: its directory does not exist",
				path);
	return VOS_OK;
}

/* Writes the pages of the freshly formatted heap that are not zero (the header, the root
 * and the first block's header at the start; the sentinel at the end). */
static int write_formatted(struct umem_wal *w)
{
	const struct wal_heap_hdr *h = (const struct wal_heap_hdr *)w->um.base;
	uint64_t head = align_up(h->first_blk + WAL_HEAP_BLK_MIN, WAL_PAGE_BYTES);
	uint64_t tail = w->heap_bytes - WAL_PAGE_BYTES;

	if (head > tail)
		head = w->heap_bytes;
	if (pwrite_all(w->image_fd, w->um.base, head, WAL_IMAGE_HDR_BYTES) != 0)
		return io_fail("write the image of", w->path);
	if (head <= tail &&
	    pwrite_all(w->image_fd, w->um.base + tail, WAL_PAGE_BYTES,
		       WAL_IMAGE_HDR_BYTES + tail) != 0)
		return io_fail("write the image of", w->path);
	return VOS_OK;
}

int umem_wal_create(const char *path, const char *layout, uint64_t size_bytes,
		    uint64_t root_size, const struct umem_wal_params *params,
		    umem_root_init_fn init_root, struct umem **um_out)
{
	struct wal_image_id id;
	struct umem_wal *w;
	uint64_t leftovers = 0;
	bool tmp = false;
	char *creating;
	int rc;

	if (strlen(layout) >= WAL_LAYOUT_BYTES)
		return vos_fail(VOS_ERR_INVAL, "the layout name \"%s\" is longer than %u bytes",
				layout, WAL_LAYOUT_BYTES - 1);
	if (size_bytes < WAL_IMAGE_HDR_BYTES + 16 * WAL_PAGE_BYTES)
		return vos_fail(VOS_ERR_INVAL, "a pool of %llu bytes is too small",
				(unsigned long long)size_bytes);
	w = wal_new(path);
	creating = creating_path(path);
	if (w == NULL || creating == NULL) {
		if (w != NULL)
			wal_free_handle(w);
		free(creating);
		return vos_fail(VOS_ERR_NOMEM, "out of memory");
	}
	w->heap_bytes = (size_bytes - WAL_IMAGE_HDR_BYTES) & ~(uint64_t)(WAL_PAGE_BYTES - 1);
	rc = params_check(params, w->heap_bytes, &w->segment_bytes, &w->checkpoint_bytes);
	if (rc == VOS_OK)
		rc = parent_dir_exists(path, w->dir);
	if (rc == VOS_OK)
		rc = list_segments(path, count_one, &leftovers, &tmp);
	if (rc == VOS_OK && (leftovers > 0 || tmp))
		rc = vos_fail(VOS_ERR_EXIST,
			      "log segments of an earlier pool are left at %s.wal.*: remove them "
			      "(they are of no use without their pool file) or choose another path",
			      path);
	if (rc != VOS_OK) {
		wal_free_handle(w);
		free(creating);
		return rc;
	}
	/* The image is built under another name and renamed into place when it is whole and
	 * durable, so a crash during creation leaves no pool at path, never half of one. */
	w->image_fd = wal_io->open(creating, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (w->image_fd < 0) {
		rc = errno == EEXIST
			     ? vos_fail(VOS_ERR_EXIST,
					"%s is left by a creation of a pool at %s that did not finish: "
					"remove it (and %s.wal.*), or choose another path", creating,
					path, path)
			     : io_fail("create the pool", creating);
		wal_free_handle(w);
		free(creating);
		return rc;
	}
	rc = lock_image(w->image_fd, path);
	if (rc == VOS_OK &&
	    wal_io->fallocate(w->image_fd, (off_t)(WAL_IMAGE_HDR_BYTES + w->heap_bytes)) != 0) {
		if (errno != EOPNOTSUPP)
			rc = io_fail("allocate the space of the pool", path);
		else if (wal_io->ftruncate(w->image_fd, (off_t)(WAL_IMAGE_HDR_BYTES + w->heap_bytes)) != 0)
			rc = io_fail("size the pool", path);
	}
	if (rc == VOS_OK && getrandom(w->uuid, sizeof(w->uuid), 0) != sizeof(w->uuid))
		rc = vos_fail(VOS_ERR_IO, "cannot get random bytes for the pool's UUID: %s",
			      strerror(errno));
	if (rc == VOS_OK)
		rc = wal_map(w);
	if (rc == VOS_OK)
		rc = wal_heap_format(w->um.base, w->heap_bytes, root_size);
	if (rc == VOS_OK) {
		w->um.root = ((const struct wal_heap_hdr *)w->um.base)->root_off;
		w->um.root_size = root_size;
		if (init_root != NULL)
			init_root(umem_ptr(&w->um, w->um.root), w->um.root);
		rc = write_formatted(w);
	}
	/* The first segment, then the checkpoint slot that points into it, then the identity
	 * that makes the file a pool. */
	if (rc == VOS_OK)
		rc = create_segment(w, 1, w->segment_bytes, true, WAL_SEG_ACTIVE, &w->out_fd);
	if (rc == VOS_OK) {
		w->seg_seq = 1;
		w->seg_first_lsn = 0;
		w->seg_capacity = w->segment_bytes;
		rc = push_seg(w, 1, 0);
	}
	if (rc == VOS_OK)
		rc = write_slot(w, 0, 1, 0, 0);
	if (rc == VOS_OK) {
		memset(&id, 0, sizeof(id));
		id.magic = WAL_IMAGE_MAGIC;
		id.version = WAL_IMAGE_VERSION;
		id.backend = UMEM_BACKEND_WAL;
		snprintf(id.layout, sizeof(id.layout), "%s", layout);
		memcpy(id.pool_uuid, w->uuid, 16);
		id.heap_bytes = w->heap_bytes;
		id.root_bytes = root_size;
		id.segment_bytes = w->segment_bytes;
		id.checkpoint_bytes = w->checkpoint_bytes;
		id.created_sec = (uint64_t)time(NULL);
		id.csum = id_csum(&id);
		if (wal_io->fdatasync(w->image_fd) != 0 ||
		    pwrite_all(w->image_fd, &id, sizeof(id), 0) != 0 ||
		    wal_io->fdatasync(w->image_fd) != 0)
			rc = io_fail("write the header of", creating);
	}
	if (rc == VOS_OK && wal_io->rename(creating, path, RENAME_NOREPLACE) != 0)
		rc = errno == EEXIST ? vos_fail(VOS_ERR_EXIST, "%s was created by someone else while "
						"this pool was being made", path)
				     : io_fail("rename the new pool to", path);
	if (rc == VOS_OK)
		rc = sync_dir(w->dir);
	if (rc == VOS_OK) {
		w->newest = 0;
		rc = start_thread(w);
	}
	if (rc != VOS_OK) {
		char *p = seg_path(path, 1);

		if (p != NULL)
			wal_io->unlink(p);
		free(p);
		if (wal_io->unlink(creating) != 0)
			wal_io->unlink(path);
		free(creating);
		wal_free_handle(w);
		return rc;
	}
	free(creating);
	*um_out = &w->um;
	return VOS_OK;
}

/* ------------------------------------------------------------------------------------------
 * Recovery
 */

enum seg_kind {
	SEG_ACTIVE,
	SEG_SPARE,
	SEG_STALE,   /* a header of this pool with another number: an interrupted recycle */
	SEG_DAMAGED, /* no sound header */
};

struct found_seg {
	uint64_t seq;
	enum seg_kind kind;
	struct wal_seg_hdr hdr;
	uint64_t file_bytes;
};

struct scan {
	struct umem_wal *w;
	struct found_seg *found;
	size_t n, cap;
	int rc;
};

static int scan_one(void *ctx, uint64_t seq)
{
	struct scan *s = ctx;
	struct found_seg *f;
	char *p = seg_path(s->w->path, seq);
	struct stat st;
	size_t got = 0;
	int fd, rc;

	if (p == NULL)
		return vos_fail(VOS_ERR_NOMEM, "out of memory");
	rc = grow((void **)&s->found, &s->cap, s->n + 1, sizeof(*s->found));
	if (rc != VOS_OK) {
		free(p);
		return rc;
	}
	f = &s->found[s->n];
	memset(f, 0, sizeof(*f));
	f->seq = seq;
	fd = wal_io->open(p, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    pread_all(fd, &f->hdr, sizeof(f->hdr), 0, &got) != 0) {
		rc = vos_fail(VOS_ERR_IO, "cannot read log segment %s: %s", p, strerror(errno));
		if (fd >= 0)
			wal_io->close(fd);
		free(p);
		return rc;
	}
	wal_io->close(fd);
	f->file_bytes = (uint64_t)st.st_size;
	if (got < sizeof(f->hdr) || f->hdr.magic != WAL_SEG_MAGIC ||
	    f->hdr.csum != seg_csum(&f->hdr) || f->hdr.version != WAL_SEG_VERSION ||
	    (f->hdr.state != WAL_SEG_SPARE && f->hdr.state != WAL_SEG_ACTIVE)) {
		f->kind = SEG_DAMAGED;
	} else if (memcmp(f->hdr.pool_uuid, s->w->uuid, 16) != 0) {
		char mine[37], theirs[37];

		uuid_text(s->w->uuid, mine);
		uuid_text(f->hdr.pool_uuid, theirs);
		rc = vos_fail(VOS_ERR_CORRUPT,
			      "log segment %s belongs to another pool (%s), not to the pool %s "
			      "(%s): it was copied or moved here; put this pool's own segment back, "
			      "or restore the pool from a replica or a backup", p, theirs,
			      s->w->path, mine);
		free(p);
		return rc;
	} else if (f->hdr.seq != seq) {
		f->kind = SEG_STALE;
	} else if (f->hdr.state == WAL_SEG_SPARE) {
		f->kind = SEG_SPARE;
	} else {
		f->kind = SEG_ACTIVE;
	}
	free(p);
	s->n++;
	return VOS_OK;
}

static int cmp_found(const void *a, const void *b)
{
	const struct found_seg *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Maps a segment file for reading. */
static int map_segment(struct umem_wal *w, uint64_t seq, uint64_t file_bytes,
		       const uint8_t **map_out)
{
	char *p = seg_path(w->path, seq);
	void *map;
	int fd, rc = VOS_OK;

	if (p == NULL)
		return vos_fail(VOS_ERR_NOMEM, "out of memory");
	fd = wal_io->open(p, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0) {
		rc = io_fail("open log segment", p);
		free(p);
		return rc;
	}
	map = mmap(NULL, file_bytes, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		rc = vos_fail(VOS_ERR_IO, "cannot map log segment %s: %s", p, strerror(errno));
	else
		*map_out = map;
	wal_io->close(fd);
	free(p);
	return rc;
}

/* Whether a whole, sound frame at lsn starts at map[pos]; its CRC on success. */
static bool frame_valid(const uint8_t *map, uint64_t pos, uint64_t limit, uint64_t lsn,
			uint32_t chain, uint32_t *csum_out)
{
	struct wal_frame f;

	if (pos > limit || limit - pos < WAL_FRAME_HDR_BYTES)
		return false;
	memcpy(&f, map + pos, sizeof(f));
	if (f.magic != WAL_FRAME_MAGIC || f.lsn != lsn || f.frame_bytes < WAL_FRAME_HDR_BYTES ||
	    f.frame_bytes % 8 != 0 || f.frame_bytes > limit - pos)
		return false;
	if (crc32c(chain, map + pos + 8, f.frame_bytes - 8) != f.csum)
		return false;
	*csum_out = f.csum;
	return true;
}

/* Applies a frame whose CRC matched; VOS_ERR_CORRUPT if its ranges do not fit in it or in the
 * heap (a frame that passed its CRC but is malformed was written wrong). */
static int apply_frame(struct umem_wal *w, const uint8_t *frame, const char *seg_name)
{
	struct wal_frame f;
	uint64_t at = WAL_FRAME_HDR_BYTES;

	memcpy(&f, frame, sizeof(f));
	for (int pass = 0; pass < 2; pass++) {
		at = WAL_FRAME_HDR_BYTES;
		for (uint32_t i = 0; i < f.n_ranges; i++) {
			struct wal_range r;

			if (f.frame_bytes - at < WAL_RANGE_HDR_BYTES)
				goto bad;
			memcpy(&r, frame + at, sizeof(r));
			at += WAL_RANGE_HDR_BYTES;
			if (r.len == 0 || r.off >= w->heap_bytes || r.len > w->heap_bytes - r.off ||
			    align_up(r.len, 8) > f.frame_bytes - at)
				goto bad;
			if (pass == 1) {
				memcpy(w->um.base + r.off, frame + at, r.len);
				mark_dirty(w->dirty, r.off, r.len);
			}
			at += align_up(r.len, 8);
		}
		if (at != f.frame_bytes)
			goto bad;
	}
	return VOS_OK;
bad:
	return vos_fail(VOS_ERR_CORRUPT,
			"the log record at LSN %llu in %s is malformed although its checksum "
			"matches; restore the pool from a replica or a backup",
			(unsigned long long)f.lsn, seg_name);
}

/* Replays segment f from lsn (with the chain value there) to its first torn frame; *end_out
 * and *chain_out are where it stopped. */
static int replay_segment(struct umem_wal *w, const struct found_seg *f, uint64_t lsn,
			  uint32_t chain, uint64_t *end_out, uint32_t *chain_out)
{
	uint64_t limit = WAL_SEG_HDR_BYTES + f->hdr.capacity;
	const uint8_t *map = NULL;
	char *name = seg_path(w->path, f->seq);
	int rc;

	if (name == NULL)
		return vos_fail(VOS_ERR_NOMEM, "out of memory");
	if (limit > f->file_bytes)
		limit = f->file_bytes; /* a segment cut short: its end acts as a torn frame */
	rc = map_segment(w, f->seq, f->file_bytes, &map);
	while (rc == VOS_OK) {
		uint64_t pos = WAL_SEG_HDR_BYTES + (lsn - f->hdr.first_lsn);
		uint32_t csum;

		if (!frame_valid(map, pos, limit, lsn, chain, &csum))
			break;
		rc = apply_frame(w, map + pos, name);
		if (rc != VOS_OK)
			break;
		w->replayed_frames++;
		w->replayed_bytes += ((const struct wal_frame *)(map + pos))->frame_bytes;
		lsn += ((const struct wal_frame *)(map + pos))->frame_bytes;
		chain = csum;
	}
	if (map != NULL)
		munmap((void *)map, f->file_bytes);
	free(name);
	*end_out = lsn;
	*chain_out = chain;
	return rc;
}

/* Whether the first frame of a segment whose header is damaged is the log's next frame: then
 * the segment held committed transactions and must not be taken for an unfinished one. */
static bool holds_next_frame(struct umem_wal *w, const struct found_seg *f, uint64_t lsn,
			     uint32_t chain)
{
	const uint8_t *map = NULL;
	uint32_t csum;
	bool yes;

	if (f->file_bytes <= WAL_SEG_HDR_BYTES || map_segment(w, f->seq, f->file_bytes, &map) != 0)
		return false;
	yes = frame_valid(map, WAL_SEG_HDR_BYTES, f->file_bytes, lsn, chain, &csum);
	munmap((void *)map, f->file_bytes);
	return yes;
}

static int missing_segment(struct umem_wal *w, const struct scan *s, uint64_t seq,
			   const char *why)
{
	char *p = seg_path(w->path, seq);
	bool there = false;
	int rc;

	for (size_t i = 0; i < s->n; i++)
		if (s->found[i].seq == seq)
			there = true;
	rc = vos_fail(VOS_ERR_CORRUPT,
		      "the log of pool %s is incomplete: segment %s, which %s, %s; restore the "
		      "pool from a replica or a backup", w->path, p != NULL ? p : "?", why,
		      there ? "has a damaged header" : "is missing");
	free(p);
	return rc;
}

/* Replays the log from the checkpoint in slot, and sets up the segment list and the write
 * position. Writes nothing. */
static int recover(struct umem_wal *w, struct scan *s, const struct wal_ckpt_slot *slot,
		   uint64_t keep_lsn)
{
	const struct found_seg *act = NULL;
	size_t first = SIZE_MAX, last = SIZE_MAX;
	uint64_t lsn = slot->lsn;
	uint32_t chain = slot->chain;
	int rc;

	size_t oldest = SIZE_MAX;

	qsort(s->found, s->n, sizeof(*s->found), cmp_found);
	/* The segment replay starts in: the last active one that starts at or below the slot. */
	for (size_t i = 0; i < s->n; i++) {
		if (s->found[i].kind != SEG_ACTIVE)
			continue;
		if (s->found[i].hdr.first_lsn <= slot->lsn)
			first = i;
		if (oldest == SIZE_MAX)
			oldest = i;
		last = i;
	}
	if (first == SIZE_MAX) {
		char lsn_text[64];

		snprintf(lsn_text, sizeof(lsn_text), "holds LSN %llu where the checkpoint is",
			 (unsigned long long)slot->lsn);
		/* The one before the oldest active segment, or the first there ever was. */
		return missing_segment(w, s, oldest == SIZE_MAX || s->found[oldest].seq <= 1
						     ? 1 : s->found[oldest].seq - 1, lsn_text);
	}
	act = &s->found[first];
	if (act->hdr.first_lsn == slot->lsn && act->hdr.prev_chain != slot->chain)
		return vos_fail(VOS_ERR_CORRUPT,
				"log segment %llu of pool %s does not continue from its checkpoint "
				"(chain mismatch); restore the pool from a replica or a backup",
				(unsigned long long)act->seq, w->path);
	for (size_t i = first;; i++) {
		uint64_t end = lsn;

		rc = replay_segment(w, &s->found[i], lsn, chain, &end, &chain);
		if (rc != VOS_OK)
			return rc;
		lsn = end;
		if (i == last)
			break;
		if (s->found[i + 1].seq != s->found[i].seq + 1 ||
		    s->found[i + 1].kind != SEG_ACTIVE)
			return missing_segment(w, s, s->found[i].seq + 1,
					       "comes before later segments of the log");
		if (s->found[i + 1].hdr.first_lsn != lsn || s->found[i + 1].hdr.prev_chain != chain)
			return vos_fail(VOS_ERR_CORRUPT,
					"the log of pool %s has a gap: segment %llu ends at LSN "
					"%llu but segment %llu starts at LSN %llu; a record in "
					"between is damaged; restore the pool from a replica or a "
					"backup", w->path, (unsigned long long)s->found[i].seq,
					(unsigned long long)lsn,
					(unsigned long long)s->found[i + 1].seq,
					(unsigned long long)s->found[i + 1].hdr.first_lsn);
	}
	/* A segment after the last active one whose header is damaged is one whose preparation
	 * or activation was cut short, unless it starts with the log's next frame. */
	for (size_t i = last + 1; i < s->n; i++)
		if (s->found[i].kind == SEG_DAMAGED && holds_next_frame(w, &s->found[i], lsn, chain))
			return missing_segment(w, s, s->found[i].seq,
					       "holds the newest transactions");
	if (lsn - s->found[last].hdr.first_lsn > s->found[last].hdr.capacity)
		return vos_fail(VOS_ERR_CORRUPT,
				"the checkpoint of pool %s lies past the end of its last log "
				"segment; restore the pool from a replica or a backup", w->path);
	w->end_lsn = lsn;
	w->chain = chain;
	w->seg_seq = s->found[last].seq;
	w->seg_first_lsn = s->found[last].hdr.first_lsn;
	w->seg_capacity = s->found[last].hdr.capacity;
	if (s->found[last].file_bytes < WAL_SEG_HDR_BYTES + w->seg_capacity)
		w->seg_capacity = lsn - w->seg_first_lsn; /* cut short: full from here on */
	/* The active segments kept: those that reach above keep_lsn. */
	for (size_t i = 0; i <= last; i++) {
		const struct found_seg *f = &s->found[i];
		uint64_t f_end = UINT64_MAX;

		if (f->kind != SEG_ACTIVE)
			continue;
		if (i < first) {
			size_t j = i + 1;

			while (j <= last && s->found[j].kind != SEG_ACTIVE)
				j++;
			f_end = s->found[j].hdr.first_lsn;
			if (f_end <= keep_lsn || s->found[j].seq != f->seq + 1)
				continue;
		}
		rc = push_seg(w, f->seq, f->hdr.first_lsn);
		if (rc != VOS_OK)
			return rc;
	}
	return VOS_OK;
}

/* After a successful recovery: removes what the log no longer needs and takes a spare that
 * follows the last segment. Failures here lose nothing and are left for later. */
static void tidy_segments(struct umem_wal *w, const struct scan *s, bool tmp)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct found_seg *f = &s->found[i];
		bool kept = false;
		char *p;

		for (size_t j = 0; j < w->n_segs; j++)
			if (w->segs[j].seq == f->seq)
				kept = true;
		if (kept)
			continue;
		p = seg_path(w->path, f->seq);
		if (p == NULL)
			continue;
		if (f->kind == SEG_SPARE && f->seq == w->seg_seq + 1 && w->spare_fd < 0 &&
		    f->hdr.capacity >= w->segment_bytes &&
		    f->file_bytes >= WAL_SEG_HDR_BYTES + f->hdr.capacity) {
			w->spare_fd = wal_io->open(p, O_RDWR | O_CLOEXEC, 0);
			w->spare_seq = f->seq;
			w->spare_capacity = f->hdr.capacity;
		} else if (f->kind == SEG_ACTIVE && f->seq < w->seg_seq &&
			   w->n_recycle < RECYCLE_MAX) {
			w->recycle[w->n_recycle++] = f->seq;
		} else {
			wal_io->unlink(p);
		}
		free(p);
	}
	if (tmp) {
		char *p = tmp_path(w->path);

		if (p != NULL)
			wal_io->unlink(p);
		free(p);
	}
}

static bool read_slot(int fd, int i, const uint8_t uuid[16], struct wal_ckpt_slot *s)
{
	size_t got = 0;

	if (pread_all(fd, s, sizeof(*s), WAL_SLOT_OFFSET(i), &got) != 0 || got != sizeof(*s))
		return false;
	return s->magic == WAL_SLOT_MAGIC && s->csum == slot_csum(s) &&
	       memcmp(s->pool_uuid, uuid, 16) == 0 && s->seq != 0;
}

int umem_wal_open(const char *path, const char *layout, uint64_t root_size,
		  struct umem **um_out)
{
	struct scan s = { 0 };
	struct wal_image_id id;
	struct umem_wal *w;
	struct stat st;
	uint64_t keep_lsn;
	bool tmp = false;
	int rc;

	w = wal_new(path);
	if (w == NULL)
		return vos_fail(VOS_ERR_NOMEM, "out of memory");
	w->image_fd = wal_io->open(path, O_RDWR | O_CLOEXEC, 0);
	if (w->image_fd < 0) {
		rc = vos_fail(errno == ENOENT ? VOS_ERR_NONEXIST : VOS_ERR_IO,
			      "cannot open the pool %s: %s", path, strerror(errno));
		goto fail;
	}
	rc = read_identity(w->image_fd, path, &id);
	if (rc != VOS_OK)
		goto fail;
	if (strncmp(id.layout, layout, WAL_LAYOUT_BYTES) != 0) {
		rc = vos_fail(VOS_ERR_NOTPOOL, "%s has layout \"%s\", not \"%s\"", path, id.layout,
			      layout);
		goto fail;
	}
	if (id.root_bytes != root_size) {
		rc = vos_fail(VOS_ERR_CORRUPT, "the header of pool %s gives a root of %llu bytes, "
			      "not %llu; restore it from a replica or a backup", path,
			      (unsigned long long)id.root_bytes, (unsigned long long)root_size);
		goto fail;
	}
	if (fstat(w->image_fd, &st) != 0 ||
	    (uint64_t)st.st_size < WAL_IMAGE_HDR_BYTES + id.heap_bytes) {
		rc = vos_fail(VOS_ERR_CORRUPT,
			      "the pool file %s is shorter than its header says (%llu bytes, not "
			      "%llu): it was cut short; restore it from a replica or a backup",
			      path, (unsigned long long)st.st_size,
			      (unsigned long long)(WAL_IMAGE_HDR_BYTES + id.heap_bytes));
		goto fail;
	}
	rc = lock_image(w->image_fd, path);
	if (rc != VOS_OK)
		goto fail;
	memcpy(w->uuid, id.pool_uuid, 16);
	w->heap_bytes = id.heap_bytes;
	w->segment_bytes = id.segment_bytes;
	w->checkpoint_bytes = id.checkpoint_bytes;
	for (int i = 0; i < 2; i++)
		w->slot_valid[i] = read_slot(w->image_fd, i, w->uuid, &w->slots[i]);
	if (!w->slot_valid[0] && !w->slot_valid[1]) {
		rc = vos_fail(VOS_ERR_CORRUPT,
			      "both checkpoint headers of pool %s are damaged; restore it from a "
			      "replica or a backup", path);
		goto fail;
	}
	w->newest = !w->slot_valid[0] ||
		    (w->slot_valid[1] && w->slots[1].seq > w->slots[0].seq) ? 1 : 0;
	keep_lsn = w->slots[w->newest].lsn;
	if (w->slot_valid[1 - w->newest] && w->slots[1 - w->newest].lsn < keep_lsn)
		keep_lsn = w->slots[1 - w->newest].lsn;
	rc = wal_map(w);
	if (rc == VOS_OK)
		rc = load_image(w);
	if (rc != VOS_OK)
		goto fail;
	s.w = w;
	rc = list_segments(path, scan_one, &s, &tmp);
	if (rc == VOS_OK)
		rc = recover(w, &s, &w->slots[w->newest], keep_lsn);
	if (rc == VOS_OK)
		rc = wal_heap_check(w->um.base, w->heap_bytes, root_size);
	if (rc == VOS_OK) {
		char *p = seg_path(path, w->seg_seq);

		w->out_fd = p == NULL ? -1 : wal_io->open(p, O_RDWR | O_CLOEXEC, 0);
		if (w->out_fd < 0)
			rc = p == NULL ? vos_fail(VOS_ERR_NOMEM, "out of memory")
				       : io_fail("open log segment", p);
		free(p);
	}
	if (rc != VOS_OK)
		goto fail;
	/* Nothing was written up to here. */
	tidy_segments(w, &s, tmp);
	free(s.found);
	s.found = NULL;
	w->ckpt_lsn = w->slots[w->newest].lsn;
	/* Everything replayed is durable: the log is written and synced up to its end. */
	w->out_first_lsn = w->seg_first_lsn;
	w->q_end = w->written_lsn = w->synced_lsn = w->end_lsn;
	w->um.root = ((const struct wal_heap_hdr *)w->um.base)->root_off;
	w->um.root_size = root_size;
	if (w->end_lsn - w->ckpt_lsn >= w->checkpoint_bytes) {
		w->want_ckpt = true;
		w->ckpt_asked = true;
	}
	rc = start_thread(w);
	if (rc != VOS_OK)
		goto fail;
	*um_out = &w->um;
	return VOS_OK;
fail:
	free(s.found);
	wal_free_handle(w);
	return rc;
}

/* ------------------------------------------------------------------------------------------
 * Removal
 */

static int unlink_segment(void *ctx, uint64_t seq)
{
	char *p = seg_path(ctx, seq);
	int rc = VOS_OK;

	if (p == NULL)
		return vos_fail(VOS_ERR_NOMEM, "out of memory");
	if (wal_io->unlink(p) != 0 && errno != ENOENT)
		rc = io_fail("remove log segment", p);
	free(p);
	return rc;
}

int umem_wal_remove(const char *path)
{
	int fd = wal_io->open(path, O_RDONLY | O_CLOEXEC, 0);
	bool tmp = false;
	int rc;

	if (fd < 0)
		return vos_fail(errno == ENOENT ? VOS_ERR_NONEXIST : VOS_ERR_IO,
				"cannot open %s: %s", path, strerror(errno));
	rc = lock_image(fd, path);
	if (rc == VOS_OK)
		rc = list_segments(path, unlink_segment, (void *)path, &tmp);
	if (rc == VOS_OK && tmp) {
		char *p = tmp_path(path);

		if (p != NULL)
			wal_io->unlink(p);
		free(p);
	}
	/* The image goes last: while it is there, the pool can be destroyed again. */
	if (rc == VOS_OK && wal_io->unlink(path) != 0)
		rc = io_fail("remove", path);
	wal_io->close(fd);
	return rc;
}
