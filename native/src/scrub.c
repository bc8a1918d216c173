/*
 * scrub.c: vos_scrub_slice and vos_pool_scrub, a pass over every structure of a pool.
 *
 * The pass is a walk of the nesting the pool is made of: the root, the container table and
 * each container's record, each container's object index and each object's record, each
 * object's key tree and each key's version chain; then the backend's own structures (umem
 * scrub). The trees are walked by btr_scrub(), which checks every node it reaches; this file
 * checks the records and chains the leaves lead to, and the invariants that tie one level to
 * the next.
 *
 * A pass runs in slices under the pool's read lock, each until its budget of bytes is spent.
 * A slice stops only at the start of an entry (a container, an object, a key), so where to
 * resume is that entry's key at each level of the nesting, kept in the caller's vos_scrub_t:
 * the next slice walks down to it again (checking the nodes on the way once more) and goes on
 * from there. Whatever changed in between is checked as it is found. A tree's entry count, and
 * an object's index epoch against the epochs in its key tree, are compared only when no
 * transaction committed while that tree was walked (umem's commit count says).
 */
#include "vos_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define SCRUB_POS_MAGIC 0x4255524353534f56ull /* "VOSSCRUB" little-endian */

enum scrub_phase {
	PHASE_ROOT = 1,
	PHASE_CONTS,
	PHASE_HEAP,
	PHASE_DONE,
};

/* The levels of the nesting, each a tree. */
enum scrub_level {
	LEVEL_CONTS, /* the container table: UUID -> container record */
	LEVEL_OBJS,  /* a container's object index: oid -> object record */
	LEVEL_KEYS,  /* an object's key tree: key -> version chain */
	LEVELS,
};

/* The walk of one tree of the nesting. */
struct level_pos {
	uint64_t commits;   /* um->commits when its walk started */
	uint64_t entries;   /* its entries visited so far */
	uint64_t max_epoch; /* the greatest epoch among them */
	uint64_t key_int;   /* has_key: resume at this key (an object id or integer key) */
	uint32_t key_len;   /* has_key, lexical: its length (the bytes in uuid or key) */
	uint32_t active;    /* the walk has started and not finished */
	uint32_t has_key;   /* it stopped at the start of an entry: resume there */
	uint32_t damaged;   /* a problem was found in it: its totals are not compared */
};

/* Where a pass stands; lives in vos_scrub_t.position. */
struct scrub_pos {
	uint64_t         magic;
	uint32_t         phase;
	uint32_t         unused;
	struct level_pos level[LEVELS];
	uint8_t          uuid[16];                /* LEVEL_CONTS's resume key */
	struct umem_scrub heap;
	uint8_t          key[VOS_KEY_BYTES_MAX]; /* LEVEL_KEYS's resume key, lexical */
};

_Static_assert(sizeof(struct scrub_pos) <= VOS_SCRUB_POSITION_BYTES, "scrub position fits");

/* One slice at work. */
struct scrub_ctx {
	struct vos_pool    *pool;
	vos_scrub_t        *out;
	struct scrub_pos   *pos;
	uint64_t            budget;   /* bytes this slice may checksum */
	uint64_t            bytes_at_start;
	uint64_t            progress; /* entries started in this slice */
	bool                stopping; /* the budget is spent: stop at the next entry */
	/* Where the walk is, for the problems' messages. */
	const struct vos_cont_df *cont;
	uint64_t            oid;
	bool                in_obj;
	const struct btr_key *key;
};

static void uuid_text(const uint8_t uuid[16], char out[37])
{
	static const char hex[] = "0123456789abcdef";
	int o = 0;

	for (uint32_t i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[uuid[i] >> 4];
		out[o++] = hex[uuid[i] & 15];
	}
	out[o] = '\0';
}

