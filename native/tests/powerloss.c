/*
 * powerloss.c: the recorder of the WAL backend's file operations and the crash states it
 * leads to (see powerloss.h).
 *
 * Files are known by inode numbers of the record's own (a name can move by rename, and a name
 * can come back as another file). An operation is one of:
 *
 *   CREATE(name, ino)   a name for a new, empty file          } the directory's: durable at the
 *   RENAME(name, name2) name2 now names what name named       } directory's next fsync, and
 *   UNLINK(name)        the name is gone                      } in order before that
 *   WRITE(ino, off, bytes), SIZE(ino, len) (ftruncate, or O_TRUNC), EXTEND(ino, len)
 *                       (fallocate: at least len)              durable at the file's next sync
 *   SYNC(ino), DIRSYNC  fdatasync or fsync of a file; fsync of the directory
 *
 * A crash state is built as real files in a work directory: each file's durable operations in
 * order, then the chosen unsynced ones (some, torn or not, in some order), then the names:
 * the durable ones and a prefix of the unsynced ones.
 */
#include "powerloss.h"

#include "check.h"
#include "wal_io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECTOR_BYTES 512u   /* what a device writes whole, or not at all */
#define FDS_MAX      65536
#define FD_DIR       (-1)   /* fd_ino: the traced directory */
#define COPY_CHUNK   (1u << 20)

enum op_kind {
	OP_CREATE = 1,
	OP_RENAME,
	OP_UNLINK,
	OP_WRITE,
	OP_SIZE,
	OP_EXTEND,
	OP_SYNC,
	OP_DIRSYNC,
};

struct op {
	enum op_kind kind;
	uint32_t     ino;
	char        *name;
	char        *name2;
	uint64_t     off;
	uint64_t     len;
	uint8_t     *data;
};

struct name_ent {
	char    *name;
	uint32_t ino;
};

struct names {
	struct name_ent *e;
	size_t n, cap;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char traced[PATH_MAX];
static char base[PATH_MAX];
static bool recording;
static struct op *ops;
static size_t n_ops, cap_ops;
static struct names live, base_names;
static int32_t fd_ino[FDS_MAX];
static uint32_t next_ino;

/* out = a/b */
static void path_join(char *out, size_t len, const char *a, const char *b)
{
	int n = snprintf(out, len, "%s/%s", a, b);

	CHECK(n > 0 && (size_t)n < len);
}

/* ------------------------------------------------------------------------------------------
 * Names
 */

static struct name_ent *names_find(struct names *ns, const char *name)
{
	for (size_t i = 0; i < ns->n; i++)
		if (strcmp(ns->e[i].name, name) == 0)
			return &ns->e[i];
	return NULL;
}

static void names_set(struct names *ns, const char *name, uint32_t ino)
{
	struct name_ent *e = names_find(ns, name);

	if (e != NULL) {
		e->ino = ino;
		return;
	}
	if (ns->n == ns->cap) {
		ns->cap = ns->cap == 0 ? 16 : ns->cap * 2;
		ns->e = realloc(ns->e, ns->cap * sizeof(*ns->e));
		CHECK(ns->e != NULL);
	}
	ns->e[ns->n].name = strdup(name);
	CHECK(ns->e[ns->n].name != NULL);
	ns->e[ns->n].ino = ino;
	ns->n++;
}

static void names_del(struct names *ns, const char *name)
{
	struct name_ent *e = names_find(ns, name);

	if (e == NULL)
		return;
	free(e->name);
	*e = ns->e[--ns->n];
}

static void names_copy(struct names *to, const struct names *from)
{
	for (size_t i = 0; i < to->n; i++)
		free(to->e[i].name);
	to->n = 0;
	for (size_t i = 0; i < from->n; i++)
		names_set(to, from->e[i].name, from->e[i].ino);
}

static void names_free(struct names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->e[i].name);
	free(ns->e);
	memset(ns, 0, sizeof(*ns));
}

