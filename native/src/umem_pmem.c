/*
 * umem_pmem.c: the umem backend on PMDK's libpmemobj.
 *
 * The pmemobj root object starts with this backend's header (struct umem_pmem_hdr); the
 * caller's root area follows it. The header keeps the bytes allocated by the caller, changed
 * inside the same transactions as the allocations, so that free space is exact and costs no
 * heap walk. The heap's capacity is measured once, when the pool is created.
 */
#include "umem.h"

#include "crc32c.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <libpmemobj.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define UMEM_PMEM_MAGIC   0x4d454d50454d4d55ull /* "UMMEPMEM" little-endian */
/* 2: the checksum covers allocated_bytes too, and the header's offset. */
#define UMEM_PMEM_VERSION 2u

/* pmemobj's on-media pool header: the signature at offset 0, the layout name at 4096. */
#define PMEMOBJ_SIGNATURE      "PMEMOBJ"
#define PMEMOBJ_LAYOUT_OFFSET  4096u

/* The heap hands out huge blocks in chunks of this many bytes. */
#define PMEMOBJ_CHUNK_BYTES (256u << 10)

/* Zones of a pool measured at creation; a zone holds up to about 16 GiB. */
#define MEASURE_BLOCKS_MAX 4096u

/* Allocation classes for small records (version headers with short values, short keys): pmemobj's
 * default classes give at least 112 usable bytes after a 16-byte header, so a 40-byte record
 * would take 128 bytes. These have no header, so a unit holds exactly its size. */
static const uint32_t small_class_bytes[] = { 32, 48, 64, 96, 128, 192 };
#define SMALL_CLASSES (sizeof(small_class_bytes) / sizeof(small_class_bytes[0]))
#define SMALL_BYTES_MAX 192u
#define SMALL_UNITS_PER_RUN 1024u

/* Two ranges closer than this are cheaper added as one: each range costs an undo log entry and
 * its flushes, more than a few hundred bytes more to copy (vos_bench, update1 and update64 with
 * PMEM_IS_PMEM_FORCE=1). */
#define RANGE_JOIN_BYTES 384u

/* Space held back from ordinary writes for transactions that free space. */
#define RESERVE_BYTES_MIN (256ull << 10)
#define RESERVE_BYTES_MAX (64ull << 20)

struct umem_pmem_hdr {
	uint64_t magic;
	uint32_t version;
	uint32_t csum;            /* CRC-32C of the header's offset and every other byte of it,
				   * set by each commit that changed allocated_bytes */
	uint64_t total_bytes;     /* bytes the caller may allocate, measured at creation */
	uint64_t reserve_bytes;   /* of those, held back for UMEM_TX_MAINTENANCE transactions */
	uint64_t allocated_bytes; /* usable bytes of the caller's live allocations */
	uint64_t unused[3];
};                                /* 64 bytes */

_Static_assert(sizeof(struct umem_pmem_hdr) == 64, "umem_pmem_hdr layout");

struct umem_pmem {
	struct umem           um;
	PMEMobjpool          *pop;
	char                 *path;
	uint64_t              uuid_lo;
	struct umem_pmem_hdr *hdr;
	uint32_t              tx_flags;
	bool                  in_tx;
	bool                  hdr_added; /* the header is in the current transaction */
	/* pmemobj's class id for a size of up to SMALL_BYTES_MAX bytes, by (size + 15) / 16;
	 * 0: the default classes. */
	uint32_t              small_class[SMALL_BYTES_MAX / 16 + 1];
};

static struct umem_pmem *to_pmem(struct umem *um)
{
	return (struct umem_pmem *)um;
}

static uint32_t hdr_checksum(const struct umem_pmem_hdr *hdr, uint64_t off)
{
	const uint8_t *p = (const uint8_t *)hdr;
	uint32_t c = crc32c(0, &off, sizeof(off));

	c = crc32c(c, p, offsetof(struct umem_pmem_hdr, csum));
	return crc32c(c, p + offsetof(struct umem_pmem_hdr, csum) + sizeof(hdr->csum),
		      sizeof(*hdr) - offsetof(struct umem_pmem_hdr, csum) - sizeof(hdr->csum));
}

