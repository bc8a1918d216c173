/*
 * damage.h: finds the live persistent structures in the file of a closed pool, so a test can
 * damage one field of one of them and see what the library makes of it.
 *
 * A structure is live when its checksum, seeded with its pool offset, matches where it lies:
 * stale copies (in PMDK's undo logs, or in freed memory) sit at other offsets and do not pass.
 * Pool offsets are file offsets on the PMDK backend and file offsets less the image header on
 * the WAL backend.
 */
#ifndef VOSTOK_DAMAGE_H
#define VOSTOK_DAMAGE_H

#include <stddef.h>
#include <stdint.h>

enum damage_kind {
	DAMAGE_NODE = 1,  /* a B+-tree node */
	DAMAGE_CONT,      /* a container record */
	DAMAGE_OBJ,       /* an object record */
	DAMAGE_VER,       /* a version record */
	DAMAGE_KEY_BLOCK, /* the block of a lexical key longer than 8 bytes */
	DAMAGE_ROOT,      /* the pool's root record */
};

/* Which tree a node belongs to, told from its entries. */
enum damage_tree {
	DAMAGE_TREE_CONTS = 1, /* the container table: 16-byte lexical keys */
	DAMAGE_TREE_OBJS,      /* an object index: integer keys, the object ids */
	DAMAGE_TREE_KEYS_INT,  /* an object's integer key tree */
	DAMAGE_TREE_KEYS_LEX,  /* an object's lexical key tree */
};

struct damage_site {
	enum damage_kind kind;
	uint64_t file_off;
	uint64_t pool_off;
	uint32_t level;     /* nodes */
	uint32_t count;     /* nodes: entries */
	enum damage_tree tree; /* nodes */
	uint64_t oid;       /* objects */
	uint64_t epoch;     /* versions */
};

struct damage_map {
	struct damage_site *sites;
	size_t n;
};

/* Lists the live structures of the closed pool at path (of the test's backend). Object ids
 * tell integer from lexical key trees: the caller names its lexical objects. */
void damage_scan(const char *path, struct damage_map *map);
void damage_free(struct damage_map *map);

/* The first site of kind (and, for nodes, of tree and level; -1: any level) after skip others
 * of the same sort; NULL if there are not that many. */
const struct damage_site *damage_find(const struct damage_map *map, enum damage_kind kind,
				      enum damage_tree tree, int level, size_t skip);

/* The site whose pool offset is pool_off; NULL if none. */
const struct damage_site *damage_at(const struct damage_map *map, uint64_t pool_off);

/* The pool offset of the file's byte file_off, and back. */
uint64_t damage_pool_off(uint64_t file_off);
uint64_t damage_file_off(uint64_t pool_off);

/* XORs mask into the byte at file_off of path. */
void damage_xor(const char *path, uint64_t file_off, uint8_t mask);

/* Reads or writes len bytes at file_off of path. */
void damage_read(const char *path, uint64_t file_off, void *buf, size_t len);
void damage_write(const char *path, uint64_t file_off, const void *buf, size_t len);

/* Recomputes the checksums of the structure at site in the file, as its writer would have:
 * after an edit, the structure is sound to its checksums and wrong only in what it says. */
void damage_reseal(const char *path, const struct damage_site *site);

#endif /* VOSTOK_DAMAGE_H */