/* The name of path inside the traced directory, or NULL if it is not in it. */
static const char *traced_name(const char *path)
{
	size_t len = strlen(traced);

	if (strncmp(path, traced, len) != 0 || path[len] != '/' || strchr(path + len + 1, '/'))
		return NULL;
	return path + len + 1;
}

/* ------------------------------------------------------------------------------------------
 * The record
 */

static struct op *record(enum op_kind kind)
{
	struct op *o;

	if (n_ops == cap_ops) {
		cap_ops = cap_ops == 0 ? 1024 : cap_ops * 2;
		ops = realloc(ops, cap_ops * sizeof(*ops));
		CHECK(ops != NULL);
	}
	o = &ops[n_ops++];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	return o;
}

static char *dup_name(const char *name)
{
	char *s = strdup(name);

	CHECK(s != NULL);
	return s;
}

static int rec_open(const char *path, int flags, mode_t mode)
{
	const char *name;
	bool existed;
	int fd;

	pthread_mutex_lock(&lock);
	fd = open(path, flags, mode);
	if (fd < 0 || !recording || fd >= FDS_MAX)
		goto out;
	fd_ino[fd] = 0;
	if (strcmp(path, traced) == 0) {
		fd_ino[fd] = FD_DIR;
		goto out;
	}
	name = traced_name(path);
	if (name == NULL)
		goto out;
	existed = names_find(&live, name) != NULL;
	if (!existed) {
		struct op *o;

		/* Only O_CREAT makes a name; the live names mirror the directory. */
		CHECK(flags & O_CREAT);
		o = record(OP_CREATE);
		o->ino = ++next_ino;
		o->name = dup_name(name);
		names_set(&live, name, o->ino);
	} else if (flags & O_TRUNC) {
		struct op *o = record(OP_SIZE);

		o->ino = names_find(&live, name)->ino;
		o->len = 0;
	}
	fd_ino[fd] = (int32_t)names_find(&live, name)->ino;
out:
	pthread_mutex_unlock(&lock);
	return fd;
}

static int rec_close(int fd)
{
	pthread_mutex_lock(&lock);
	if (fd >= 0 && fd < FDS_MAX)
		fd_ino[fd] = 0;
	pthread_mutex_unlock(&lock);
	return close(fd);
}

static ssize_t rec_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	ssize_t n;

	pthread_mutex_lock(&lock);
	n = pwrite(fd, buf, len, off);
	if (n > 0 && recording && fd < FDS_MAX && fd_ino[fd] > 0) {
		struct op *o = record(OP_WRITE);

		o->ino = (uint32_t)fd_ino[fd];
		o->off = (uint64_t)off;
		o->len = (uint64_t)n;
		o->data = malloc((size_t)n);
		CHECK(o->data != NULL);
		memcpy(o->data, buf, (size_t)n);
	}
	pthread_mutex_unlock(&lock);
	return n;
}

/* The record decides what is durable: the sync itself is not done. */
static int rec_sync(int fd)
{
	pthread_mutex_lock(&lock);
	if (recording && fd >= 0 && fd < FDS_MAX && fd_ino[fd] != 0) {
		struct op *o = record(fd_ino[fd] == FD_DIR ? OP_DIRSYNC : OP_SYNC);

		if (fd_ino[fd] > 0)
			o->ino = (uint32_t)fd_ino[fd];
	}
	pthread_mutex_unlock(&lock);
	return 0;
}

