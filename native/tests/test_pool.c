/*
 * test_pool: pool create, open, close, destroy and query, and every way a path or a file can be
 * wrong: a missing file or directory, a file that exists, a size below the minimum, a file
 * that is not a pool (empty, short, random bytes, a directory), a pool file of another
 * program, a pool of a newer layout, a pool of the older layout without checksums, a pool in
 * use by another process, a damaged header or root. Each gets its own code and a message, and
 * a file that is refused is left untouched.
 */
#include "check.h"

#include "crc32c.h"
#include "umem_wal.h"
#include "vos_internal.h"

#include <fcntl.h>
#include <libpmemobj.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define POOL_BYTES (32ull << 20)

/* A pool file of the test's backend with another layout name, holding nothing. */
static void make_pool_file(const char *path, const char *layout)
{
	if (test_backend() == VOS_BACKEND_WAL) {
		struct umem *um;

		CHECK_OK(umem_wal_create(path, layout, 16u << 20, 64, NULL, NULL, &um));
		umem_close(um);
	} else {
		PMEMobjpool *pop = pmemobj_create(path, layout, 16u << 20, 0600);

		CHECK(pop != NULL);
		pmemobj_close(pop);
	}
}

/* Changes the Vostok root of a closed pool through its backend, in a transaction. */
static void edit_root(const char *path, void (*edit)(struct vos_root_df *root, umem_off_t off))
{
	struct vos_root_df *root;
	struct umem *um;
	char layout[32];

	snprintf(layout, sizeof(layout), "%s%u", VOS_LAYOUT_PREFIX, VOS_LAYOUT_VERSION);
	CHECK_OK(umem_open(test_backend(), path, layout, sizeof(*root), &um));
	root = umem_ptr(um, um->root);
	CHECK(root->magic == VOS_ROOT_MAGIC);
	CHECK_OK(umem_tx_begin(um, 0));
	CHECK_OK(umem_tx_add(um, root, sizeof(*root)));
	edit(root, um->root);
	CHECK_OK(umem_tx_commit(um));
	umem_close(um);
}

static void root_newer(struct vos_root_df *root, umem_off_t off)
{
	root->layout_version = VOS_LAYOUT_VERSION + 1;
	root->csum = vos_record_csum(off, root, sizeof(*root), offsetof(struct vos_root_df, csum));
}

static void root_damaged(struct vos_root_df *root, umem_off_t off)
{
	(void)off;
	root->layout_version = VOS_LAYOUT_VERSION;
	root->created_sec ^= 1; /* checksum no longer matches */
}

/* The container table's anchor in the root, covered by the root's checksum since layout 2. */
static void root_table_damaged(struct vos_root_df *root, umem_off_t off)
{
	(void)off;
	root->conts.count ^= 4;
}

/* A digest of the whole file, to show a refused open did not write to it. */
static uint32_t file_digest(const char *path)
{
	static uint8_t buf[1 << 16];
	uint32_t c = 0;
	ssize_t got;
	int fd = open(path, O_RDONLY);

	CHECK(fd >= 0);
	while ((got = read(fd, buf, sizeof(buf))) > 0)
		c = crc32c(c, buf, (size_t)got);
	close(fd);
	return c;
}

static void write_file(const char *path, size_t len, uint64_t seed)
{
	uint8_t *buf = malloc(len + 1);
	FILE *f = fopen(path, "w");

	CHECK(buf != NULL && f != NULL);
	test_fill(buf, len, seed);
	CHECK(fwrite(buf, 1, len, f) == len);
	fclose(f);
	free(buf);
}

static void check_message_mentions(const char *word)
{
	if (strstr(vos_last_message(), word) == NULL) {
		fprintf(stderr, "message \"%s\" does not mention \"%s\"\n", vos_last_message(), word);
		CHECK(!"message names the problem");
	}
}

/* Opening must fail with want and leave the file's bytes as they were. */
static void check_refused(const char *path, int want)
{
	uint32_t before = file_digest(path);
	vos_pool_t *pool = NULL;

	CHECK_RC(vos_pool_open(path, &pool), want);
	CHECK(pool == NULL);
	CHECK(vos_last_message()[0] != '\0');
	CHECK(file_digest(path) == before);
}