static uint64_t hdr_off(const struct umem_pmem *pm)
{
	return (uint64_t)((const char *)pm->hdr - pm->um.base);
}

/* VOS_ERR_CORRUPT, saying what, unless the header is sound. */
static int hdr_check(const struct umem_pmem *pm, const char *path)
{
	const struct umem_pmem_hdr *hdr = pm->hdr;
	uint32_t c;

	if (hdr->magic != UMEM_PMEM_MAGIC || hdr->version != UMEM_PMEM_VERSION)
		return vos_fail(VOS_ERR_CORRUPT,
				"the space header of pool %s is damaged (mark 0x%016llx, version "
				"%u; expected 0x%016llx, %u); restore it from a replica or a backup",
				path, (unsigned long long)hdr->magic, hdr->version,
				(unsigned long long)UMEM_PMEM_MAGIC, UMEM_PMEM_VERSION);
	c = hdr_checksum(hdr, hdr_off(pm));
	if (c != hdr->csum)
		return vos_fail(VOS_ERR_CORRUPT,
				"the space header of pool %s fails its CRC-32C checksum (stored "
				"0x%08x, computed 0x%08x); restore it from a replica or a backup",
				path, hdr->csum, c);
	if (hdr->allocated_bytes > hdr->total_bytes)
		return vos_fail(VOS_ERR_CORRUPT,
				"the space header of pool %s counts %llu bytes in use of %llu; "
				"restore it from a replica or a backup", path,
				(unsigned long long)hdr->allocated_bytes,
				(unsigned long long)hdr->total_bytes);
	return VOS_OK;
}

static const char *pmdk_message(void)
{
	const char *msg = pmemobj_errormsg();

	return msg != NULL && msg[0] != '\0' ? msg : strerror(errno);
}

static int map_pmdk_errno(int err)
{
	return err == ENOMEM ? VOS_ERR_NOSPACE : vos_errno_code(err);
}

/* ------------------------------------------------------------------------------------------
 * Transactions
 */

static int pmem_tx_begin(struct umem *um, uint32_t flags)
{
	struct umem_pmem *pm = to_pmem(um);
	int err;

	VOS_ASSERT(!pm->in_tx);
	/* The header is read by every allocation: checked once per transaction. */
	err = hdr_check(pm, pm->path);
	if (err != VOS_OK)
		return err;
	err = pmemobj_tx_begin(pm->pop, NULL, TX_PARAM_NONE);
	if (err != 0) {
		pmemobj_tx_end();
		return vos_fail(map_pmdk_errno(err), "pmemobj could not begin a transaction: %s",
				pmdk_message());
	}
	pm->in_tx = true;
	pm->hdr_added = false;
	pm->tx_flags = flags;
	return VOS_OK;
}

static int pmem_tx_commit(struct umem *um, struct umem_wait *wait_out)
{
	struct umem_pmem *pm = to_pmem(um);
	int err;

	(void)wait_out; /* pmemobj's commit is durable when it returns: nothing to wait for */
	VOS_ASSERT(pm->in_tx);
	pm->in_tx = false;
	if (pm->hdr_added && pmemobj_tx_stage() == TX_STAGE_WORK)
		pm->hdr->csum = hdr_checksum(pm->hdr, hdr_off(pm));
	if (pmemobj_tx_stage() == TX_STAGE_WORK)
		pmemobj_tx_commit();
	err = pmemobj_tx_end();
	if (err != 0)
		return vos_fail(map_pmdk_errno(err), "pmemobj could not commit the transaction: %s",
				pmdk_message());
	return VOS_OK;
}

static void pmem_tx_abort(struct umem *um)
{
	struct umem_pmem *pm = to_pmem(um);

	VOS_ASSERT(pm->in_tx);
	pm->in_tx = false;
	if (pmemobj_tx_stage() == TX_STAGE_WORK)
		pmemobj_tx_abort(ECANCELED);
	pmemobj_tx_end();
}

static int pmem_tx_add(struct umem *um, const void *ptr, size_t len)
{
	int err;

	VOS_ASSERT(to_pmem(um)->in_tx);
	err = pmemobj_tx_xadd_range_direct(ptr, len, POBJ_XADD_NO_ABORT);
	if (err != 0)
		return vos_fail(map_pmdk_errno(err),
				"pmemobj could not log %zu bytes for the transaction: %s", len,
				pmdk_message());
	return VOS_OK;
}

