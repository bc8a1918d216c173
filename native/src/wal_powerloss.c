/*
 * wal_powerloss.c: the power cut of a pool's files, for tests (see wal_powerloss.h).
 *
 * Files are known by device and inode (a name moves by rename). For each file the layer keeps
 * the records of its changes since its last sync, in order, each with the file's size before
 * and after and the bytes it replaced:
 *
 *   WRITE(off, len)    a pwrite; the bytes of [off, off+len) that were below the old size
 *   SIZE               ftruncate, O_TRUNC or a growing fallocate; a shrink keeps the bytes cut
 *
 * and for the process one list of name changes since their directory's last fsync: CREATE(to),
 * RENAME(from, to), and BARRIER for the ones it cannot undo (an unlink, a rename over a name).
 *
 * A restore works on the file as the cut left it (every change applied) and undoes the records
 * from the newest to the oldest, giving the file as it was at its last sync. Each 512-byte
 * sector is to end as it was at one moment since then: at the sync, or right after a change
 * that touched it and was kept. Before the record of that moment is undone, the sector is read;
 * once all are undone the file is cut to its chosen size and the sectors read are written back.
 * A sector thus never shows bytes it did not hold at one moment, and a size shows the file as
 * of one moment; sectors beyond the old size come back as zeros, as after a crash that kept a
 * file's new size but not its data.
 *
 * One lock serializes every operation of the layer with the system call it wraps: tests only.
 */
#include "wal_powerloss.h"

#include "error.h"
#include "wal_io.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECTOR_BYTES 512u   /* what a device writes whole, or not at all */
#define FDS_MAX      65536  /* descriptors above are not recorded (the system's) */

enum rec_kind {
	REC_WRITE = 1,
	REC_SIZE,
};

struct rec {
	enum rec_kind kind;
	uint64_t off;         /* WRITE: the range written */
	uint64_t len;
	uint64_t size_before;
	uint64_t size_after;
	uint8_t *old;         /* WRITE: [off, min(off+len, size_before)); SIZE: the cut bytes */
};

struct pfile {
	dev_t        dev;
	ino_t        ino;
	char        *path;    /* its name now; NULL once unlinked */
	uint64_t     size;
	int          fds;     /* descriptors open on it */
	bool         cut;
	struct rec  *recs;
	size_t       n, cap;
	struct pfile *next;
};

enum name_kind {
	NAME_CREATE = 1,
	NAME_RENAME,
	NAME_BARRIER,
};

struct name_rec {
	enum name_kind kind;
	char *dir;
	char *from;           /* RENAME */
	char *to;             /* the name created, renamed to or removed */
};

/* A sector to write back, as it was right after change t (1-based; 0: at the last sync). */
struct sector {
	uint64_t no;
	size_t   t;
	uint8_t  bytes[SECTOR_BYTES];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct pfile *files;
static struct pfile *fd_file[FDS_MAX];
static char *fd_dir[FDS_MAX];
static struct name_rec *names;
static size_t n_names, cap_names;
static char **cuts;
static size_t n_cuts, cap_cuts;

static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* FNV-1a of a name. */
static uint64_t name_hash(const char *name)
{
	uint64_t h = 0xCBF29CE484222325ull;

	for (const unsigned char *c = (const unsigned char *)name; *c != '\0'; c++)
		h = (h ^ *c) * 0x100000001B3ull;
	return h;
}

static bool grow(void **p, size_t *cap, size_t n, size_t elem)
{
	void *q;

	if (n < *cap)
		return true;
	q = realloc(*p, (*cap == 0 ? 16 : *cap * 2) * elem);
	if (q == NULL)
		return false;
	*p = q;
	*cap = *cap == 0 ? 16 : *cap * 2;
	return true;
}

/* Whether path is the pool's image or one of its files (the image's name, a dot, more). */
static bool of_pool(const char *path, const char *pool)
{
	size_t len = strlen(pool);

	return path != NULL && strncmp(path, pool, len) == 0 && (path[len] == '\0' || path[len] == '.');
}

static bool is_cut(const char *path)
{
	for (size_t i = 0; i < n_cuts; i++)
		if (of_pool(path, cuts[i]))
			return true;
	return false;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

static void free_recs(struct pfile *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->recs[i].old);
	f->n = 0;
}

/* Forgets f when nothing of it is at risk and no descriptor refers to it. */
static void maybe_forget(struct pfile *f)
{
	struct pfile **p;

	if (f->fds > 0 || f->cut || (f->n > 0 && f->path != NULL))
		return;
	for (p = &files; *p != f; p = &(*p)->next)
		;
	*p = f->next;
	free_recs(f);
	free(f->recs);
	free(f->path);
	free(f);
}

static struct pfile *file_of(const struct stat *st)
{
	for (struct pfile *f = files; f != NULL; f = f->next)
		if (f->dev == st->st_dev && f->ino == st->st_ino)
			return f;
	return NULL;
}

static struct pfile *file_by_path(const char *path)
{
	for (struct pfile *f = files; f != NULL; f = f->next)
		if (f->path != NULL && strcmp(f->path, path) == 0)
			return f;
	return NULL;
}

/* A new record on f, its bytes replaced not yet read; NULL when out of memory. */
static struct rec *add_rec(struct pfile *f, enum rec_kind kind)
{
	struct rec *r;