static void test_lifecycle(void)
{
	const char *path = strdup(test_path("life.pool"));
	uint8_t uuid[16] = { 1, 2, 3 };
	vos_pool_info_t info;
	vos_pool_t *pool;
	vos_cont_h cont;
	uint8_t value[100], got[100];
	int32_t status;
	uint32_t len;

	CHECK_OK(test_pool_create(path, POOL_BYTES, &pool));
	CHECK_OK(vos_pool_query(pool, &info));
	CHECK(info.layout_version == VOS_LAYOUT_VERSION);
	CHECK(info.containers == 0);
	CHECK(info.backend == test_backend());
	/* The heap of a 32 MiB pool: most of it, all of it free but the root. */
	CHECK(info.total_bytes > POOL_BYTES / 2 && info.total_bytes < POOL_BYTES);
	CHECK(info.free_bytes == info.total_bytes);
	CHECK_OK(vos_cont_create(pool, uuid));
	CHECK_OK(vos_cont_open(pool, uuid, &cont));
	CHECK_OK(test_obj_create(pool, cont, 7, VOS_KEYS_INTEGER, 1));
	test_fill(value, sizeof(value), 1);
	CHECK_OK(test_put(pool, cont, 7, 5, 42, value, sizeof(value)));
	CHECK_OK(vos_pool_query(pool, &info));
	CHECK(info.containers == 1);
	CHECK(info.free_bytes < info.total_bytes);
	/* Closing the pool closes its container handles too. */
	CHECK_OK(vos_pool_close(pool));

	CHECK_OK(vos_pool_open(path, &pool));
	CHECK_OK(vos_cont_open(pool, uuid, &cont));
	CHECK_OK(test_get(pool, cont, 7, 5, 42, got, sizeof(got), &status, &len));
	CHECK(status == VOS_OK && len == sizeof(value) && memcmp(got, value, len) == 0);
	/* A second handle on an open pool, in this process: BUSY, and the first still works. */
	{
		vos_pool_t *again = NULL;

		CHECK_RC(vos_pool_open(path, &again), VOS_ERR_BUSY);
		CHECK(again == NULL);
		CHECK_RC(vos_pool_destroy(path), VOS_ERR_BUSY);
		CHECK_OK(test_get(pool, cont, 7, 5, 42, got, sizeof(got), &status, &len));
		CHECK(status == VOS_OK);
	}
	CHECK_OK(vos_pool_close(pool));
	CHECK_OK(vos_pool_destroy(path));
	CHECK(access(path, F_OK) != 0);
	CHECK_RC(vos_pool_destroy(path), VOS_ERR_NONEXIST);
	free((void *)path);
}

static void test_bad_paths(void)
{
	vos_pool_t *pool = NULL;
	char path[1024];

	snprintf(path, sizeof(path), "%s/no/such/dir/p.pool", test_dir());
	CHECK_RC(test_pool_create(path, POOL_BYTES, &pool), VOS_ERR_NONEXIST);
	check_message_mentions("directory");
	CHECK_RC(vos_pool_open(path, &pool), VOS_ERR_NONEXIST);
	check_message_mentions(path);
	CHECK_RC(vos_pool_open(test_path("missing.pool"), &pool), VOS_ERR_NONEXIST);
	CHECK_RC(vos_pool_open("", &pool), VOS_ERR_INVAL);
	CHECK_RC(vos_pool_open(NULL, &pool), VOS_ERR_INVAL);
	CHECK_RC(test_pool_create(test_path("small.pool"), VOS_POOL_BYTES_MIN - 1, &pool),
		 VOS_ERR_INVAL);
	check_message_mentions("minimum");
	CHECK(access(test_path("small.pool"), F_OK) != 0);
	CHECK(pool == NULL);

	/* An existing file is never overwritten. */
	write_file(test_path("exists"), 100, 1);
	{
		uint32_t before = file_digest(test_path("exists"));

		CHECK_RC(test_pool_create(test_path("exists"), POOL_BYTES, &pool), VOS_ERR_EXIST);
		CHECK(file_digest(test_path("exists")) == before);
	}
	/* A socket cannot even be opened: the operating system's refusal is IO, with its text. */
	{
		struct sockaddr_un addr = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		CHECK(fd >= 0);
		snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", test_path("socket"));
		CHECK(bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0);
		CHECK_RC(vos_pool_open(test_path("socket"), &pool), VOS_ERR_IO);
		check_message_mentions("cannot open");
		CHECK_RC(vos_pool_destroy(test_path("socket")), VOS_ERR_IO);
		close(fd);
	}
	/* A directory. */
	CHECK_RC(vos_pool_open(test_dir(), &pool), VOS_ERR_NOTPOOL);
	CHECK_RC(vos_pool_destroy(test_dir()), VOS_ERR_NOTPOOL);
	CHECK(access(test_dir(), F_OK) == 0);
}