/* Records the problem vos_message() describes, with where the walk is. */
static void problem(void *arg)
{
	struct scrub_ctx *c = arg;
	vos_scrub_t *out = c->out;
	char where[160] = "";

	if (c->cont != NULL) {
		char text[37];
		int n;

		uuid_text(c->cont->uuid, text);
		n = snprintf(where, sizeof(where), " (container %s", text);
		if (c->in_obj && n > 0 && (size_t)n < sizeof(where))
			n += snprintf(where + n, sizeof(where) - (size_t)n, ", object %llu",
				      (unsigned long long)c->oid);
		if (c->key != NULL && c->key->len == 0 && n > 0 && (size_t)n < sizeof(where))
			n += snprintf(where + n, sizeof(where) - (size_t)n, ", key %llu",
				      (unsigned long long)c->key->inl);
		if (n > 0 && (size_t)n < sizeof(where))
			snprintf(where + n, sizeof(where) - (size_t)n, ")");
	}
	if (out->messages < VOS_SCRUB_PROBLEMS_MAX) {
		snprintf(out->message[out->messages], VOS_SCRUB_MESSAGE_BYTES, "%s%s",
			 vos_message(), where);
		out->messages++;
	}
	out->problems++;
	vos_clear_message();
}

/* Reports a problem this file finds itself. */
static void found(struct scrub_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void found(struct scrub_ctx *c, const char *fmt, ...)
{
	char text[VOS_SCRUB_MESSAGE_BYTES];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	vos_fail(VOS_ERR_CORRUPT, "%s", text);
	problem(c);
}

static uint64_t spent(const struct scrub_ctx *c)
{
	return c->out->bytes - c->bytes_at_start;
}

/* At the start of an entry: whether the slice stops here (its budget is spent, and it has done
 * something). */
static bool out_of_budget(struct scrub_ctx *c)
{
	if (c->progress > 0 && spent(c) >= c->budget)
		c->stopping = true;
	return c->stopping;
}

/* The walk of level l stops at the entry with key: the next slice resumes there, inside it if
 * inside (the deeper levels keep where they stopped), else at its start. */
static void stop_at(struct scrub_ctx *c, enum scrub_level l, const struct btr_key *key,
		    bool inside)
{
	struct level_pos *lp = &c->pos->level[l];

	lp->has_key = 1;
	lp->key_int = key->inl;
	lp->key_len = key->len;
	if (l == LEVEL_CONTS)
		memcpy(c->pos->uuid, key->bytes, 16);
	else if (l == LEVEL_KEYS && key->len > 0)
		memcpy(c->pos->key, key->bytes, key->len);
	if (!inside)
		for (int d = l + 1; d < LEVELS; d++)
			c->pos->level[d].active = 0;
}

/* The resume key of level l, if its walk stopped at an entry. */
static const struct btr_key *resume_key(struct scrub_ctx *c, enum scrub_level l,
					struct btr_key *key)
{
	const struct level_pos *lp = &c->pos->level[l];

	if (!lp->active || !lp->has_key)
		return NULL;
	if (l == LEVEL_CONTS)
		btr_key_bytes(key, c->pos->uuid, 16);
	else if (lp->key_len > 0)
		btr_key_bytes(key, c->pos->key, lp->key_len);
	else
		btr_key_int(key, lp->key_int);
	return key;
}

static int key_cmp(const struct btr_key *a, const struct btr_key *b)
{
	uint32_t n = a->len < b->len ? a->len : b->len;
	int r;

	if (a->len == 0 && b->len == 0)
		return (a->inl > b->inl) - (a->inl < b->inl);
	r = memcmp(a->bytes, b->bytes, n);
	return r != 0 ? r : (a->len > b->len) - (a->len < b->len);
}

/* Whether the walk of level l + 1 resumes inside the entry with key, or starts afresh. */
static bool resumes_inside(struct scrub_ctx *c, enum scrub_level l, const struct btr_key *key)
{
	struct btr_key at;

	return c->pos->level[l + 1].active && resume_key(c, l, &at) != NULL &&
	       key_cmp(&at, key) == 0;
}

static void level_start(struct scrub_ctx *c, enum scrub_level l)
{
	struct level_pos *lp = &c->pos->level[l];

	memset(lp, 0, sizeof(*lp));
	lp->active = 1;
	lp->commits = c->pool->um->commits;
}

/* Walks the tree of level l from where its walk stands, visiting with visit. */
static int level_walk(struct scrub_ctx *c, enum scrub_level l, const struct btr_tree *tree,
		      int (*visit)(void *arg, struct btr_ent *e, const struct btr_key *key))
{
	struct level_pos *lp = &c->pos->level[l];
	struct btr_scrub s = { .visit = visit, .problem = problem, .arg = c };
	struct btr_key from;
	int rc;

	if (!lp->active)
		level_start(c, l);
	rc = btr_scrub(tree, resume_key(c, l, &from), &s);
	c->out->nodes += s.nodes;
	c->out->bytes += s.bytes;
	lp->entries += s.entries;
	if (s.max_epoch > lp->max_epoch)
		lp->max_epoch = s.max_epoch;
	if (s.damaged)
		lp->damaged = 1;
	return rc;
}

/* A finished walk's totals, when they describe one state of the tree. */
static bool level_whole(const struct scrub_ctx *c, enum scrub_level l)
{
	const struct level_pos *lp = &c->pos->level[l];

	return !lp->damaged && lp->commits == c->pool->um->commits;
}

static void check_count(struct scrub_ctx *c, enum scrub_level l, const struct btr_tree *tree,
			const char *what)
{
	if (level_whole(c, l) && c->pos->level[l].entries != tree->root->count)
		found(c, "%s counts %llu entries but holds %llu", what,
		      (unsigned long long)tree->root->count,
		      (unsigned long long)c->pos->level[l].entries);
}

/* The record at off lies in a live allocation of at least bytes. */
static bool alloc_sound(struct scrub_ctx *c, umem_off_t off, uint64_t bytes, const char *what)
{
	uint64_t usable = umem_usable_size(c->pool->um, off);

	if (usable >= bytes)
		return true;
	found(c, "the %s at pool offset %llu lies in no live allocation of its size (%llu "
	      "bytes usable, %llu needed)", what, (unsigned long long)off,
	      (unsigned long long)usable, (unsigned long long)bytes);
	return false;
}

/* ------------------------------------------------------------------------------------------
 * Keys and their versions
 */

static int visit_key(void *arg, struct btr_ent *e, const struct btr_key *key)
{
	struct scrub_ctx *c = arg;
	uint64_t floor = c->cont->agg_floor, prev_epoch = 0, below = 0;
	umem_off_t off = e->val;
	bool first = true, below_tomb = false;

	if (out_of_budget(c)) {
		stop_at(c, LEVEL_KEYS, key, false);
		return BTR_SCRUB_STOP;
	}
	c->progress++;
	c->key = key;
	c->out->keys++;
	if (off == UMEM_OFF_NULL)
		found(c, "a key's entry points at no version");
	while (off != UMEM_OFF_NULL) {
		struct vos_ver_df *ver;

		if (vos_ver_at(c->pool, off, &ver) != VOS_OK) {
			problem(c);
			break;
		}
		c->out->versions++;
		c->out->bytes += sizeof(*ver) + ver->len;
		if (!alloc_sound(c, off, sizeof(*ver) + ver->len, "version record"))
			break;
		if (vos_ver_verify(ver, off) != VOS_OK)
			problem(c);
		if ((ver->flags & ~(uint16_t)VOS_VER_TOMBSTONE) != 0 ||
		    ((ver->flags & VOS_VER_TOMBSTONE) && ver->len != 0))
			found(c, "the version at pool offset %llu has flags 0x%x and %u bytes",
			      (unsigned long long)off, ver->flags, ver->len);
		if (first && ver->epoch != e->epoch)
			found(c, "the key's entry carries epoch %llu but its newest version is at "
			      "epoch %llu", (unsigned long long)e->epoch,
			      (unsigned long long)ver->epoch);
		if (!first && ver->epoch >= prev_epoch) {
			/* Also what stops a chain that loops. */
			found(c, "the version at pool offset %llu (epoch %llu) follows one at epoch "
			      "%llu: versions must go from newest to oldest",
			      (unsigned long long)off, (unsigned long long)ver->epoch,
			      (unsigned long long)prev_epoch);
			break;
		}
		if (ver->epoch < floor) {
			below++;
			below_tomb = (ver->flags & VOS_VER_TOMBSTONE) != 0;
		}
		prev_epoch = ver->epoch;
		first = false;
		off = ver->next;
	}
	if (below > 1 || below_tomb)
		found(c, "the key holds %llu versions below the container's aggregation floor %llu "
		      "(at most one, and no tombstone): aggregation would skip it",
		      (unsigned long long)below, (unsigned long long)floor);
	c->key = NULL;
	return VOS_OK;
}

/* ------------------------------------------------------------------------------------------
 * Objects
 */

static int visit_obj(void *arg, struct btr_ent *e, const struct btr_key *key)
{
	struct scrub_ctx *c = arg;
	bool inside = resumes_inside(c, LEVEL_OBJS, key);
	struct vos_obj_df *obj;
	struct btr_tree keys;
	uint64_t newest;
	int rc;

	if (!inside && out_of_budget(c)) {
		stop_at(c, LEVEL_OBJS, key, false);
		return BTR_SCRUB_STOP;
	}
	if (!inside)
		c->progress++;
	c->oid = key->inl;
	c->in_obj = true;
	if (!inside)
		c->pos->level[LEVEL_KEYS].active = 0;
	c->out->bytes += sizeof(*obj);
	if (vos_obj_at(c->pool, e->val, &obj) != VOS_OK) {
		problem(c);
		goto out;
	}
	if (!inside)
		c->out->objects++;
	if (!alloc_sound(c, e->val, sizeof(*obj), "object record"))
		goto out;
	if (obj->oid != key->inl)
		found(c, "the object index maps object %llu to the record of object %llu at pool "
		      "offset %llu", (unsigned long long)key->inl, (unsigned long long)obj->oid,
		      (unsigned long long)e->val);
	newest = obj->create_epoch;
	if (obj->punch_epoch != VOS_EPOCH_MAX) {
		if (obj->punch_epoch < obj->create_epoch)
			found(c, "the object was punched at epoch %llu, before its creation at "
			      "epoch %llu", (unsigned long long)obj->punch_epoch,
			      (unsigned long long)obj->create_epoch);
		if (obj->punch_epoch < c->cont->agg_floor)
			found(c, "the object was punched at epoch %llu, below the container's "
			      "aggregation floor %llu, and is still there",
			      (unsigned long long)obj->punch_epoch,
			      (unsigned long long)c->cont->agg_floor);
		if (obj->punch_epoch > newest)
			newest = obj->punch_epoch;
	}
	if (e->epoch < newest)
		found(c, "the object index entry carries epoch %llu, below the object's own epoch "
		      "%llu", (unsigned long long)e->epoch, (unsigned long long)newest);
	rc = vos_obj_keys(c->pool, obj, &keys);
	if (rc == VOS_OK)
		rc = level_walk(c, LEVEL_KEYS, &keys, visit_key);
	if (rc == VOS_ERR_CORRUPT) {
		problem(c);
		goto out;
	}
	if (rc == BTR_SCRUB_STOP) {
		stop_at(c, LEVEL_OBJS, key, true);
		c->in_obj = false;
		return BTR_SCRUB_STOP;
	}
	if (rc != VOS_OK)
		return rc;
	check_count(c, LEVEL_KEYS, &keys, "the key tree");
	if (level_whole(c, LEVEL_KEYS) && e->epoch < c->pos->level[LEVEL_KEYS].max_epoch)
		found(c, "the object index entry carries epoch %llu, below its newest key's epoch "
		      "%llu: discard from a later epoch would skip the object",
		      (unsigned long long)e->epoch,
		      (unsigned long long)c->pos->level[LEVEL_KEYS].max_epoch);
out:
	c->pos->level[LEVEL_KEYS].active = 0;
	c->in_obj = false;
	return VOS_OK;
}

/* ------------------------------------------------------------------------------------------
 * Containers
 */

static int visit_cont(void *arg, struct btr_ent *e, const struct btr_key *key)
{
	struct scrub_ctx *c = arg;
	bool inside = key->len == 16 && resumes_inside(c, LEVEL_CONTS, key);
	struct vos_cont_df *cont;
	struct btr_tree objs;
	int rc;

	if (!inside && out_of_budget(c)) {
		stop_at(c, LEVEL_CONTS, key, false);
		return BTR_SCRUB_STOP;
	}
	if (!inside) {
		c->progress++;
		c->pos->level[LEVEL_OBJS].active = 0;
	}
	if (key->len != 16) {
		found(c, "the container table holds a key of %u bytes, not a 16-byte UUID",
		      key->len);
		return VOS_OK;
	}
	c->out->bytes += sizeof(*cont);
	if (vos_cont_at(c->pool, e->val, &cont) != VOS_OK) {
		problem(c);
		return VOS_OK;
	}
	c->cont = cont;
	if (!inside)
		c->out->containers++;
	if (!alloc_sound(c, e->val, sizeof(*cont), "container record"))
		goto out;
	if (memcmp(cont->uuid, key->bytes, 16) != 0)
		found(c, "the container table maps another UUID to this container's record at "
		      "pool offset %llu", (unsigned long long)e->val);
	if ((cont->agg_flags & ~(uint16_t)(VOS_AGG_RUNNING | VOS_AGG_TAINTED)) != 0)
		found(c, "the container's aggregation flags are 0x%x", cont->agg_flags);
	rc = vos_cont_objs(c->pool, cont, &objs);
	if (rc == VOS_OK)
		rc = level_walk(c, LEVEL_OBJS, &objs, visit_obj);
	if (rc == VOS_ERR_CORRUPT) {
		problem(c);
		goto out;
	}
	if (rc == BTR_SCRUB_STOP) {
		stop_at(c, LEVEL_CONTS, key, true);
		c->cont = NULL;
		return BTR_SCRUB_STOP;
	}
	if (rc != VOS_OK)
		return rc;
	check_count(c, LEVEL_OBJS, &objs, "the object index");
out:
	c->pos->level[LEVEL_OBJS].active = 0;
	c->cont = NULL;
	return VOS_OK;
}

/* ------------------------------------------------------------------------------------------
 * The pass
 */

static int phase_root(struct scrub_ctx *c)
{
	c->out->bytes += sizeof(struct vos_root_df);
	if (vos_root_check(c->pool) != VOS_OK) {
		/* Nothing below the root can be reached safely. */
		problem(c);
		c->pos->phase = PHASE_HEAP;
		return VOS_OK;
	}
	if (c->pool->root->layout_version != VOS_LAYOUT_VERSION)
		found(c, "the root says layout %u, this library writes layout %u",
		      c->pool->root->layout_version, VOS_LAYOUT_VERSION);
	c->pos->phase = PHASE_CONTS;
	c->pos->level[LEVEL_CONTS].active = 0;
	return VOS_OK;
}

static int phase_conts(struct scrub_ctx *c)
{
	struct btr_tree conts;
	int rc = vos_root_conts(c->pool, &conts);

	if (rc == VOS_OK)
		rc = level_walk(c, LEVEL_CONTS, &conts, visit_cont);
	if (rc == BTR_SCRUB_STOP)
		return VOS_OK;
	if (rc == VOS_ERR_CORRUPT)
		problem(c);
	else if (rc != VOS_OK)
		return rc;
	else
		check_count(c, LEVEL_CONTS, &conts, "the container table");
	c->pos->level[LEVEL_CONTS].active = 0;
	c->pos->phase = PHASE_HEAP;
	return VOS_OK;
}

static int phase_heap(struct scrub_ctx *c)
{
	struct umem_scrub *h = &c->pos->heap;
	uint64_t blocks = h->blocks, bytes = h->bytes;
	uint64_t left = spent(c) < c->budget ? c->budget - spent(c) : 1;
	int rc = umem_scrub(c->pool->um, h, left, problem, c);

	c->out->blocks += h->blocks - blocks;
	c->out->bytes += h->bytes - bytes;
	if (rc != VOS_OK)
		return rc;
	if (h->done)
		c->pos->phase = PHASE_DONE;
	return VOS_OK;
}

static int slice(struct scrub_ctx *c)
{
	int rc = VOS_OK;

	while (rc == VOS_OK && !c->stopping && c->pos->phase != PHASE_DONE) {
		switch (c->pos->phase) {
		case PHASE_ROOT:
			rc = phase_root(c);
			break;
		case PHASE_CONTS:
			rc = phase_conts(c);
			if (rc == VOS_OK && c->pos->phase == PHASE_CONTS)
				c->stopping = true; /* stopped for the budget */
			break;
		case PHASE_HEAP:
			rc = phase_heap(c);
			if (rc == VOS_OK && c->pos->phase == PHASE_HEAP)
				c->stopping = true;
			break;
		default:
			return vos_fail(VOS_ERR_INVAL, "the scrub's position is not one this library "
					"wrote: zero the vos_scrub_t to start a pass");
		}
	}
	if (c->pos->phase == PHASE_DONE)
		c->out->done = 1;
	return rc;
}

VOS_EXPORT int vos_scrub_slice(vos_pool_t *pool, vos_scrub_t *scrub, uint64_t budget_bytes)
{
	struct scrub_pos *pos;
	struct scrub_ctx c;
	int rc;

	vos_clear_message();
	rc = vos_pool_check(pool);
	if (rc != VOS_OK)
		return rc;
	if (scrub == NULL)
		return vos_fail(VOS_ERR_INVAL, "scrub is NULL");
	pos = (struct scrub_pos *)(void *)scrub->position;
	if (pos->magic == 0) {
		memset(pos, 0, sizeof(*pos));
		pos->magic = SCRUB_POS_MAGIC;
		pos->phase = PHASE_ROOT;
	} else if (pos->magic != SCRUB_POS_MAGIC || pos->phase < PHASE_ROOT ||
		   pos->phase > PHASE_DONE || scrub->messages > VOS_SCRUB_PROBLEMS_MAX) {
		return vos_fail(VOS_ERR_INVAL, "the vos_scrub_t is not one this library filled: "
				"zero it to start a pass");
	}
	if (scrub->done)
		return VOS_OK;
	memset(&c, 0, sizeof(c));
	c.pool = pool;
	c.out = scrub;
	c.pos = pos;
	c.budget = budget_bytes != 0 ? budget_bytes : VOS_SCRUB_SLICE_BYTES_DEFAULT;
	c.bytes_at_start = scrub->bytes;
	rc = vos_pool_rdlock(pool);
	if (rc != VOS_OK)
		return rc;
	rc = slice(&c);
	vos_pool_unlock(pool);
	scrub->slices++;
	if (rc == VOS_OK)
		vos_clear_message();
	return rc;
}

static double seconds_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleeps until the bytes done since start take at least their share of the rate. */
static void pace(double start, uint64_t bytes, uint64_t bytes_per_sec)
{
	double due = start + (double)bytes / (double)bytes_per_sec;
	double wait = due - seconds_now();
	struct timespec ts;

	if (wait <= 0)
		return;
	ts.tv_sec = (time_t)wait;
	ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

VOS_EXPORT int vos_pool_scrub(vos_pool_t *pool, const vos_scrub_opts_t *opts, vos_scrub_t *scrub)
{
	static const vos_scrub_opts_t defaults = { 0 };
	uint64_t bytes0;
	double start;
	int rc;

	vos_clear_message();
	if (opts == NULL)
		opts = &defaults;
	if (opts->reserved[0] != 0 || opts->reserved[1] != 0)
		return vos_fail(VOS_ERR_INVAL, "vos_scrub_opts_t.reserved must be 0");
	if (scrub == NULL)
		return vos_fail(VOS_ERR_INVAL, "scrub is NULL");
	bytes0 = scrub->bytes;
	start = seconds_now();
	while (!scrub->done) {
		rc = vos_scrub_slice(pool, scrub, opts->slice_bytes);
		if (rc != VOS_OK)
			return rc;
		if (opts->bytes_per_sec != 0 && !scrub->done)
			pace(start, scrub->bytes - bytes0, opts->bytes_per_sec);
	}
	if (scrub->problems > 0)
		return vos_fail(VOS_ERR_CORRUPT, "the scrub found %llu problem%s; the first: %s",
				(unsigned long long)scrub->problems, scrub->problems == 1 ? "" : "s",
				scrub->message[0]);
	return VOS_OK;
}