	if (!grow((void **)&f->recs, &f->cap, f->n, sizeof(*f->recs)))
		return NULL;
	r = &f->recs[f->n];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->size_before = f->size;
	return r;
}

/* Reads [off, off+len) of fd into a new buffer; NULL with errno set on failure. */
static uint8_t *read_range(int fd, uint64_t off, uint64_t len)
{
	uint8_t *b = malloc(len > 0 ? len : 1);
	uint64_t got = 0;

	if (b == NULL)
		return NULL;
	while (got < len) {
		ssize_t n = pread(fd, b + got, len - got, (off_t)(off + got));

		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			free(b);
			return NULL;
		}
		got += (uint64_t)n;
	}
	return b;
}

static bool write_range(int fd, const uint8_t *b, uint64_t len, uint64_t off)
{
	uint64_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, b + done, len - done, (off_t)(off + done));

		if (n <= 0)
			return false;
		done += (uint64_t)n;
	}
	return true;
}

static void add_name(enum name_kind kind, const char *from, const char *to)
{
	struct name_rec *r;

	if (!grow((void **)&names, &cap_names, n_names, sizeof(*names)))
		abort(); /* a test's memory; nothing sensible to do without it */
	r = &names[n_names++];
	r->kind = kind;
	r->dir = dir_of(to);
	r->from = from != NULL ? strdup(from) : NULL;
	r->to = strdup(to);
	if (r->dir == NULL || r->to == NULL || (from != NULL && r->from == NULL))
		abort();
}

static void drop_name(size_t i)
{
	free(names[i].dir);
	free(names[i].from);
	free(names[i].to);
	memmove(&names[i], &names[i + 1], (n_names - i - 1) * sizeof(*names));
	n_names--;
}

static bool name_of_pool(const struct name_rec *r, const char *pool)
{
	return of_pool(r->to, pool) || of_pool(r->from, pool);
}

/* ------------------------------------------------------------------------------------------
 * The operations
 */