static void test_not_pools(void)
{
	FILE *f;

	/* Empty, short and long files of other bytes. */
	f = fopen(test_path("empty"), "w");
	fclose(f);
	check_refused(test_path("empty"), VOS_ERR_NOTPOOL);
	write_file(test_path("short"), 5000, 2);
	check_refused(test_path("short"), VOS_ERR_NOTPOOL);
	write_file(test_path("random"), 20u << 20, 3);
	check_refused(test_path("random"), VOS_ERR_NOTPOOL);
	check_message_mentions("not a Vostok pool");
	/* Destroy refuses them too and leaves them in place. */
	CHECK_RC(vos_pool_destroy(test_path("random")), VOS_ERR_NOTPOOL);
	CHECK(access(test_path("random"), F_OK) == 0);
	CHECK_RC(vos_pool_destroy(test_path("empty")), VOS_ERR_NOTPOOL);

	/* A pool file (pmemobj's, or a WAL image) of another program. */
	{
		make_pool_file(test_path("other.pool"), "someone-else");
		check_refused(test_path("other.pool"), VOS_ERR_NOTPOOL);
		check_message_mentions("someone-else");
		CHECK_RC(vos_pool_destroy(test_path("other.pool")), VOS_ERR_NOTPOOL);
	}
	/* A pool of a newer Vostok layout: LAYOUT, untouched. */
	{
		char layout[32];

		snprintf(layout, sizeof(layout), "%s%u", VOS_LAYOUT_PREFIX, VOS_LAYOUT_VERSION + 1);
		make_pool_file(test_path("newer.pool"), layout);
		check_refused(test_path("newer.pool"), VOS_ERR_LAYOUT);
		check_message_mentions("newer");
		/* Destroying it is allowed: it is a Vostok pool. */
		CHECK_OK(vos_pool_destroy(test_path("newer.pool")));
	}
	/* A pool of layout 1, from before every record had a checksum: LAYOUT, untouched, and a
	 * message that says what to do. */
	{
		make_pool_file(test_path("older.pool"), "vostok-vos-1");
		check_refused(test_path("older.pool"), VOS_ERR_LAYOUT);
		check_message_mentions("older");
		check_message_mentions("catch up from its peers");
		CHECK_OK(vos_pool_destroy(test_path("older.pool")));
	}
}

/* The root says a newer layout (with a valid checksum): LAYOUT. Damaged root: CORRUPT. */
static void test_root(void)
{
	const char *path = strdup(test_path("root.pool"));
	vos_pool_t *pool;

	CHECK_OK(test_pool_create(path, POOL_BYTES, &pool));
	CHECK_OK(vos_pool_close(pool));

	edit_root(path, root_newer);
	CHECK_RC(vos_pool_open(path, &pool), VOS_ERR_LAYOUT);
	edit_root(path, root_damaged);
	CHECK_RC(vos_pool_open(path, &pool), VOS_ERR_CORRUPT);
	check_message_mentions("checksum");
	edit_root(path, root_table_damaged);
	CHECK_RC(vos_pool_open(path, &pool), VOS_ERR_CORRUPT);
	check_message_mentions("stored 0x");

	/* A damaged file header (pmemobj's, or the WAL image's identity; each has its own
	 * checksum): CORRUPT, not a crash. */
	CHECK_OK(vos_pool_destroy(path));
	CHECK_OK(test_pool_create(path, POOL_BYTES, &pool));
	CHECK_OK(vos_pool_close(pool));
	test_flip_byte(path, 100);
	CHECK_RC(vos_pool_open(path, &pool), VOS_ERR_CORRUPT);
	/* Truncated to a third: refused, no crash. */
	CHECK(truncate(path, POOL_BYTES / 3) == 0);
	{
		int rc = vos_pool_open(path, &pool);

		CHECK(rc == VOS_ERR_CORRUPT || rc == VOS_ERR_NOTPOOL);
	}
	free((void *)path);
}

/* A pool open in another process: BUSY for open and destroy, and nothing changes. */
static void test_busy(void)
{
	const char *path = strdup(test_path("busy.pool"));
	int to_child[2], to_parent[2];
	vos_pool_t *pool;
	char c;
	pid_t pid;
	int status;

	CHECK_OK(test_pool_create(path, POOL_BYTES, &pool));
	CHECK_OK(vos_pool_close(pool));
	CHECK(pipe(to_child) == 0 && pipe(to_parent) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		vos_pool_t *p;

		if (vos_pool_open(path, &p) != VOS_OK)
			_exit(2);
		if (write(to_parent[1], "o", 1) != 1 || read(to_child[0], &c, 1) != 1)
			_exit(3);
		vos_pool_close(p);
		_exit(0);
	}
	CHECK(read(to_parent[0], &c, 1) == 1);
	check_refused(path, VOS_ERR_BUSY);
	check_message_mentions("another process");
	CHECK_RC(vos_pool_destroy(path), VOS_ERR_BUSY);
	CHECK(access(path, F_OK) == 0);
	CHECK(write(to_child[1], "x", 1) == 1);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_OK(vos_pool_open(path, &pool));
	CHECK_OK(vos_pool_close(pool));
	CHECK_OK(vos_pool_destroy(path));
	free((void *)path);
}

static void test_api_misuse(void)
{
	vos_pool_info_t info;

	CHECK_RC(vos_pool_close(NULL), VOS_ERR_INVAL);
	CHECK_RC(vos_pool_query(NULL, &info), VOS_ERR_INVAL);
	CHECK(strcmp(vos_strerror(VOS_ERR_NOSPACE), "NOSPACE") == 0);
	CHECK(strcmp(vos_strerror(VOS_ERR_BUSY), "BUSY") == 0);
	CHECK(strcmp(vos_strerror(12345), "UNKNOWN") == 0);
	CHECK(vos_abi_version() == VOS_ABI_VERSION);
	/* A successful call clears the message. */
	CHECK(vos_strerror(VOS_OK) != NULL);
}

int main(void)
{
	test_init("pool", true);
	test_lifecycle();
	test_bad_paths();
	test_not_pools();
	test_root();
	test_busy();
	test_api_misuse();
	printf("test_pool: OK\n");
	return 0;
}