/* Adds delta to the allocated-bytes counter, inside the current transaction. */
static int account(struct umem_pmem *pm, int64_t delta)
{
	if (!pm->hdr_added) {
		/* The whole header, whose checksum the commit sets. */
		int rc = pmem_tx_add(&pm->um, pm->hdr, sizeof(*pm->hdr));

		if (rc != VOS_OK)
			return rc;
		pm->hdr_added = true;
	}
	pm->hdr->allocated_bytes += (uint64_t)delta;
	return VOS_OK;
}

static int pmem_alloc(struct umem *um, size_t len, uint32_t flags, umem_off_t *off_out)
{
	struct umem_pmem *pm = to_pmem(um);
	const struct umem_pmem_hdr *hdr = pm->hdr;
	uint64_t limit = hdr->total_bytes;
	uint64_t pflags = POBJ_XALLOC_NO_ABORT;
	PMEMoid oid;
	int rc;

	VOS_ASSERT(pm->in_tx && len > 0);
	if ((pm->tx_flags & UMEM_TX_MAINTENANCE) == 0)
		limit -= hdr->reserve_bytes;
	if (hdr->allocated_bytes > limit || len > limit - hdr->allocated_bytes)
		return vos_fail(VOS_ERR_NOSPACE,
				"the pool is full: %llu of its %llu bytes are in use and %zu more "
				"were asked for; aggregate or discard old versions, destroy a "
				"container, or use a larger pool",
				(unsigned long long)hdr->allocated_bytes,
				(unsigned long long)hdr->total_bytes, len);
	if (flags & UMEM_ALLOC_ZERO)
		pflags |= POBJ_XALLOC_ZERO;
	if (len <= SMALL_BYTES_MAX && pm->small_class[(len + 15) / 16] != 0)
		pflags |= POBJ_CLASS_ID(pm->small_class[(len + 15) / 16]);
	oid = pmemobj_tx_xalloc(len, 0, pflags);
	if (OID_IS_NULL(oid)) {
		int err = errno;

		if (err == ENOMEM || err == 0)
			return vos_fail(VOS_ERR_NOSPACE,
					"the pool has no free block of %zu bytes (%llu of %llu bytes "
					"in use); aggregate or discard old versions, or use a larger "
					"pool", len, (unsigned long long)hdr->allocated_bytes,
					(unsigned long long)hdr->total_bytes);
		return vos_fail(map_pmdk_errno(err), "pmemobj could not allocate %zu bytes: %s",
				len, pmdk_message());
	}
	rc = account(pm, (int64_t)pmemobj_alloc_usable_size(oid));
	if (rc != VOS_OK)
		return rc;
	*off_out = oid.off;
	return VOS_OK;
}

static int pmem_free(struct umem *um, umem_off_t off)
{
	struct umem_pmem *pm = to_pmem(um);
	PMEMoid oid = { .pool_uuid_lo = pm->uuid_lo, .off = off };
	size_t usable = pmemobj_alloc_usable_size(oid);
	int err;
	int rc;

	VOS_ASSERT(pm->in_tx);
	err = pmemobj_tx_xfree(oid, POBJ_XFREE_NO_ABORT);
	if (err != 0)
		return vos_fail(map_pmdk_errno(err), "pmemobj could not free an object: %s",
				pmdk_message());
	rc = account(pm, -(int64_t)usable);
	return rc;
}

static size_t pmem_usable_size(struct umem *um, umem_off_t off)
{
	PMEMoid oid = { .pool_uuid_lo = to_pmem(um)->uuid_lo, .off = off };

	return pmemobj_alloc_usable_size(oid);
}

static void pmem_space(struct umem *um, uint64_t *total_out, uint64_t *free_out)
{
	const struct umem_pmem_hdr *hdr = to_pmem(um)->hdr;

	*total_out = hdr->total_bytes;
	*free_out = hdr->allocated_bytes < hdr->total_bytes
			    ? hdr->total_bytes - hdr->allocated_bytes : 0;
}