static int pl_open(const char *path, int flags, mode_t mode)
{
	struct stat st;
	struct pfile *f;
	bool existed;
	int fd, err;

	pthread_mutex_lock(&lock);
	if (is_cut(path)) {
		/* The disk is gone: what exists can still be read, nothing can be made. */
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			errno = EIO;
	} else if (flags & O_DIRECTORY) {
		fd = open(path, flags, mode);
		if (fd >= 0 && fd < FDS_MAX)
			fd_dir[fd] = strdup(path);
		pthread_mutex_unlock(&lock);
		return fd;
	} else {
		existed = stat(path, &st) == 0;
		fd = open(path, flags & ~O_TRUNC, mode);
		if (fd >= 0 && !existed)
			add_name(NAME_CREATE, NULL, path);
	}
	if (fd < 0 || fd >= FDS_MAX || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		goto out;
	f = file_of(&st);
	if (f != NULL && f->fds == 0 && !f->cut &&
	    (f->path == NULL || strcmp(f->path, path) != 0 || f->size != (uint64_t)st.st_size)) {
		/* A file closed with unsynced changes and then removed behind the layer's back
		 * (a test deleting its directory): its inode is another file's now. */
		free_recs(f);
		f->size = (uint64_t)st.st_size;
	}
	if (f == NULL) {
		f = calloc(1, sizeof(*f));
		if (f == NULL)
			abort();
		f->dev = st.st_dev;
		f->ino = st.st_ino;
		f->size = (uint64_t)st.st_size;
		f->cut = is_cut(path);
		f->next = files;
		files = f;
	}
	if (f->path == NULL || strcmp(f->path, path) != 0) {
		free(f->path);
		f->path = strdup(path);
	}
	f->fds++;
	fd_file[fd] = f;
	if ((flags & O_TRUNC) && !f->cut && f->size > 0) {
		struct rec *r = add_rec(f, REC_SIZE);

		if (r == NULL || (r->old = read_range(fd, 0, f->size)) == NULL ||
		    ftruncate(fd, 0) != 0) {
			err = errno;
			if (r != NULL)
				free(r->old);
			fd_file[fd] = NULL;
			f->fds--;
			close(fd);
			maybe_forget(f);
			errno = err;
			fd = -1;
			goto out;
		}
		r->size_after = 0;
		f->n++;
		f->size = 0;
	}
out:
	pthread_mutex_unlock(&lock);
	return fd;
}

static int pl_close(int fd)
{
	pthread_mutex_lock(&lock);
	if (fd >= 0 && fd < FDS_MAX) {
		struct pfile *f = fd_file[fd];

		if (f != NULL) {
			fd_file[fd] = NULL;
			f->fds--;
			maybe_forget(f);
		}
		free(fd_dir[fd]);
		fd_dir[fd] = NULL;
	}
	pthread_mutex_unlock(&lock);
	return close(fd);
}

static struct pfile *tracked(int fd)
{
	return fd >= 0 && fd < FDS_MAX ? fd_file[fd] : NULL;
}

static ssize_t pl_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	struct pfile *f;
	struct rec *r;
	uint64_t below;
	ssize_t n;
	int err;

	pthread_mutex_lock(&lock);
	f = tracked(fd);
	if (f == NULL || f->cut) {
		pthread_mutex_unlock(&lock);
		return f == NULL ? pwrite(fd, buf, len, off) : (ssize_t)len;
	}
	r = add_rec(f, REC_WRITE);
	below = (uint64_t)off < f->size ? f->size - (uint64_t)off : 0;
	if (below > len)
		below = len;
	if (r == NULL || (r->old = read_range(fd, (uint64_t)off, below)) == NULL) {
		pthread_mutex_unlock(&lock);
		return -1;
	}
	n = pwrite(fd, buf, len, off);
	if (n <= 0) {
		err = errno;
		free(r->old);
		pthread_mutex_unlock(&lock);
		errno = err;
		return n;
	}
	r->off = (uint64_t)off;
	r->len = (uint64_t)n;
	if ((uint64_t)off + (uint64_t)n > f->size)
		f->size = (uint64_t)off + (uint64_t)n;
	r->size_after = f->size;
	f->n++;
	pthread_mutex_unlock(&lock);
	return n;
}

static int sync_common(int fd, int (*sys)(int))
{
	struct pfile *f;
	int rc;

	pthread_mutex_lock(&lock);
	if (fd >= 0 && fd < FDS_MAX && fd_dir[fd] != NULL) {
		rc = sys(fd);
		if (rc == 0) {
			/* Every name in the directory is durable, but those of a cut pool: its
			 * disk is gone. */
			for (size_t i = n_names; i-- > 0;)
				if (strcmp(names[i].dir, fd_dir[fd]) == 0 && !is_cut(names[i].to) &&
				    !is_cut(names[i].from))
					drop_name(i);
		}
		pthread_mutex_unlock(&lock);
		return rc;
	}
	f = tracked(fd);
	if (f != NULL && f->cut) {
		pthread_mutex_unlock(&lock);
		return 0;
	}
	rc = sys(fd);
	if (rc == 0 && f != NULL)
		free_recs(f);
	pthread_mutex_unlock(&lock);
	return rc;
}

static int pl_fdatasync(int fd)
{
	return sync_common(fd, fdatasync);
}

static int pl_fsync(int fd)
{
	return sync_common(fd, fsync);
}

