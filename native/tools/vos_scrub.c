/*
 * vos_scrub: checks every structure of a pool file and says what it found.
 *
 *   vos_scrub [--rate BYTES_PER_SEC] [--slice BYTES] [--quiet] POOL
 *
 * Opens the pool (of either backend; a WAL pool's log is replayed, and its image checkpointed
 * when it is closed), runs one scrub pass over it (vos_pool_scrub: every checksum and every
 * invariant, see vos.h), prints what it checked and every problem it kept, and closes it. The
 * pool must not be open in another process.
 *
 * Exit status: 0 the pool is sound; 1 it is damaged (problems found, or the pool could not be
 * opened because a header is damaged); 2 it could not be scrubbed (wrong arguments, no such
 * file, not a pool, another layout, in use, out of memory).
 */
#include "vostok/vos.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EXIT_SOUND   0
#define EXIT_DAMAGED 1
#define EXIT_UNABLE  2

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vos_scrub [--rate BYTES_PER_SEC] [--slice BYTES] [--quiet] POOL\n"
		"  checks every checksum and structure of the Vostok pool POOL\n"
		"  --rate N    checksum at most N bytes a second (default: no limit)\n"
		"  --slice N   hold the pool's lock for about N bytes at a time (default %u)\n"
		"  --quiet     print only problems and the verdict\n"
		"exit status: 0 sound, 1 damaged, 2 could not scrub\n",
		VOS_SCRUB_SLICE_BYTES_DEFAULT);
}

static int parse_bytes(const char *arg, const char *name, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || arg[0] == '-') {
		fprintf(stderr, "vos_scrub: %s takes a number of bytes, not \"%s\"\n", name, arg);
		return -1;
	}
	*out = v;
	return 0;
}

static double seconds_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	vos_scrub_opts_t opts;
	vos_pool_info_t info;
	vos_scrub_t *scrub;
	vos_pool_t *pool;
	const char *path = NULL;
	bool quiet = false;
	double start;
	int rc;

	memset(&opts, 0, sizeof(opts));
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return EXIT_SOUND;
		} else if (strcmp(argv[i], "--quiet") == 0) {
			quiet = true;
		} else if (strcmp(argv[i], "--rate") == 0 || strcmp(argv[i], "--slice") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "vos_scrub: %s needs a value\n", argv[i]);
				return EXIT_UNABLE;
			}
			if (parse_bytes(argv[i + 1], argv[i], strcmp(argv[i], "--rate") == 0
							      ? &opts.bytes_per_sec
							      : &opts.slice_bytes) != 0)
				return EXIT_UNABLE;
			i++;
		} else if (argv[i][0] == '-' || path != NULL) {
			usage(stderr);
			return EXIT_UNABLE;
		} else {
			path = argv[i];
		}
	}
	if (path == NULL) {
		usage(stderr);
		return EXIT_UNABLE;
	}
	rc = vos_pool_open(path, &pool);
	if (rc != VOS_OK) {
		fprintf(stderr, "vos_scrub: cannot open %s: %s: %s\n", path, vos_strerror(rc),
			vos_last_message());
		if (rc == VOS_ERR_CORRUPT) {
			printf("vos_scrub: %s: DAMAGED: it cannot be opened\n", path);
			return EXIT_DAMAGED;
		}
		return EXIT_UNABLE;
	}
	scrub = calloc(1, sizeof(*scrub));
	if (scrub == NULL) {
		fprintf(stderr, "vos_scrub: out of memory\n");
		vos_pool_close(pool);
		return EXIT_UNABLE;
	}
	if (!quiet && vos_pool_query(pool, &info) == VOS_OK)
		printf("vos_scrub: %s: %s backend, layout %u, %u containers, %llu of %llu bytes "
		       "free\n", path, info.backend == VOS_BACKEND_WAL ? "WAL" : "PMDK",
		       info.layout_version, info.containers, (unsigned long long)info.free_bytes,
		       (unsigned long long)info.total_bytes);
	start = seconds_now();
	rc = vos_pool_scrub(pool, &opts, scrub);
	if (rc != VOS_OK && rc != VOS_ERR_CORRUPT) {
		fprintf(stderr, "vos_scrub: the scrub of %s stopped: %s: %s\n", path,
			vos_strerror(rc), vos_last_message());
		vos_pool_close(pool);
		free(scrub);
		return EXIT_UNABLE;
	}
	if (!quiet)
		printf("checked %llu containers, %llu objects, %llu keys, %llu versions, %llu index "
		       "nodes, %llu allocator blocks; %llu bytes checksummed in %.3f s, %llu "
		       "slices\n", (unsigned long long)scrub->containers,
		       (unsigned long long)scrub->objects, (unsigned long long)scrub->keys,
		       (unsigned long long)scrub->versions, (unsigned long long)scrub->nodes,
		       (unsigned long long)scrub->blocks, (unsigned long long)scrub->bytes,
		       seconds_now() - start, (unsigned long long)scrub->slices);
	for (uint32_t i = 0; i < scrub->messages; i++)
		printf("problem %u: %s\n", i + 1, scrub->message[i]);
	if (scrub->problems > scrub->messages)
		printf("... and %llu more problems\n",
		       (unsigned long long)(scrub->problems - scrub->messages));
	rc = vos_pool_close(pool);
	if (rc != VOS_OK)
		fprintf(stderr, "vos_scrub: closing %s: %s: %s\n", path, vos_strerror(rc),
			vos_last_message());
	if (scrub->problems > 0) {
		printf("vos_scrub: %s: DAMAGED: %llu problem%s\n", path,
		       (unsigned long long)scrub->problems, scrub->problems == 1 ? "" : "s");
		free(scrub);
		return EXIT_DAMAGED;
	}
	printf("vos_scrub: %s: SOUND\n", path);
	free(scrub);
	return EXIT_SOUND;
}