static void pmem_close(struct umem *um)
{
	struct umem_pmem *pm = to_pmem(um);

	VOS_ASSERT(!pm->in_tx);
	pmemobj_close(pm->pop);
	free(pm->path);
	free(pm);
}

/* The space header is this backend's one structure; pmemobj's own are pmemobj's to check. */
static int pmem_scrub(struct umem *um, struct umem_scrub *s, uint64_t budget_bytes,
		      umem_problem_fn problem, void *arg)
{
	struct umem_pmem *pm = to_pmem(um);

	(void)budget_bytes;
	s->bytes += sizeof(*pm->hdr);
	if (hdr_check(pm, pm->path) != VOS_OK) {
		s->damaged = 1;
		problem(arg);
	}
	s->done = 1;
	return VOS_OK;
}

static const struct umem_ops pmem_ops = {
	.tx_begin    = pmem_tx_begin,
	.tx_commit   = pmem_tx_commit,
	.tx_abort    = pmem_tx_abort,
	.tx_add      = pmem_tx_add,
	.alloc       = pmem_alloc,
	.free        = pmem_free,
	.usable_size = pmem_usable_size,
	.space       = pmem_space,
	.scrub       = pmem_scrub,
	.close       = pmem_close,
};

/* ------------------------------------------------------------------------------------------
 * Pool files
 */

int umem_pmem_layout(const char *path, char layout_out[UMEM_PMEM_LAYOUT_BYTES_MAX])
{
	char head[PMEMOBJ_LAYOUT_OFFSET + UMEM_PMEM_LAYOUT_BYTES_MAX];
	struct stat st;
	ssize_t got;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		if (err == ENOENT)
			return vos_fail(VOS_ERR_NONEXIST, "no pool file at %s: check the path", path);
		return vos_fail(vos_errno_code(err) == VOS_ERR_NONEXIST ? VOS_ERR_NONEXIST
									 : VOS_ERR_IO,
				"cannot open %s: %s", path, strerror(err));
	}
	if (fstat(fd, &st) != 0) {
		int err = errno;

		close(fd);
		return vos_fail(VOS_ERR_IO, "cannot stat %s: %s", path, strerror(err));
	}
	if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) {
		close(fd);
		return vos_fail(VOS_ERR_NOTPOOL, "%s is not a Vostok pool: it is not a regular file",
				path);
	}
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size < PMEMOBJ_MIN_POOL) {
		close(fd);
		return vos_fail(VOS_ERR_NOTPOOL,
				"%s is not a Vostok pool: it has %llu bytes, fewer than any pool",
				path, (unsigned long long)st.st_size);
	}
	got = pread(fd, head, sizeof(head), 0);
	close(fd);
	if (got < 0)
		return vos_fail(VOS_ERR_IO, "cannot read %s: %s", path, strerror(errno));
	if ((size_t)got < sizeof(head) ||
	    memcmp(head, PMEMOBJ_SIGNATURE, sizeof(PMEMOBJ_SIGNATURE)) != 0)
		return vos_fail(VOS_ERR_NOTPOOL,
				"%s is not a Vostok pool: it does not start with a pmemobj pool "
				"header", path);
	memcpy(layout_out, head + PMEMOBJ_LAYOUT_OFFSET, UMEM_PMEM_LAYOUT_BYTES_MAX);
	layout_out[UMEM_PMEM_LAYOUT_BYTES_MAX - 1] = '\0';
	return VOS_OK;
}

/* The bytes the caller can allocate in an empty heap: take the largest block the heap gives,
 * again and again until it gives none, then give them all back. */