static int pl_fallocate(int fd, off_t len)
{
	struct pfile *f;
	struct rec *r;
	int rc;

	pthread_mutex_lock(&lock);
	f = tracked(fd);
	if (f != NULL && f->cut) {
		pthread_mutex_unlock(&lock);
		return 0;
	}
	rc = wal_io_posix.fallocate(fd, len);
	if (rc == 0 && f != NULL && (uint64_t)len > f->size) {
		r = add_rec(f, REC_SIZE);
		if (r == NULL)
			abort();
		r->size_after = (uint64_t)len;
		f->size = (uint64_t)len;
		f->n++;
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

static int pl_ftruncate(int fd, off_t len)
{
	struct pfile *f;
	struct rec *r = NULL;
	int rc, err;

	pthread_mutex_lock(&lock);
	f = tracked(fd);
	if (f != NULL && f->cut) {
		pthread_mutex_unlock(&lock);
		return 0;
	}
	if (f != NULL && (uint64_t)len != f->size) {
		r = add_rec(f, REC_SIZE);
		if (r == NULL || ((uint64_t)len < f->size &&
				  (r->old = read_range(fd, (uint64_t)len, f->size - (uint64_t)len)) == NULL)) {
			pthread_mutex_unlock(&lock);
			return -1;
		}
	}
	rc = ftruncate(fd, len);
	err = errno;
	if (r != NULL && rc == 0) {
		r->size_after = (uint64_t)len;
		f->size = (uint64_t)len;
		f->n++;
	} else if (r != NULL) {
		free(r->old);
	}
	pthread_mutex_unlock(&lock);
	errno = err;
	return rc;
}

static int pl_rename(const char *from, const char *to, unsigned int flags)
{
	struct stat st;
	struct pfile *f, *replaced;
	bool over;
	int rc, err;

	pthread_mutex_lock(&lock);
	if (is_cut(from) || is_cut(to)) {
		pthread_mutex_unlock(&lock);
		return 0;
	}
	over = stat(to, &st) == 0;
	rc = wal_io_posix.rename(from, to, flags);
	err = errno;
	if (rc == 0) {
		replaced = over ? file_by_path(to) : NULL;
		f = file_by_path(from);
		if (replaced != NULL && replaced != f) {
			free(replaced->path);
			replaced->path = NULL;
			free_recs(replaced);
			maybe_forget(replaced);
		}
		if (f != NULL) {
			free(f->path);
			f->path = strdup(to);
		}
		add_name(over ? NAME_BARRIER : NAME_RENAME, from, to);
	}
	pthread_mutex_unlock(&lock);
	errno = err;
	return rc;
}

static int pl_unlink(const char *path)
{
	struct pfile *f;
	int rc, err;

	pthread_mutex_lock(&lock);
	if (is_cut(path)) {
		pthread_mutex_unlock(&lock);
		return 0;
	}
	rc = unlink(path);
	err = errno;
	if (rc == 0) {
		f = file_by_path(path);
		if (f != NULL) {
			free(f->path);
			f->path = NULL;
			free_recs(f);
			maybe_forget(f);
		}
		add_name(NAME_BARRIER, NULL, path);
	}
	pthread_mutex_unlock(&lock);
	errno = err;
	return rc;
}

static const struct wal_io powerloss_io = {
	.open      = pl_open,
	.close     = pl_close,
	.pwrite    = pl_pwrite,
	.fdatasync = pl_fdatasync,
	.fsync     = pl_fsync,
	.fallocate = pl_fallocate,
	.ftruncate = pl_ftruncate,
	.rename    = pl_rename,
	.unlink    = pl_unlink,
};

/* ------------------------------------------------------------------------------------------
 * The power cut
 */

VOS_EXPORT int vos_test_powerloss_install(void)
{
	__atomic_store_n(&wal_io, &powerloss_io, __ATOMIC_RELEASE);
	return 0;
}

VOS_EXPORT int vos_test_powerloss_cut(const char *pool_path)
{
	int n = 0;

	pthread_mutex_lock(&lock);
	if (wal_io != &powerloss_io || is_cut(pool_path)) {
		pthread_mutex_unlock(&lock);
		errno = wal_io != &powerloss_io ? ENXIO : EALREADY;
		return -1;
	}
	if (!grow((void **)&cuts, &cap_cuts, n_cuts, sizeof(*cuts)) ||
	    (cuts[n_cuts] = strdup(pool_path)) == NULL) {
		pthread_mutex_unlock(&lock);
		errno = ENOMEM;
		return -1;
	}
	n_cuts++;
	for (struct pfile *f = files; f != NULL; f = f->next)
		if (of_pool(f->path, pool_path)) {
			f->cut = true;
			n++;
		}
	pthread_mutex_unlock(&lock);
	return n;
}

static int by_sector_then_newest(const void *a, const void *b)
{
	const struct sector *x = a, *y = b;

	if (x->no != y->no)
		return x->no < y->no ? -1 : 1;
	return x->t > y->t ? -1 : x->t < y->t ? 1 : 0;
}

static int by_newest(const void *a, const void *b)
{
	const struct sector *x = a, *y = b;

	return x->t > y->t ? -1 : x->t < y->t ? 1 : 0;
}

static bool add_sectors(struct sector **s, size_t *n, size_t *cap, uint64_t from, uint64_t to, size_t t)
{
	for (uint64_t no = from; no < to; no++) {
		if (!grow((void **)s, cap, *n, sizeof(**s)))
			return false;
		(*s)[*n].no = no;
		(*s)[*n].t = t;
		(*n)++;
	}
	return true;
}

/* Rebuilds f as the cut could have left it; 1 if it lost something, 0 if not, -1 on error. */
static int restore_file(struct pfile *f, uint64_t *rnd)
{
	enum { KEEP_ALL, DROP_ALL, MIXED } mode;
	struct sector *s = NULL;
	size_t n_s = 0, cap_s = 0, kept_size, u = 0;
	uint64_t size;
	bool lost;
	int fd, rc = -1;

	if (f->n == 0 || f->path == NULL)
		return 0;
	mode = (int)(next_random(rnd) % 4);
	if (mode > MIXED)
		mode = MIXED;
	if (mode == KEEP_ALL)
		return 0;
	kept_size = mode == DROP_ALL ? 0 : (size_t)(next_random(rnd) % (f->n + 1));
	lost = kept_size != f->n;
	/* The sectors each change kept leaves: a write's (or a prefix of them: torn), a kept
	 * shrink's (beyond the new end). */
	for (size_t i = 0; i < f->n; i++) {
		const struct rec *r = &f->recs[i];

		if (r->kind == REC_WRITE && r->len == 0) {
			continue;
		} else if (r->kind == REC_WRITE && mode == MIXED) {
			uint64_t first = r->off / SECTOR_BYTES;
			uint64_t end = (r->off + r->len + SECTOR_BYTES - 1) / SECTOR_BYTES;
			uint64_t pick = next_random(rnd) % 3;

			if (pick == 1) {
				end = first; /* dropped */
			} else if (pick == 2) {
				end = first + next_random(rnd) % (end - first); /* torn */
			}
			if (end != (r->off + r->len + SECTOR_BYTES - 1) / SECTOR_BYTES)
				lost = true;
			if (!add_sectors(&s, &n_s, &cap_s, first, end, i + 1))
				goto out;
		} else if (r->kind == REC_WRITE) {
			lost = true;
		} else if (r->size_after < r->size_before && i < kept_size) {
			if (!add_sectors(&s, &n_s, &cap_s, r->size_after / SECTOR_BYTES,
					 (r->size_before + SECTOR_BYTES - 1) / SECTOR_BYTES, i + 1))
				goto out;
		}
	}
	if (!lost) {
		free(s);
		return 0;
	}
	/* Each sector as of its newest kept change. */
	if (n_s > 0) {
		qsort(s, n_s, sizeof(*s), by_sector_then_newest);
		for (size_t i = 0; i < n_s; i++)
			if (u == 0 || s[u - 1].no != s[i].no)
				s[u++] = s[i];
		n_s = u;
		qsort(s, n_s, sizeof(*s), by_newest);
	}
	fd = open(f->path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		goto out;
	size = f->size;
	u = 0;
	for (size_t i = f->n; i > 0; i--) {
		const struct rec *r = &f->recs[i - 1];

		for (; u < n_s && s[u].t == i; u++) {
			uint64_t at = s[u].no * SECTOR_BYTES;
			uint64_t len = at < size ? size - at : 0;
			uint8_t *b;

			memset(s[u].bytes, 0, SECTOR_BYTES);
			if (len > SECTOR_BYTES)
				len = SECTOR_BYTES;
			if (len > 0) {
				if ((b = read_range(fd, at, len)) == NULL)
					goto close;
				memcpy(s[u].bytes, b, len);
				free(b);
			}
		}
		if (r->kind == REC_WRITE) {
			uint64_t below = r->off < r->size_before ? r->size_before - r->off : 0;

			if (below > r->len)
				below = r->len;
			if (!write_range(fd, r->old, below, r->off) ||
			    (r->size_before < r->off + r->len && ftruncate(fd, (off_t)r->size_before) != 0))
				goto close;
		} else if (ftruncate(fd, (off_t)r->size_before) != 0 ||
			   (r->size_after < r->size_before &&
			    !write_range(fd, r->old, r->size_before - r->size_after, r->size_after))) {
			goto close;
		}
		size = r->size_before;
	}
	size = kept_size == 0 ? f->recs[0].size_before : f->recs[kept_size - 1].size_after;
	if (ftruncate(fd, (off_t)size) != 0)
		goto close;
	for (u = 0; u < n_s; u++) {
		uint64_t at = s[u].no * SECTOR_BYTES;
		uint64_t len = at < size ? size - at : 0;

		if (len > SECTOR_BYTES)
			len = SECTOR_BYTES;
		if (len > 0 && !write_range(fd, s[u].bytes, len, at))
			goto close;
	}
	if (fdatasync(fd) != 0)
		goto close;
	f->size = size;
	rc = 1;
close:
	if (close(fd) != 0)
		rc = -1;
out:
	free(s);
	return rc;
}

/* Undoes a suffix of the pool's name changes since their directory's last fsync, after the
 * last that cannot be undone; 1 if it undid any. */
static int restore_names(const char *pool, uint64_t *rnd)
{
	size_t *mine = NULL, n = 0, from = 0, keep;
	int rc = 0;

	if (n_names > 0 && (mine = malloc(n_names * sizeof(*mine))) == NULL)
		return -1;
	for (size_t i = 0; i < n_names; i++)
		if (name_of_pool(&names[i], pool)) {
			if (names[i].kind == NAME_BARRIER)
				from = n + 1;
			mine[n++] = i;
		}
	keep = n == 0 ? 0 : from + (size_t)(next_random(rnd) % (n - from + 1));
	for (size_t j = n; j > keep; j--) {
		struct name_rec *r = &names[mine[j - 1]];
		struct pfile *f = file_by_path(r->to);

		if (r->kind == NAME_CREATE) {
			if (unlink(r->to) != 0 && errno != ENOENT) {
				rc = -1;
				break;
			}
			if (f != NULL) {
				free(f->path);
				f->path = NULL;
			}
		} else {
			if (rename(r->to, r->from) != 0) {
				rc = -1;
				break;
			}
			if (f != NULL) {
				free(f->path);
				f->path = strdup(r->from);
			}
		}
		rc = 1;
	}
	for (size_t j = n; j > 0; j--)
		drop_name(mine[j - 1]);
	free(mine);
	return rc;
}

VOS_EXPORT int vos_test_powerloss_restore(const char *pool_path, uint64_t seed)
{
	uint64_t rnd = seed;
	size_t c;
	int lost = 0, rc = 0;

	pthread_mutex_lock(&lock);
	for (c = 0; c < n_cuts && strcmp(cuts[c], pool_path) != 0; c++)
		;
	if (c == n_cuts) {
		pthread_mutex_unlock(&lock);
		errno = EINVAL;
		return -1;
	}
	/* Data first, on the names as the cut left them; then the names. Each file draws from
	 * the seed and its name in its directory, so that its fate depends neither on the order
	 * the files were opened in (a background thread's files among them) nor on where the
	 * test keeps them. */
	for (struct pfile *f = files; f != NULL && rc >= 0; f = f->next)
		if (f->cut && of_pool(f->path, pool_path)) {
			const char *base = strrchr(f->path, '/');
			uint64_t file_rnd = seed ^ name_hash(base != NULL ? base + 1 : f->path);

			rc = restore_file(f, &file_rnd);
			lost += rc > 0;
		}
	if (rc >= 0) {
		rc = restore_names(pool_path, &rnd);
		lost += rc > 0;
	}
	free(cuts[c]);
	cuts[c] = cuts[--n_cuts];
	for (struct pfile *f = files, *next; f != NULL; f = next) {
		next = f->next;
		if (f->cut && (f->path == NULL || of_pool(f->path, pool_path))) {
			f->cut = false;
			free_recs(f);
			maybe_forget(f);
		}
	}
	pthread_mutex_unlock(&lock);
	return rc < 0 ? -1 : lost;
}
