/*
 * pool.c: pools (create, open, close, destroy, query), the pool lock and container handles.
 */
#include "vos_internal.h"

#include "crc32c.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint32_t root_checksum(const struct vos_root_df *root, umem_off_t off)
{
	return vos_record_csum(off, root, sizeof(*root), offsetof(struct vos_root_df, csum));
}

int vos_root_seal(struct umem *um, umem_off_t off, bool added)
{
	struct vos_root_df *root = umem_ptr(um, off);
	int rc = added ? VOS_OK : umem_tx_add(um, &root->csum, sizeof(root->csum));

	if (rc == VOS_OK)
		root->csum = root_checksum(root, off);
	return rc;
}

/* VOS_ERR_CORRUPT, saying what, unless the root at um's root area is sound (its checksum is
 * not checked while the running transaction has it touched). */
static int root_check(struct umem *um, const char *path)
{
	const struct vos_root_df *root = umem_ptr(um, um->root);
	uint32_t c;

	if (root->magic != VOS_ROOT_MAGIC)
		return vos_fail(VOS_ERR_CORRUPT,
				"the root of pool %s is damaged (its mark is 0x%016llx, not "
				"0x%016llx); restore the pool from a replica or a backup", path,
				(unsigned long long)root->magic, (unsigned long long)VOS_ROOT_MAGIC);
	if (umem_tx_touched(um, um->root))
		return VOS_OK;
	c = root_checksum(root, um->root);
	if (c != root->csum)
		return vos_fail(VOS_ERR_CORRUPT,
				"the root of pool %s at pool offset %llu fails its CRC-32C checksum "
				"(stored 0x%08x, computed 0x%08x); restore the pool from a replica "
				"or a backup", path, (unsigned long long)um->root, root->csum, c);
	return VOS_OK;
}

int vos_root_check(struct vos_pool *pool)
{
	return root_check(pool->um, pool->path);
}

int vos_root_conts(struct vos_pool *pool, struct btr_tree *tree)
{
	int rc = vos_root_check(pool);

	if (rc != VOS_OK)
		return rc;
	rc = btr_open(tree, pool->um, &pool->root->conts, pool->um->root, vos_root_seal);
	return rc != VOS_OK ? vos_fail_context(rc, "the container table") : rc;
}

int vos_pool_check(const struct vos_pool *pool)
{
	if (pool == NULL)
		return vos_fail(VOS_ERR_INVAL, "the pool handle is NULL");
	if (pool->magic != VOS_POOL_MAGIC)
		return vos_fail(VOS_ERR_INVAL, "the pool handle is not an open pool (closed?)");
	return VOS_OK;
}

int vos_pool_rdlock(struct vos_pool *pool)
{
	int err = pthread_rwlock_rdlock(&pool->lock);

	if (err != 0)
		return vos_fail(VOS_ERR_BUSY, "cannot take the pool lock: %s", strerror(err));
	return VOS_OK;
}

int vos_pool_wrlock(struct vos_pool *pool)
{
	int err = pthread_rwlock_wrlock(&pool->lock);

	if (err != 0)
		return vos_fail(VOS_ERR_BUSY, "cannot take the pool lock: %s", strerror(err));
	return VOS_OK;
}

void vos_pool_unlock(struct vos_pool *pool)
{
	pthread_rwlock_unlock(&pool->lock);
}

int vos_pool_commit_unlock(struct vos_pool *pool)
{
	struct umem_wait wait;
	int rc = umem_tx_end(pool->um, &wait);

	/* The wait for the disk comes after the lock is released: readers and the next change
	 * go on meanwhile (on the WAL backend, a whole fdatasync, or a write behind other
	 * writes, each of which can take milliseconds on a busy disk). What they see of this
	 * transaction cannot outlive a crash without everything before it, and anything they
	 * commit comes after it in the log. */
	vos_pool_unlock(pool);
	return rc != VOS_OK ? rc : umem_tx_durable(pool->um, &wait);
}

static int check_path(const char *path)
{
	if (path == NULL || path[0] == '\0')
		return vos_fail(VOS_ERR_INVAL, "the pool path is empty");
	return VOS_OK;
}

_Static_assert(VOS_BACKEND_PMEM == (int)UMEM_BACKEND_PMEM, "backend numbers");
_Static_assert(VOS_BACKEND_WAL == (int)UMEM_BACKEND_WAL, "backend numbers");

/* Reads the backend and the layout version from the file's header (pmemobj's, or the WAL
 * image's). VOS_ERR_NOTPOOL unless the layout is Vostok's. */