static uint64_t measure_heap(PMEMobjpool *pop, uint64_t pool_bytes)
{
	static const uint64_t header_bytes = 64;
	PMEMoid *held = calloc(MEASURE_BLOCKS_MAX, sizeof(*held));
	uint64_t hi = pool_bytes / PMEMOBJ_CHUNK_BYTES;
	uint64_t total = 0;
	uint32_t n_held = 0;

	if (held == NULL)
		return 0;
	if (hi > PMEMOBJ_MAX_ALLOC_SIZE / PMEMOBJ_CHUNK_BYTES)
		hi = PMEMOBJ_MAX_ALLOC_SIZE / PMEMOBJ_CHUNK_BYTES;
	while (n_held < MEASURE_BLOCKS_MAX) {
		PMEMoid best = OID_NULL;
		uint64_t lo = 0;

		/* Invariant: a block of lo chunks fits (best holds it), one of hi + 1 does not. */
		while (lo < hi) {
			uint64_t mid = lo + (hi - lo + 1) / 2;
			PMEMoid oid;

			if (pmemobj_alloc(pop, &oid, mid * PMEMOBJ_CHUNK_BYTES - header_bytes, 0,
					  NULL, NULL) == 0) {
				if (!OID_IS_NULL(best))
					pmemobj_free(&best);
				best = oid;
				lo = mid;
			} else {
				hi = mid - 1;
			}
		}
		if (OID_IS_NULL(best))
			break;
		total += pmemobj_alloc_usable_size(best);
		held[n_held++] = best;
		hi = lo;
	}
	while (n_held > 0)
		pmemobj_free(&held[--n_held]);
	free(held);
	return total;
}

static int parent_exists(const char *path)
{
	char *copy = strdup(path);
	struct stat st;
	int rc = VOS_OK;

	if (copy == NULL)
		return vos_fail(VOS_ERR_NOMEM, "out of memory");
	if (stat(dirname(copy), &st) != 0 || !S_ISDIR(st.st_mode))
		rc = VOS_ERR_NONEXIST;
	free(copy);
	if (rc != VOS_OK)
		return vos_fail(rc, "cannot create %s: its directory does not exist", path);
	return VOS_OK;
}

/* Registers the small allocation classes for this open of the pool (pmemobj keeps them in
 * DRAM; runs already in the pool keep their own unit size). Without them allocation still
 * works, with more waste. */
static void register_small_classes(struct umem_pmem *pm)
{
	uint32_t c = 0;

	for (uint32_t i = 0; i < SMALL_CLASSES; i++) {
		struct pobj_alloc_class_desc desc = {
			.unit_size = small_class_bytes[i],
			.alignment = 0,
			.units_per_block = SMALL_UNITS_PER_RUN,
			.header_type = POBJ_HEADER_NONE,
		};

		if (pmemobj_ctl_set(pm->pop, "heap.alloc_class.new.desc", &desc) != 0)
			return;
		for (; c <= SMALL_BYTES_MAX / 16 && c * 16 <= small_class_bytes[i]; c++)
			pm->small_class[c] = desc.class_id;
	}
}

static struct umem_pmem *wrap(PMEMobjpool *pop, const char *path, uint64_t root_size)
{
	struct umem_pmem *pm = calloc(1, sizeof(*pm));
	PMEMoid root = pmemobj_root(pop, pmemobj_root_size(pop));
	struct stat st;

	if (pm == NULL || stat(path, &st) != 0 || (pm->path = strdup(path)) == NULL) {
		free(pm);
		return NULL;
	}
	pm->pop = pop;
	pm->uuid_lo = root.pool_uuid_lo;
	pm->hdr = pmemobj_direct(root);
	pm->um.ops = &pmem_ops;
	pm->um.base = (char *)pop;
	pm->um.size = (uint64_t)st.st_size;
	pm->um.root = root.off + sizeof(struct umem_pmem_hdr);
	pm->um.root_size = root_size;
	pm->um.backend = UMEM_BACKEND_PMEM;
	pm->um.range_join_bytes = RANGE_JOIN_BYTES;
	/* pmemobj maps the pool at pop; offsets are relative to it. */
	VOS_ASSERT((char *)pm->hdr == pm->um.base + root.off);
	register_small_classes(pm);
	return pm;
}