static int rec_size(int fd, off_t len, enum op_kind kind)
{
	int rc;

	pthread_mutex_lock(&lock);
	rc = kind == OP_EXTEND ? fallocate(fd, 0, 0, len) : ftruncate(fd, len);
	if (rc == 0 && recording && fd < FDS_MAX && fd_ino[fd] > 0) {
		struct op *o = record(kind);

		o->ino = (uint32_t)fd_ino[fd];
		o->len = (uint64_t)len;
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

static int rec_fallocate(int fd, off_t len)
{
	return rec_size(fd, len, OP_EXTEND);
}

static int rec_ftruncate(int fd, off_t len)
{
	return rec_size(fd, len, OP_SIZE);
}

static int system_rename(const char *from, const char *to, unsigned int flags)
{
	return renameat2(AT_FDCWD, from, AT_FDCWD, to, flags);
}

static int rec_rename(const char *from, const char *to, unsigned int flags)
{
	int rc;

	pthread_mutex_lock(&lock);
	rc = system_rename(from, to, flags);
	if (rc == 0 && recording && traced_name(from) != NULL && traced_name(to) != NULL) {
		struct op *o = record(OP_RENAME);
		struct name_ent *e = names_find(&live, traced_name(from));

		CHECK(e != NULL);
		o->name = dup_name(traced_name(from));
		o->name2 = dup_name(traced_name(to));
		names_set(&live, o->name2, e->ino);
		names_del(&live, o->name);
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

static int rec_unlink(const char *path)
{
	int rc;

	pthread_mutex_lock(&lock);
	rc = unlink(path);
	if (rc == 0 && recording && traced_name(path) != NULL) {
		struct op *o = record(OP_UNLINK);

		o->name = dup_name(traced_name(path));
		names_del(&live, o->name);
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

static const struct wal_io recorder = {
	.open      = rec_open,
	.close     = rec_close,
	.pwrite    = rec_pwrite,
	.fdatasync = rec_sync,
	.fsync     = rec_sync,
	.fallocate = rec_fallocate,
	.ftruncate = rec_ftruncate,
	.rename    = rec_rename,
	.unlink    = rec_unlink,
};

static int nosync(int fd)
{
	(void)fd;
	return 0;
}

static int system_open(const char *path, int flags, mode_t mode)
{
	return open(path, flags, mode);
}

static int system_fallocate(int fd, off_t len)
{
	return fallocate(fd, 0, 0, len);
}

/* The system's operations without syncs: for the checks of crash states. */
static const struct wal_io unsynced = {
	.open      = system_open,
	.close     = close,
	.pwrite    = pwrite,
	.fdatasync = nosync,
	.fsync     = nosync,
	.fallocate = system_fallocate,
	.ftruncate = ftruncate,
	.rename    = system_rename,
	.unlink    = unlink,
};

/* ------------------------------------------------------------------------------------------
 * Files
 */

/* Copies from into a new file to, leaving holes where from has them. */
static void copy_sparse(const char *from, const char *to)
{
	static uint8_t buf[COPY_CHUNK];
	int in = open(from, O_RDONLY), out;
	struct stat st;
	off_t at = 0;

	CHECK(in >= 0 && fstat(in, &st) == 0);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(out >= 0 && ftruncate(out, st.st_size) == 0);
	while (at < st.st_size) {
		off_t data = lseek(in, at, SEEK_DATA), hole;

		if (data < 0)
			break;
		hole = lseek(in, data, SEEK_HOLE);
		CHECK(hole > data);
		for (off_t p = data; p < hole;) {
			size_t n = hole - p < (off_t)sizeof(buf) ? (size_t)(hole - p) : sizeof(buf);
			ssize_t got = pread(in, buf, n, p);

			CHECK(got > 0 && pwrite(out, buf, (size_t)got, p) == got);
			p += got;
		}
		at = hole;
	}
	close(in);
	close(out);
}

static void remove_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[PATH_MAX];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		path_join(p, sizeof(p), dir, e->d_name);
		CHECK(unlink(p) == 0);
	}
	closedir(d);
}

void pl_start(const char *dir)
{
	DIR *d;
	struct dirent *e;

	pl_reset();
	CHECK(strlen(dir) < sizeof(traced) - 16);
	snprintf(traced, sizeof(traced), "%s", dir);
	CHECK((size_t)snprintf(base, sizeof(base), "%s.base", dir) < sizeof(base));
	if (mkdir(base, 0700) != 0)
		CHECK(errno == EEXIST);
	remove_files(base);
	d = opendir(dir);
	CHECK(d != NULL);
	while ((e = readdir(d)) != NULL) {
		char from[PATH_MAX], to[PATH_MAX];

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		path_join(from, sizeof(from), dir, e->d_name);
		path_join(to, sizeof(to), base, e->d_name);
		copy_sparse(from, to);
		names_set(&base_names, e->d_name, ++next_ino);
	}
	closedir(d);
	names_copy(&live, &base_names);
	memset(fd_ino, 0, sizeof(fd_ino));
	recording = true;
	wal_io = &recorder;
}

void pl_stop(void)
{
	pthread_mutex_lock(&lock);
	recording = false;
	pthread_mutex_unlock(&lock);
	wal_io = &unsynced;
}

uint64_t pl_now(void)
{
	uint64_t n;

	pthread_mutex_lock(&lock);
	n = n_ops;
	pthread_mutex_unlock(&lock);
	return n;
}

void pl_reset(void)
{
	for (size_t i = 0; i < n_ops; i++) {
		free(ops[i].name);
		free(ops[i].name2);
		free(ops[i].data);
	}
	free(ops);
	ops = NULL;
	n_ops = cap_ops = 0;
	names_free(&live);
	names_free(&base_names);
	next_ino = 0;
}

/* ------------------------------------------------------------------------------------------
 * Crash states
 */

enum tear {
	TEAR_NONE,
	TEAR_FIRST_HALF,   /* the sectors of the first half reached the disk */
	TEAR_SECOND_HALF,  /* those of the second half */
	TEAR_FIRST_SECTOR, /* the first sector only */
	TEAR_RANDOM,       /* a random set of its sectors */
};

struct pick {
	size_t   op;       /* index into ops */
	enum tear tear;
	uint64_t seed;     /* TEAR_RANDOM */
};

/* One crash state: the crash before ops[at]; k of the unsynced name operations; the unsynced
 * data operations in picks, in the order given. */
struct variant {
	size_t       at;
	size_t       k;
	struct pick *picks;
	size_t       n;
};

/* What was durable and what was not at one crash point. */
struct point {
	size_t  at;
	size_t *ns_durable, n_ns_durable;
	size_t *ns_unsynced, n_ns_unsynced;
	bool   *durable;      /* per op: a data operation a sync made durable */
	size_t *unsynced, n_unsynced; /* data operations not yet synced, in order */
};

static bool is_name_op(enum op_kind k)
{
	return k == OP_CREATE || k == OP_RENAME || k == OP_UNLINK;
}

static bool is_data_op(enum op_kind k)
{
	return k == OP_WRITE || k == OP_SIZE || k == OP_EXTEND;
}

static void point_build(struct point *pt, size_t at)
{
	size_t last_dirsync = SIZE_MAX;
	size_t *last_sync = calloc(next_ino + 1, sizeof(size_t));

	CHECK(last_sync != NULL);
	memset(pt, 0, sizeof(*pt));
	pt->at = at;
	pt->durable = calloc(at + 1, sizeof(bool));
	pt->ns_durable = calloc(at + 1, sizeof(size_t));
	pt->ns_unsynced = calloc(at + 1, sizeof(size_t));
	pt->unsynced = calloc(at + 1, sizeof(size_t));
	CHECK(pt->durable && pt->ns_durable && pt->ns_unsynced && pt->unsynced);
	for (size_t i = 0; i <= next_ino; i++)
		last_sync[i] = SIZE_MAX;
	for (size_t i = 0; i < at; i++) {
		if (ops[i].kind == OP_DIRSYNC)
			last_dirsync = i;
		else if (ops[i].kind == OP_SYNC)
			last_sync[ops[i].ino] = i;
	}
	for (size_t i = 0; i < at; i++) {
		const struct op *o = &ops[i];

		if (is_name_op(o->kind)) {
			if (last_dirsync != SIZE_MAX && i < last_dirsync)
				pt->ns_durable[pt->n_ns_durable++] = i;
			else
				pt->ns_unsynced[pt->n_ns_unsynced++] = i;
		} else if (is_data_op(o->kind)) {
			if (last_sync[o->ino] != SIZE_MAX && i < last_sync[o->ino])
				pt->durable[i] = true;
			else
				pt->unsynced[pt->n_unsynced++] = i;
		}
	}
	free(last_sync);
}

static void point_free(struct point *pt)
{
	free(pt->durable);
	free(pt->ns_durable);
	free(pt->ns_unsynced);
	free(pt->unsynced);
}

/* Writes the sectors of op's bytes that tear keeps. */
static void apply_write(int fd, const struct op *o, enum tear tear, uint64_t seed)
{
	uint64_t first = o->off / SECTOR_BYTES, last = (o->off + o->len - 1) / SECTOR_BYTES;
	uint64_t n = last - first + 1;

	for (uint64_t s = first; s <= last; s++) {
		uint64_t from = s * SECTOR_BYTES < o->off ? o->off : s * SECTOR_BYTES;
		uint64_t to = (s + 1) * SECTOR_BYTES > o->off + o->len ? o->off + o->len
								 : (s + 1) * SECTOR_BYTES;
		bool keep;

		switch (tear) {
		case TEAR_FIRST_HALF:
			keep = s - first < (n + 1) / 2;
			break;
		case TEAR_SECOND_HALF:
			keep = s - first >= (n + 1) / 2;
			break;
		case TEAR_FIRST_SECTOR:
			keep = s == first;
			break;
		case TEAR_RANDOM:
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			keep = (seed >> 33) & 1;
			break;
		default:
			keep = true;
			break;
		}
		if (keep)
			CHECK(pwrite(fd, o->data + (from - o->off), to - from, (off_t)from) ==
			      (ssize_t)(to - from));
	}
}

static void apply_data(int fd, const struct op *o, enum tear tear, uint64_t seed)
{
	struct stat st;

	switch (o->kind) {
	case OP_WRITE:
		apply_write(fd, o, tear, seed);
		break;
	case OP_SIZE:
		CHECK(ftruncate(fd, (off_t)o->len) == 0);
		break;
	case OP_EXTEND:
		CHECK(fstat(fd, &st) == 0);
		if ((uint64_t)st.st_size < o->len)
			CHECK(ftruncate(fd, (off_t)o->len) == 0);
		break;
	default:
		CHECK(!"a data operation");
	}
}

static const char *base_name_of(uint32_t ino)
{
	for (size_t i = 0; i < base_names.n; i++)
		if (base_names.e[i].ino == ino)
			return base_names.e[i].name;
	return NULL;
}

/* Builds the crash state v of point pt as files in dir. */
static void materialize(const struct point *pt, const struct variant *v, const char *dir)
{
	struct names ns = { 0 };
	char p[PATH_MAX];

	names_copy(&ns, &base_names);
	for (size_t j = 0; j < pt->n_ns_durable + v->k; j++) {
		const struct op *o = &ops[j < pt->n_ns_durable ? pt->ns_durable[j]
							     : pt->ns_unsynced[j - pt->n_ns_durable]];

		if (o->kind == OP_CREATE) {
			names_set(&ns, o->name, o->ino);
		} else if (o->kind == OP_RENAME) {
			struct name_ent *e = names_find(&ns, o->name);

			/* A rename whose source name did not survive renames nothing. */
			if (e != NULL) {
				uint32_t ino = e->ino;

				names_del(&ns, o->name);
				names_set(&ns, o->name2, ino);
			}
		} else {
			names_del(&ns, o->name);
		}
	}
	for (size_t i = 0; i < ns.n; i++) {
		uint32_t ino = ns.e[i].ino;
		const char *from = base_name_of(ino);
		int fd;

		path_join(p, sizeof(p), dir, ns.e[i].name);
		if (from != NULL) {
			char bp[PATH_MAX];

			path_join(bp, sizeof(bp), base, from);
			copy_sparse(bp, p);
		}
		fd = open(p, O_RDWR | O_CREAT, 0600);
		CHECK(fd >= 0);
		for (size_t j = 0; j < pt->at; j++)
			if (pt->durable[j] && ops[j].ino == ino)
				apply_data(fd, &ops[j], TEAR_NONE, 0);
		for (size_t j = 0; j < v->n; j++)
			if (ops[v->picks[j].op].ino == ino)
				apply_data(fd, &ops[v->picks[j].op], v->picks[j].tear, v->picks[j].seed);
		close(fd);
	}
	names_free(&ns);
}

/* Signatures of the states built, so a state reached by two variants is checked once. */
struct seen_set {
	uint64_t *h;
	size_t n, cap;
};

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

static bool seen_add(struct seen_set *s, const struct variant *v)
{
	uint64_t h = mix(mix(0, v->at), v->k);

	for (size_t i = 0; i < v->n; i++)
		h = mix(mix(mix(h, v->picks[i].op), v->picks[i].tear), v->picks[i].seed);
	h = mix(h, v->n);
	for (size_t i = 0; i < s->n; i++)
		if (s->h[i] == h)
			return false;
	if (s->n == s->cap) {
		s->cap = s->cap == 0 ? 256 : s->cap * 2;
		s->h = realloc(s->h, s->cap * sizeof(*s->h));
		CHECK(s->h != NULL);
	}
	s->h[s->n++] = h;
	return true;
}

struct explore {
	const char       *work;
	pl_check_fn       check;
	void             *arg;
	struct pl_counts *counts;
	struct seen_set   seen;
};

static void describe(const struct point *pt, const struct variant *v, char *out, size_t len)
{
	size_t used = 0;
	int n;

	n = snprintf(out, len, "%zu of %zu unsynced name changes; %zu of %zu unsynced data "
		     "operations:", v->k, pt->n_ns_unsynced, v->n, pt->n_unsynced);
	used = n > 0 ? (size_t)n : 0;
	for (size_t i = 0; i < v->n && used + 32 < len; i++) {
		n = snprintf(out + used, len - used, " %zu%s", v->picks[i].op,
			     v->picks[i].tear == TEAR_NONE ? "" : "(torn)");
		used += n > 0 ? (size_t)n : 0;
	}
}

void pl_print(uint64_t from, uint64_t to)
{
	static const char *kinds[] = { "?", "CREATE", "RENAME", "UNLINK", "WRITE", "SIZE",
				       "EXTEND", "SYNC", "DIRSYNC" };

	for (uint64_t i = from; i < to && i < n_ops; i++) {
		const struct op *o = &ops[i];

		fprintf(stderr, "  op %llu: %s ino %u %s%s%s off %llu len %llu\n",
			(unsigned long long)i, kinds[o->kind], o->ino, o->name ? o->name : "",
			o->name2 ? " -> " : "", o->name2 ? o->name2 : "", (unsigned long long)o->off,
			(unsigned long long)o->len);
	}
}

static void try_variant(struct explore *x, const struct point *pt, const struct variant *v)
{
	static char how[4096];
	struct pl_state st = { .dir = x->work, .at = pt->at, .index = x->counts->states,
			       .how = how };

	if (!seen_add(&x->seen, v))
		return;
	describe(pt, v, how, sizeof(how));
	remove_files(x->work);
	materialize(pt, v, x->work);
	x->check(&st, x->arg);
	x->counts->states++;
}

/* All unsynced data operations, whole, in order, the first n of them. */
static void picks_prefix(const struct point *pt, struct variant *v, size_t n)
{
	v->n = 0;
	for (size_t j = 0; j < n; j++)
		v->picks[v->n++] = (struct pick){ .op = pt->unsynced[j] };
}

static void explore_point(struct explore *x, const struct point *pt, const struct pl_limits *lim)
{
	size_t u = pt->n_unsynced;
	struct variant v = { .at = pt->at };

	v.picks = calloc(u + 1, sizeof(*v.picks));
	CHECK(v.picks != NULL);
	if (u > x->counts->unsynced_max)
		x->counts->unsynced_max = u;
	/* Nothing unsynced survives; everything does; each prefix of the names. */
	for (size_t k = 0; k <= pt->n_ns_unsynced; k++) {
		v.k = k;
		picks_prefix(pt, &v, 0);
		try_variant(x, pt, &v);
		picks_prefix(pt, &v, u);
		try_variant(x, pt, &v);
	}
	v.k = pt->n_ns_unsynced;
	/* Prefixes of the data operations: the disk wrote them in order and stopped. */
	for (size_t i = 0; i < lim->prefixes_max && u > 1; i++) {
		size_t m = 1 + (u - 1) * i / lim->prefixes_max;

		picks_prefix(pt, &v, m);
		try_variant(x, pt, &v);
	}
	/* Each one dropped, the rest written. */
	for (size_t i = 0; i < lim->drops_max && u > 1; i++) {
		size_t drop = u * i / lim->drops_max;

		v.n = 0;
		for (size_t j = 0; j < u; j++)
			if (j != drop)
				v.picks[v.n++] = (struct pick){ .op = pt->unsynced[j] };
		try_variant(x, pt, &v);
	}
	/* The last write torn, in each way, the rest written. */
	for (int tear = TEAR_FIRST_HALF; tear <= TEAR_RANDOM && u > 0; tear++) {
		picks_prefix(pt, &v, u);
		for (size_t j = v.n; j-- > 0;)
			if (ops[v.picks[j].op].kind == OP_WRITE) {
				v.picks[j].tear = (enum tear)tear;
				v.picks[j].seed = test_rand();
				break;
			}
		try_variant(x, pt, &v);
	}
	/* Random mixes: any subset, in any order, some torn. */
	for (uint32_t r = 0; r < lim->randoms && u > 0; r++) {
		v.k = test_rand_below(pt->n_ns_unsynced + 1);
		v.n = 0;
		for (size_t j = 0; j < u; j++)
			if (test_rand_below(2) == 0)
				v.picks[v.n++] = (struct pick){
					.op = pt->unsynced[j],
					.tear = test_rand_below(6) == 0 ? TEAR_RANDOM : TEAR_NONE,
					.seed = test_rand(),
				};
		for (size_t j = v.n; j > 1; j--) {
			size_t o = test_rand_below(j);
			struct pick t = v.picks[j - 1];

			v.picks[j - 1] = v.picks[o];
			v.picks[o] = t;
		}
		try_variant(x, pt, &v);
	}
	free(v.picks);
}

void pl_explore(const char *work_dir, const struct pl_limits *limits, pl_check_fn check,
		void *arg, struct pl_counts *counts)
{
	struct explore x = { .work = work_dir, .check = check, .arg = arg, .counts = counts };

	CHECK(!recording);
	memset(counts, 0, sizeof(*counts));
	counts->ops = n_ops;
	if (mkdir(work_dir, 0700) != 0)
		CHECK(errno == EEXIST);
	for (size_t at = 0; at <= n_ops; at++) {
		struct point pt;

		if (at < n_ops && ops[at].kind != OP_SYNC && ops[at].kind != OP_DIRSYNC)
			continue;
		point_build(&pt, at);
		explore_point(&x, &pt, limits);
		point_free(&pt);
		counts->sync_points++;
	}
	remove_files(work_dir);
	free(x.seen.h);
}