static int sniff_layout(const char *path, uint32_t *backend_out, uint32_t *version_out,
			char layout[])
{
	size_t prefix = strlen(VOS_LAYOUT_PREFIX);
	unsigned long v;
	char *end;
	int rc;

	rc = umem_probe(path, backend_out, layout);
	if (rc != VOS_OK)
		return rc;
	if (strncmp(layout, VOS_LAYOUT_PREFIX, prefix) != 0)
		return vos_fail(VOS_ERR_NOTPOOL,
				"%s is a pmemobj pool of another program (layout \"%.64s\"), not a "
				"Vostok pool", path, layout);
	errno = 0;
	v = strtoul(layout + prefix, &end, 10);
	if (errno != 0 || end == layout + prefix || *end != '\0' || v == 0 || v > UINT32_MAX)
		return vos_fail(VOS_ERR_NOTPOOL,
				"%s has an unknown layout name \"%.64s\"; it is not a Vostok pool "
				"this library can read", path, layout);
	*version_out = (uint32_t)v;
	return VOS_OK;
}

/* splitmix64 */
static uint64_t mix(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int pool_wrap(const char *path, struct umem *um, struct vos_pool **pool_out)
{
	struct vos_pool *pool = calloc(1, sizeof(*pool));
	pthread_rwlockattr_t attr;
	struct timespec ts;
	uint64_t seed;

	if (pool == NULL || (pool->path = strdup(path)) == NULL) {
		free(pool);
		return vos_fail(VOS_ERR_NOMEM, "out of memory for the pool handle");
	}
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	if (pthread_rwlock_init(&pool->lock, &attr) != 0) {
		pthread_rwlockattr_destroy(&attr);
		free(pool->path);
		free(pool);
		return vos_fail(VOS_ERR_NOMEM, "cannot create the pool lock");
	}
	pthread_rwlockattr_destroy(&attr);
	/* The tag and the first generation of every slot are random, so a handle kept from an
	 * earlier open of this pool, or from another pool, is refused instead of matching. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	seed = (uint64_t)ts.tv_sec * 1000000007ull ^ (uint64_t)ts.tv_nsec ^
	       (uint64_t)(uintptr_t)pool ^ ((uint64_t)getpid() << 32);
	pool->tag = (uint16_t)(mix(&seed) | 1u);
	for (uint32_t i = 0; i < VOS_CONT_OPEN_MAX; i++)
		pool->slots[i].gen = (uint32_t)mix(&seed);
	pool->um = um;
	pool->root = umem_ptr(um, um->root);
	pool->magic = VOS_POOL_MAGIC;
	*pool_out = pool;
	return VOS_OK;
}

static void pool_free(struct vos_pool *pool)
{
	pool->magic = 0;
	pthread_rwlock_destroy(&pool->lock);
	free(pool->path);
	free(pool);
}

static int check_opts(const vos_pool_opts_t *opts)
{
	if (opts->backend != 0 && opts->backend != VOS_BACKEND_PMEM &&
	    opts->backend != VOS_BACKEND_WAL)
		return vos_fail(VOS_ERR_INVAL,
				"backend %u is unknown: use VOS_BACKEND_PMEM (1) or VOS_BACKEND_WAL "
				"(2)", opts->backend);
	if (opts->reserved0 != 0)
		return vos_fail(VOS_ERR_INVAL, "vos_pool_opts_t.reserved0 must be 0");
	for (size_t i = 0; i < sizeof(opts->reserved) / sizeof(opts->reserved[0]); i++)
		if (opts->reserved[i] != 0)
			return vos_fail(VOS_ERR_INVAL, "vos_pool_opts_t.reserved[%zu] must be 0", i);
	if (opts->backend != VOS_BACKEND_WAL &&
	    (opts->wal_segment_bytes != 0 || opts->wal_checkpoint_bytes != 0))
		return vos_fail(VOS_ERR_INVAL,
				"wal_segment_bytes and wal_checkpoint_bytes apply to the WAL "
				"backend only; leave them 0 or choose VOS_BACKEND_WAL");
	return VOS_OK;
}

/* A new pool's root: an empty container table, the layout version, sealed. */
static void root_init(void *p, umem_off_t off)
{
	struct vos_root_df *root = p;

	memset(root, 0, sizeof(*root));
	root->magic = VOS_ROOT_MAGIC;
	root->layout_version = VOS_LAYOUT_VERSION;
	root->created_sec = (uint64_t)time(NULL);
	btr_root_init(&root->conts, BTR_KEYS_LEXICAL);
	root->csum = root_checksum(root, off);
}

VOS_EXPORT int vos_pool_create(const char *path, uint64_t size_bytes, vos_pool_t **pool_out)
{
	return vos_pool_create_opts(path, size_bytes, NULL, pool_out);
}

VOS_EXPORT int vos_pool_create_opts(const char *path, uint64_t size_bytes,
				    const vos_pool_opts_t *opts, vos_pool_t **pool_out)
{
	static const vos_pool_opts_t defaults = { .backend = VOS_BACKEND_PMEM };
	char layout[32];
	struct vos_root_df *root;
	struct umem *um;
	uint32_t backend;
	int rc;

	vos_clear_message();
	if (opts == NULL)
		opts = &defaults;
	rc = check_opts(opts);
	if (rc != VOS_OK)
		return rc;
	backend = opts->backend == 0 ? VOS_BACKEND_PMEM : opts->backend;
	rc = check_path(path);
	if (rc != VOS_OK)
		return rc;
	if (pool_out == NULL)
		return vos_fail(VOS_ERR_INVAL, "pool_out is NULL");
	if (size_bytes < VOS_POOL_BYTES_MIN)
		return vos_fail(VOS_ERR_INVAL,
				"a pool of %llu bytes is too small: the minimum is %llu bytes "
				"(VOS_POOL_BYTES_MIN)", (unsigned long long)size_bytes,
				(unsigned long long)VOS_POOL_BYTES_MIN);
	if (access(path, F_OK) == 0)
		return vos_fail(VOS_ERR_EXIST,
				"%s exists already: destroy it first or choose another path", path);
	snprintf(layout, sizeof(layout), "%s%u", VOS_LAYOUT_PREFIX, VOS_LAYOUT_VERSION);
	if (backend == VOS_BACKEND_WAL) {
		struct umem_wal_params params = {
			.segment_bytes = opts->wal_segment_bytes,
			.checkpoint_bytes = opts->wal_checkpoint_bytes,
		};

		/* The root is written before the pool exists: it appears whole or not at all. */
		rc = umem_wal_create(path, layout, size_bytes, sizeof(struct vos_root_df), &params,
				     root_init, &um);
	} else {
		rc = umem_pmem_create(path, layout, size_bytes, sizeof(struct vos_root_df), &um);
		if (rc != VOS_OK)
			return rc;
		root = umem_ptr(um, um->root);
		rc = umem_tx_begin(um, 0);
		if (rc == VOS_OK) {
			rc = umem_tx_add(um, root, sizeof(*root));
			if (rc == VOS_OK) {
				root_init(root, um->root);
				rc = umem_tx_commit(um);
			} else {
				umem_tx_abort(um);
			}
		}
		if (rc != VOS_OK) {
			umem_close(um);
			umem_remove(backend, path);
		}
	}
	if (rc != VOS_OK)
		return rc;
	rc = pool_wrap(path, um, pool_out);
	if (rc != VOS_OK) {
		umem_close(um);
		umem_remove(backend, path);
	}
	return rc;
}

/* A pool of another layout is refused before anything in it is read: a newer one needs a newer
 * library, an older one (layout 1, whose index nodes and records have no checksums) the
 * library that wrote it. */
static int check_layout_version(const char *path, uint32_t version)
{
	if (version > VOS_LAYOUT_VERSION)
		return vos_fail(VOS_ERR_LAYOUT,
				"%s has pool layout %u, newer than layout %u that this library "
				"reads: open it with a newer libvostok-vos", path, version,
				VOS_LAYOUT_VERSION);
	if (version < VOS_LAYOUT_VERSION)
		return vos_fail(VOS_ERR_LAYOUT,
				"%s has pool layout %u, older than layout %u that this library "
				"reads (layout %u added checksums to every index node and record, "
				"and has no in-place upgrade): keep it with the libvostok-vos that "
				"wrote it, or move its data to a new pool (for a replica: destroy "
				"the pool and let the replica catch up from its peers, or restore "
				"it from a backup)", path, version, VOS_LAYOUT_VERSION,
				VOS_LAYOUT_VERSION);
	return VOS_OK;
}

VOS_EXPORT int vos_pool_open(const char *path, vos_pool_t **pool_out)
{
	char layout[UMEM_PMEM_LAYOUT_BYTES_MAX];
	const struct vos_root_df *root;
	struct btr_tree conts;
	uint32_t backend = 0, version = 0;
	struct umem *um;
	int rc;

	vos_clear_message();
	rc = check_path(path);
	if (rc != VOS_OK)
		return rc;
	if (pool_out == NULL)
		return vos_fail(VOS_ERR_INVAL, "pool_out is NULL");
	/* Everything that can refuse the file without writing to it comes first. */
	rc = sniff_layout(path, &backend, &version, layout);
	if (rc != VOS_OK)
		return rc;
	rc = check_layout_version(path, version);
	if (rc != VOS_OK)
		return rc;
	rc = umem_open(backend, path, layout, sizeof(struct vos_root_df), &um);
	if (rc != VOS_OK)
		return rc;
	root = umem_ptr(um, um->root);
	rc = root_check(um, path);
	if (rc != VOS_OK) {
		/* said */
	} else if (root->layout_version > VOS_LAYOUT_VERSION) {
		rc = vos_fail(VOS_ERR_LAYOUT,
			      "%s has pool layout %u, newer than layout %u that this library "
			      "reads: open it with a newer libvostok-vos", path,
			      root->layout_version, VOS_LAYOUT_VERSION);
	} else if (root->layout_version != version) {
		rc = vos_fail(VOS_ERR_CORRUPT,
			      "the root of pool %s says layout %u but its header says %u; restore "
			      "the pool from a replica or a backup", path, root->layout_version,
			      version);
	} else {
		rc = btr_open(&conts, um, (struct btr_root *)&root->conts, um->root, vos_root_seal);
	}
	if (rc == VOS_OK)
		rc = pool_wrap(path, um, pool_out);
	if (rc != VOS_OK)
		umem_close(um);
	return rc;
}

VOS_EXPORT int vos_pool_close(vos_pool_t *pool)
{
	int rc;

	vos_clear_message();
	rc = vos_pool_check(pool);
	if (rc != VOS_OK)
		return rc;
	rc = vos_pool_wrlock(pool);
	if (rc != VOS_OK)
		return rc;
	pool->magic = 0;
	umem_close(pool->um);
	vos_pool_unlock(pool);
	pool_free(pool);
	return VOS_OK;
}

VOS_EXPORT int vos_pool_destroy(const char *path)
{
	char layout[UMEM_PMEM_LAYOUT_BYTES_MAX];
	uint32_t backend = 0, version = 0;
	int rc;

	vos_clear_message();
	rc = check_path(path);
	if (rc != VOS_OK)
		return rc;
	rc = sniff_layout(path, &backend, &version, layout);
	/* A WAL pool whose header is damaged is still known for one by its mark, and can be
	 * removed. */
	if (rc == VOS_ERR_CORRUPT && backend == UMEM_BACKEND_WAL)
		rc = VOS_OK;
	if (rc != VOS_OK)
		return rc;
	return umem_remove(backend, path);
}

VOS_EXPORT int vos_pool_query(vos_pool_t *pool, vos_pool_info_t *info_out)
{
	int rc;

	vos_clear_message();
	rc = vos_pool_check(pool);
	if (rc != VOS_OK)
		return rc;
	if (info_out == NULL)
		return vos_fail(VOS_ERR_INVAL, "info_out is NULL");
	rc = vos_pool_rdlock(pool);
	if (rc != VOS_OK)
		return rc;
	rc = vos_root_check(pool);
	if (rc != VOS_OK) {
		vos_pool_unlock(pool);
		return rc;
	}
	umem_space(pool->um, &info_out->total_bytes, &info_out->free_bytes);
	info_out->layout_version = pool->root->layout_version;
	info_out->containers = (uint32_t)pool->root->conts.count;
	info_out->backend = pool->um->backend;
	info_out->reserved = 0;
	vos_pool_unlock(pool);
	return VOS_OK;
}

int vos_cont_get(struct vos_pool *pool, vos_cont_h cont, struct vos_cont_df **cont_out)
{
	uint32_t slot = VOS_HANDLE_SLOT(cont);
	const struct vos_cont_slot *s;

	if (cont == 0 || VOS_HANDLE_TAG(cont) != pool->tag || slot >= VOS_CONT_OPEN_MAX)
		goto bad;
	s = &pool->slots[slot];
	if (!s->in_use || s->gen != VOS_HANDLE_GEN(cont))
		goto bad;
	return vos_cont_at(pool, s->cont_off, cont_out);
bad:
	return vos_fail(VOS_ERR_BADHANDLE,
			"container handle 0x%llx is not open in this pool (closed, never opened, "
			"or from another pool)", (unsigned long long)cont);
}