int umem_pmem_create(const char *path, const char *layout, uint64_t size_bytes,
		     uint64_t root_size, struct umem **um_out)
{
	struct umem_pmem_hdr hdr = { 0 };
	struct umem_pmem *pm;
	PMEMobjpool *pop;
	PMEMoid root;
	int rc;

	rc = parent_exists(path);
	if (rc != VOS_OK)
		return rc;
	pop = pmemobj_create(path, layout, size_bytes, 0600);
	if (pop == NULL) {
		int err = errno;

		if (err == EEXIST)
			return vos_fail(VOS_ERR_EXIST,
					"%s exists already: destroy it first or choose another path",
					path);
		return vos_fail(map_pmdk_errno(err), "cannot create the pool %s: %s", path,
				pmdk_message());
	}
	hdr.magic = UMEM_PMEM_MAGIC;
	hdr.version = UMEM_PMEM_VERSION;
	root = pmemobj_root(pop, sizeof(hdr) + root_size);
	if (OID_IS_NULL(root)) {
		rc = vos_fail(VOS_ERR_NOSPACE, "cannot allocate the root of pool %s: %s", path,
			      pmdk_message());
		goto fail;
	}
	hdr.total_bytes = measure_heap(pop, size_bytes);
	hdr.reserve_bytes = hdr.total_bytes / 32;
	if (hdr.reserve_bytes < RESERVE_BYTES_MIN)
		hdr.reserve_bytes = RESERVE_BYTES_MIN;
	if (hdr.reserve_bytes > RESERVE_BYTES_MAX)
		hdr.reserve_bytes = RESERVE_BYTES_MAX;
	if (hdr.total_bytes < 4 * hdr.reserve_bytes) {
		rc = vos_fail(VOS_ERR_NOSPACE, "pool %s of %llu bytes leaves too little space "
			      "for data; use a larger size", path, (unsigned long long)size_bytes);
		goto fail;
	}
	hdr.csum = hdr_checksum(&hdr, root.off);
	pmemobj_memcpy_persist(pop, pmemobj_direct(root), &hdr, sizeof(hdr));
	pm = wrap(pop, path, root_size);
	if (pm == NULL) {
		rc = vos_fail(VOS_ERR_NOMEM, "out of memory");
		goto fail;
	}
	*um_out = &pm->um;
	return VOS_OK;
fail:
	pmemobj_close(pop);
	unlink(path);
	return rc;
}

int umem_pmem_open(const char *path, const char *layout, uint64_t root_size,
		   struct umem **um_out)
{
	struct umem_pmem *pm;
	PMEMobjpool *pop;
	size_t have;
	int rc;

	pop = pmemobj_open(path, layout);
	if (pop == NULL) {
		int err = errno;

		if (err == EAGAIN || err == EWOULDBLOCK)
			return vos_fail(VOS_ERR_BUSY,
					"the pool %s is open in another process or by another "
					"handle; close it there first", path);
		if (err == ENOENT)
			return vos_fail(VOS_ERR_NONEXIST, "no pool file at %s: check the path",
					path);
		if (err == EINVAL)
			return vos_fail(VOS_ERR_CORRUPT,
					"pmemobj refused the pool %s as damaged (%s); restore it "
					"from a replica or a backup", path, pmdk_message());
		return vos_fail(map_pmdk_errno(err), "cannot open the pool %s: %s", path,
				pmdk_message());
	}
	have = pmemobj_root_size(pop);
	if (have < sizeof(struct umem_pmem_hdr) + root_size) {
		pmemobj_close(pop);
		return vos_fail(VOS_ERR_CORRUPT,
				"the pool %s has no complete root object (%zu bytes): its creation "
				"did not finish; destroy it and create it again", path, have);
	}
	pm = wrap(pop, path, root_size);
	if (pm == NULL) {
		pmemobj_close(pop);
		return vos_fail(VOS_ERR_NOMEM, "out of memory");
	}
	rc = hdr_check(pm, path);
	if (rc != VOS_OK) {
		pmem_close(&pm->um);
		return rc;
	}
	*um_out = &pm->um;
	return VOS_OK;
}

int umem_pmem_remove(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc = VOS_OK;

	if (fd < 0)
		return vos_fail(errno == ENOENT ? VOS_ERR_NONEXIST : VOS_ERR_IO,
				"cannot open %s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int err = errno;

		close(fd);
		if (err == EWOULDBLOCK)
			return vos_fail(VOS_ERR_BUSY,
					"the pool %s is open in another process or by a handle "
					"here; close it first", path);
		return vos_fail(VOS_ERR_IO, "cannot lock %s: %s", path, strerror(err));
	}
	if (unlink(path) != 0)
		rc = vos_fail(VOS_ERR_IO, "cannot remove %s: %s", path, strerror(errno));
	close(fd);
	return rc;
}
