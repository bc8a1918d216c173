/*
 * test_scrub: the scrubber, on sound pools and on pools damaged on purpose.
 *
 * Reads check only what they reach: an old version's value, a free block of the allocator,
 * an index entry's epoch a discard would trust, or an entry count went unchecked until a
 * discard or an aggregation went wrong on it. The scrubber checks everything:
 *
 *   sound        a pool of three containers (integer and lexical objects, old versions,
 *                tombstones, a punched object, an aggregated container, an empty one): one
 *                pass finds no problem and counts exactly what the pool holds
 *   slices       the same pass in slices of 1 byte, 4 KiB and 64 KiB counts the same; and
 *                with updates, inserts, discards, punches, aggregation slices and container
 *                creation and destruction between its slices, it still finds no problem
 *   damage       a bit flipped in a node, an old value, a long key, a record; and structures
 *                edited and resealed so that only their meaning is wrong (epochs above their
 *                parent's bound, keys out of order, a key's epoch not its newest version's, a
 *                version older than the one after it, an object index epoch below its keys, a
 *                record under the wrong key, a wrong count); on the WAL backend a free block's
 *                header and the heap's account: each reported, naming the structure, and the
 *                rest of the pool still checked; three damaged leaves give three problems
 *   tool         vos_scrub on a sound pool (exit 0), a damaged one (1), a pool whose root is
 *                damaged (1), a file that is not a pool (2)
 *   arguments    a vos_scrub_t that is not one the library filled, reserved options: INVAL
 */
#include "check.h"
#include "damage.h"

#include "umem_wal.h"
#include "vos_internal.h"
#include "wal_heap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define POOL_BYTES (64ull << 20)
#define INT_KEYS 3000u
#define LEX_KEYS 200u
#define LEX_KEY_BYTES 24u
#define PUNCHED_KEYS 10u
#define AGG_OBJS 4u
#define AGG_KEYS 50u
#define VALUE_BYTES 16u

/* What build() makes. */
#define TOTAL_CONTAINERS 3u
#define TOTAL_OBJECTS (3u + AGG_OBJS)
#define SECONDS ((INT_KEYS + 6) / 7)      /* integer keys with a version at epoch 3 */
#define TOMBS ((INT_KEYS + 10) / 11)      /* integer keys with a tombstone at epoch 4 */
#define TOTAL_KEYS (INT_KEYS + LEX_KEYS + PUNCHED_KEYS + AGG_OBJS * AGG_KEYS)
#define TOTAL_VERSIONS (INT_KEYS + SECONDS + TOMBS + LEX_KEYS + PUNCHED_KEYS + AGG_OBJS * AGG_KEYS)

static const uint8_t uuid1[16] = { 0x5c, 0x10 }, uuid2[16] = { 0x5c, 0x20 },
		     uuid3[16] = { 0x5c, 0x30 }, uuid4[16] = { 0x5c, 0x40 };
static const char *path;
static uint64_t node_count; /* index nodes of the pool build() made */

static void lex_key(uint64_t i, uint8_t out[LEX_KEY_BYTES + 1])
{
	snprintf((char *)out, LEX_KEY_BYTES + 1, "lex-key-%016llu", (unsigned long long)i);
}

static void put_many(vos_pool_t *pool, vos_cont_h cont, uint64_t oid, uint64_t first,
		     uint64_t count, uint64_t step, uint64_t epoch, bool tombstone)
{
	static vos_op_t ops[INT_KEYS];
	static uint8_t data[INT_KEYS * VALUE_BYTES];
	uint32_t n = 0;

	for (uint64_t k = first; k < first + count; k += step) {
		test_fill(data + n * VALUE_BYTES, VALUE_BYTES, oid * 7919u + k * 31u + epoch);
		ops[n] = test_op_update_int(cont, oid, epoch, k, n * VALUE_BYTES, VALUE_BYTES);
		if (tombstone)
			ops[n] = test_op(VOS_OP_PUNCH, cont, oid, epoch), ops[n].key_int = k;
		n++;
	}
	CHECK_OK(vos_tx_apply(pool, ops, n, data, sizeof(data), NULL));
}

static void build(void)
{
	static vos_op_t ops[LEX_KEYS];
	static uint8_t data[LEX_KEYS * (LEX_KEY_BYTES + 1 + VALUE_BYTES)];
	vos_agg_cursor_t *agg = calloc(1, sizeof(*agg));
	vos_pool_t *pool;
	vos_cont_h c1, c2;
	uint32_t done = 0;

	CHECK(agg != NULL);
	vos_pool_destroy(path);
	CHECK_OK(test_pool_create(path, POOL_BYTES, &pool));
	CHECK_OK(vos_cont_create(pool, uuid1));
	CHECK_OK(vos_cont_create(pool, uuid2));
	CHECK_OK(vos_cont_create(pool, uuid3));
	CHECK_OK(vos_cont_open(pool, uuid1, &c1));
	CHECK_OK(vos_cont_open(pool, uuid2, &c2));
	/* Container 1: integer keys with old versions and tombstones, lexical keys, a punched
	 * object. */
	CHECK_OK(test_obj_create(pool, c1, 1, VOS_KEYS_INTEGER, 1));
	CHECK_OK(test_obj_create(pool, c1, 2, VOS_KEYS_LEXICAL, 1));
	CHECK_OK(test_obj_create(pool, c1, 3, VOS_KEYS_INTEGER, 1));
	put_many(pool, c1, 1, 0, INT_KEYS, 1, 2, false);
	put_many(pool, c1, 1, 0, INT_KEYS, 7, 3, false);
	put_many(pool, c1, 1, 0, INT_KEYS, 11, 4, true);
	put_many(pool, c1, 3, 0, PUNCHED_KEYS, 1, 2, false);
	{
		vos_op_t punch = test_op(VOS_OP_OBJ_PUNCH, c1, 3, 5);
		uint8_t none = 0;

		CHECK_OK(vos_tx_apply(pool, &punch, 1, &none, 0, NULL));
	}
	for (uint64_t i = 0; i < LEX_KEYS; i++) {
		uint8_t *at = data + i * (LEX_KEY_BYTES + 1 + VALUE_BYTES);

		lex_key(i, at);
		test_fill(at + LEX_KEY_BYTES + 1, VALUE_BYTES, i);
		ops[i] = test_op(VOS_OP_UPDATE, c1, 2, 2);
		ops[i].key_off = (uint64_t)(at - data);
		ops[i].key_len = LEX_KEY_BYTES;
		ops[i].value_off = ops[i].key_off + LEX_KEY_BYTES + 1;
		ops[i].value_len = VALUE_BYTES;
	}
	CHECK_OK(vos_tx_apply(pool, ops, LEX_KEYS, data, sizeof(data), NULL));
	/* Container 2: two versions of every key, aggregated down to one (its floor raised). */
	for (uint64_t oid = 1; oid <= AGG_OBJS; oid++) {
		CHECK_OK(test_obj_create(pool, c2, oid, VOS_KEYS_INTEGER, 1));
		put_many(pool, c2, oid, 0, AGG_KEYS, 1, 2, false);
		put_many(pool, c2, oid, 0, AGG_KEYS, 1, 3, false);
	}
	while (!done)
		CHECK_OK(vos_aggregate(pool, c2, 3, agg, 64, &done));
	/* Container 3 stays empty. */
	CHECK_OK(vos_pool_close(pool));
	free(agg);
}

static vos_scrub_t *new_scrub(void)
{
	vos_scrub_t *s = calloc(1, sizeof(*s));

	CHECK(s != NULL);
	return s;
}

static void print_problems(const vos_scrub_t *s)
{
	for (uint32_t i = 0; i < s->messages; i++)
		printf("    problem %u: %s\n", i + 1, s->message[i]);
}

/* The pool exactly as build() made it, nothing wrong. */
static void expect_whole(const vos_scrub_t *s, bool sliced)
{
	if (s->problems != 0)
		print_problems(s);
	CHECK(s->done && s->problems == 0 && s->messages == 0);
	CHECK(s->containers == TOTAL_CONTAINERS);
	CHECK(s->objects == TOTAL_OBJECTS);
	CHECK(s->keys == TOTAL_KEYS);
	CHECK(s->versions == TOTAL_VERSIONS);
	/* A slice that resumes walks down to where it stopped again. */
	CHECK(sliced ? s->nodes >= node_count : s->nodes == node_count);
	CHECK(test_backend() == VOS_BACKEND_WAL ? s->blocks > TOTAL_VERSIONS : s->blocks == 0);
}

static void test_sound(void)
{
	struct damage_map map;
	vos_scrub_t *s = new_scrub();
	vos_pool_t *pool;

	build();
	damage_scan(path, &map);
	node_count = 0;
	for (size_t i = 0; i < map.n; i++)
		node_count += map.sites[i].kind == DAMAGE_NODE;
	damage_free(&map);
	CHECK_OK(vos_pool_open(path, &pool));
	/* One slice large enough for everything. */
	CHECK_OK(vos_scrub_slice(pool, s, UINT64_MAX));
	CHECK(s->slices == 1);
	expect_whole(s, false);
	printf("  sound: %llu containers, %llu objects, %llu keys, %llu versions, %llu nodes, "
	       "%llu blocks, %llu bytes in one slice\n", (unsigned long long)s->containers,
	       (unsigned long long)s->objects, (unsigned long long)s->keys,
	       (unsigned long long)s->versions, (unsigned long long)s->nodes,
	       (unsigned long long)s->blocks, (unsigned long long)s->bytes);
	/* A finished pass stays finished. */
	CHECK_OK(vos_scrub_slice(pool, s, 1));
	CHECK(s->slices == 1 && s->keys == TOTAL_KEYS);
	/* Slices of every size count the same. */
	for (uint64_t budget = 1; budget <= (64u << 10); budget *= 64) {
		memset(s, 0, sizeof(*s));
		while (!s->done)
			CHECK_OK(vos_scrub_slice(pool, s, budget));
		printf("  sound: slices of %llu bytes: %llu slices\n", (unsigned long long)budget,
		       (unsigned long long)s->slices);
		CHECK(budget > 1 || s->slices > TOTAL_KEYS);
		expect_whole(s, true);
	}
	/* A paced pass: the same result (its pace is not timed here). */
	{
		vos_scrub_opts_t opts = { .bytes_per_sec = 1ull << 40, .slice_bytes = 8192 };

		memset(s, 0, sizeof(*s));
		CHECK_OK(vos_pool_scrub(pool, &opts, s));
		CHECK(s->slices > 10);
		expect_whole(s, true);
	}
	CHECK_OK(vos_pool_close(pool));
	free(s);
}

/* A pass in one-byte slices while the pool changes between them. */
static void test_changing(void)
{
	vos_agg_cursor_t *agg = calloc(1, sizeof(*agg));
	vos_scrub_t *s = new_scrub();
	vos_pool_t *pool;
	vos_cont_h c1, c2;
	uint64_t epoch = 10, changes = 0;
	uint32_t done = 0;
	bool c4 = false;

	build();
	CHECK(agg != NULL);
	CHECK_OK(vos_pool_open(path, &pool));
	CHECK_OK(vos_cont_open(pool, uuid1, &c1));
	CHECK_OK(vos_cont_open(pool, uuid2, &c2));
	while (!s->done) {
		uint64_t k = test_rand_below(INT_KEYS + 2000);
		uint8_t v[VALUE_BYTES];

		CHECK_OK(vos_scrub_slice(pool, s, 1 + test_rand_below(2048)));
		test_fill(v, sizeof(v), k);
		switch (test_rand_below(8)) {
		case 0:
		case 1:
		case 2: /* an update, or a new key (splits) */
			CHECK_OK(test_put(pool, c1, 1, ++epoch, k, v, sizeof(v)));
			break;
		case 3: /* Raft's truncation of the newest epoch */
			CHECK_OK(vos_discard(pool, c1, epoch));
			break;
		case 4:
			CHECK_OK(vos_aggregate(pool, c2, 3, agg, 3, &done));
			break;
		case 5:
			CHECK_OK(test_put(pool, c2, 1 + test_rand_below(AGG_OBJS), ++epoch,
					  test_rand_below(AGG_KEYS * 2), v, sizeof(v)));
			break;
		case 6:
			if (c4)
				CHECK_OK(vos_cont_destroy(pool, uuid4));
			else
				CHECK_OK(vos_cont_create(pool, uuid4));
			c4 = !c4;
			break;
		default: /* a new object */
			epoch++;
			CHECK_OK(test_obj_create(pool, c1, 100 + epoch, VOS_KEYS_INTEGER, epoch));
			break;
		}
		changes++;
	}
	if (s->problems != 0)
		print_problems(s);
	CHECK(s->problems == 0 && s->keys > 0);
	printf("  changing: %llu slices with %llu changes between them, no problem\n",
	       (unsigned long long)s->slices, (unsigned long long)changes);
	test_scrub_clean(pool);
	CHECK_OK(vos_pool_close(pool));
	free(agg);
	free(s);
}

/* ------------------------------------------------------------------------------------------
 * Damage
 */

#define ENT(i, field) (16u + 40u * (i) + (field))

static vos_scrub_t *scrub_file(void)
{
	vos_scrub_t *s = new_scrub();
	vos_pool_t *pool;

	CHECK_OK(vos_pool_open(path, &pool));
	CHECK_RC(vos_pool_scrub(pool, NULL, s), s->problems > 0 ? VOS_ERR_CORRUPT : VOS_OK);
	CHECK_OK(vos_pool_close(pool));
	return s;
}

static void expect_found(const char *name, vos_scrub_t *s, uint64_t problems, const char *want,
			 uint64_t keys_at_least)
{
	printf("  damage: %-58s %llu problem(s), %llu keys checked\n", name,
	       (unsigned long long)s->problems, (unsigned long long)s->keys);
	print_problems(s);
	if (s->problems != problems || s->messages == 0 || strstr(s->message[0], want) == NULL) {
		fprintf(stderr, "case \"%s\": expected %llu problem(s), the first naming \"%s\"\n",
			name, (unsigned long long)problems, want);
		CHECK(!"the scrub reports the damage");
	}
	CHECK(s->done && s->keys >= keys_at_least);
	free(s);
}

static const struct damage_site *site(const struct damage_map *map, enum damage_kind kind,
				      enum damage_tree tree, int level, size_t skip)
{
	const struct damage_site *st = damage_find(map, kind, tree, level, skip);

	CHECK(st != NULL);
	return st;
}

/* The version record of integer key k of object 1 in container 1 at epoch. */
static const struct damage_site *version_of(const struct damage_map *map, uint64_t epoch,
					    size_t skip)
{
	for (size_t i = 0; i < map->n; i++)
		if (map->sites[i].kind == DAMAGE_VER && map->sites[i].epoch == epoch && skip-- == 0)
			return &map->sites[i];
	CHECK(!"a version at that epoch");
	return NULL;
}

static void want_offset(char *buf, size_t len, uint64_t off)
{
	snprintf(buf, len, "pool offset %llu", (unsigned long long)off);
}

static void test_bit_flips(void)
{
	struct damage_map map;
	const struct damage_site *st;
	char want[64];
	uint64_t u64;

	/* The value of an old version, which reads at the newest epoch never check. */
	build();
	damage_scan(path, &map);
	st = version_of(&map, 2, 0);
	damage_xor(path, st->file_off + sizeof(struct vos_ver_df) + 3, 0x01);
	snprintf(want, sizeof(want), "version record at pool offset %llu",
		 (unsigned long long)st->pool_off);
	damage_free(&map);
	expect_found("an old version's value", scrub_file(), 1, want, TOTAL_KEYS);

	/* A leaf's key: the leaf is reported and skipped, everything else checked. */
	build();
	damage_scan(path, &map);
	st = site(&map, DAMAGE_NODE, DAMAGE_TREE_KEYS_INT, 0, 20);
	damage_xor(path, st->file_off + ENT(4, 0), 0x02);
	want_offset(want, sizeof(want), st->pool_off);
	u64 = st->count;
	damage_free(&map);
	expect_found("a key in a leaf", scrub_file(), 1, want, TOTAL_KEYS - u64);

	/* A long key's block. */
	build();
	damage_scan(path, &map);
	st = site(&map, DAMAGE_KEY_BLOCK, 0, -1, 30);
	damage_xor(path, st->file_off + 10, 0x04);
	want_offset(want, sizeof(want), st->pool_off);
	damage_free(&map);
	expect_found("a long key's block", scrub_file(), 1, want, TOTAL_KEYS - LEX_KEYS);

	/* An object record: its key tree cannot be reached. */
	build();
	damage_scan(path, &map);
	st = site(&map, DAMAGE_OBJ, 0, -1, 4);
	damage_xor(path, st->file_off + 16, 0x01);
	want_offset(want, sizeof(want), st->pool_off);
	damage_free(&map);
	expect_found("an object record", scrub_file(), 1, want, TOTAL_KEYS - AGG_KEYS);

	/* Three leaves at once: three problems, the rest checked. */
	build();
	damage_scan(path, &map);
	u64 = 0;
	for (size_t i = 0; i < 3; i++) {
		st = site(&map, DAMAGE_NODE, DAMAGE_TREE_KEYS_INT, 0, 10 + 30 * i);
		damage_xor(path, st->file_off + ENT(2, 32), 0x10);
		u64 += st->count;
		if (i == 0)
			want_offset(want, sizeof(want), st->pool_off);
	}
	damage_free(&map);
	expect_found("three leaves' epochs", scrub_file(), 3, want, TOTAL_KEYS - u64);
}

/* Structures edited and resealed: their checksums hold, what they say does not. */
static void test_resealed(void)
{
	struct damage_map map;
	const struct damage_site *st;
	uint8_t node[sizeof(struct btr_node)];
	struct btr_node *n = (struct btr_node *)node;
	char want[64];

	/* An internal entry's epoch lowered below its child's: discard would skip the child. */
	build();
	damage_scan(path, &map);
	st = site(&map, DAMAGE_NODE, DAMAGE_TREE_KEYS_INT, 1, 0);
	damage_read(path, st->file_off, node, sizeof(node));
	n->ent[3].epoch = 1;
	damage_write(path, st->file_off, node, sizeof(node));
	damage_reseal(path, st);
	damage_free(&map);
	expect_found("an internal epoch below its child's", scrub_file(), 1,
		     "an epoch above the bound its parent's entry gives", TOTAL_KEYS - 32);

	/* Two keys of a leaf swapped. */
	build();
	damage_scan(path, &map);
	st = site(&map, DAMAGE_NODE, DAMAGE_TREE_KEYS_INT, 0, 5);
	damage_read(path, st->file_off, node, sizeof(node));
	{
		struct btr_ent e = n->ent[2];

		n->ent[2] = n->ent[3];
		n->ent[3] = e;
	}
	damage_write(path, st->file_off, node, sizeof(node));
	damage_reseal(path, st);
	want_offset(want, sizeof(want), st->pool_off);
	damage_free(&map);
	expect_found("two keys of a leaf swapped", scrub_file(), 1, "keys out of order",
		     TOTAL_KEYS - 32);

	/* A key's entry epoch not its newest version's. */
	build();
	damage_scan(path, &map);
	st = site(&map, DAMAGE_NODE, DAMAGE_TREE_KEYS_INT, 0, 7);
	damage_read(path, st->file_off, node, sizeof(node));
	n->ent[1].epoch = 1;
	damage_write(path, st->file_off, node, sizeof(node));
	damage_reseal(path, st);
	damage_free(&map);
	expect_found("a key's epoch not its newest version's", scrub_file(), 1,
		     "but its newest version is at epoch", TOTAL_KEYS);

	/* An older version with a newer epoch than the one before it. */
	build();
	damage_scan(path, &map);
	st = version_of(&map, 2, 7); /* key 7: versions at epochs 3, then 2 */
	{
		struct vos_ver_df h;

		damage_read(path, st->file_off, &h, sizeof(h));
		h.epoch = 9;
		damage_write(path, st->file_off, &h, sizeof(h));
	}
	damage_reseal(path, st);
	damage_free(&map);
	expect_found("a version chain out of order", scrub_file(), 1,
		     "versions must go from newest to oldest", TOTAL_KEYS);

	/* An object's index entry epoch below its keys': discard from there would skip it. */
	build();
	damage_scan(path, &map);
	st = site(&map, DAMAGE_NODE, DAMAGE_TREE_OBJS, 0, 0);
	damage_read(path, st->file_off, node, sizeof(node));
	n->ent[0].epoch = 1;
	damage_write(path, st->file_off, node, sizeof(node));
	damage_reseal(path, st);
	damage_free(&map);
	expect_found("an object index epoch below its keys'", scrub_file(), 1,
		     "below its newest key's epoch", TOTAL_KEYS);

	/* An object record under another object's key. */
	build();
	damage_scan(path, &map);
	st = site(&map, DAMAGE_OBJ, 0, -1, 1);
	{
		struct vos_obj_df o;

		damage_read(path, st->file_off, &o, sizeof(o));
		o.oid = 77;
		damage_write(path, st->file_off, &o, sizeof(o));
	}
	damage_reseal(path, st);
	damage_free(&map);
	expect_found("an object record under the wrong key", scrub_file(), 1,
		     "to the record of object 77", TOTAL_KEYS);

	/* The container table's count in the root. */
	build();
	damage_scan(path, &map);
	st = site(&map, DAMAGE_ROOT, 0, -1, 0);
	{
		struct vos_root_df r;

		damage_read(path, st->file_off, &r, sizeof(r));
		r.conts.count = 5;
		damage_write(path, st->file_off, &r, sizeof(r));
	}
	damage_reseal(path, st);
	damage_free(&map);
	expect_found("the container table's count", scrub_file(), 1,
		     "the container table counts 5 entries but holds 3", TOTAL_KEYS);
}

/* The WAL allocator: what no read reaches. */
static void test_allocator(void)
{
	struct wal_heap_hdr h;
	uint64_t at, end, free_at = 0;
	char want[64];

	if (test_backend() != VOS_BACKEND_WAL)
		return;
	/* A free block's header (aggregation freed some). */
	build();
	damage_read(path, WAL_IMAGE_HDR_BYTES, &h, sizeof(h));
	at = h.first_blk;
	end = h.end_blk;
	while (at < end) {
		uint64_t tag;

		damage_read(path, WAL_IMAGE_HDR_BYTES + at + 8, &tag, 8);
		if ((tag & 1) && free_at == 0 && at + (tag & 0x0000fffffffffff0ull) < end)
			free_at = at;
		CHECK((tag & 0x0000fffffffffff0ull) != 0);
		at += tag & 0x0000fffffffffff0ull;
	}
	CHECK(free_at != 0);
	damage_xor(path, WAL_IMAGE_HDR_BYTES + free_at + 8, 0x20);
	snprintf(want, sizeof(want), "block at offset %llu", (unsigned long long)free_at);
	expect_found("a free block's header", scrub_file(), 1, want, TOTAL_KEYS);

	/* The heap's account of bytes in use, resealed. */
	build();
	damage_read(path, WAL_IMAGE_HDR_BYTES, &h, sizeof(h));
	h.allocated_bytes += 4096;
	{
		uint32_t c = crc32c(0, (const uint8_t *)&h + offsetof(struct wal_heap_hdr,
								      allocated_bytes),
				    offsetof(struct wal_heap_hdr, dyn_csum) -
					    offsetof(struct wal_heap_hdr, allocated_bytes));

		h.dyn_csum = crc32c(c, h.heads, sizeof(h.heads));
	}
	damage_write(path, WAL_IMAGE_HDR_BYTES, &h, sizeof(h));
	expect_found("the heap's account, resealed", scrub_file(), 1, "but its header counts",
		     TOTAL_KEYS);
}

/* ------------------------------------------------------------------------------------------
 * The tool
 */

static int run_tool(const char *pool_path, const char *want)
{
	char cmd[2048], line[1024];
	bool seen = false;
	FILE *f;
	int status;

	snprintf(cmd, sizeof(cmd), "%s --slice 4096 %s 2>&1", VOS_SCRUB_TOOL, pool_path);
	f = popen(cmd, "r");
	CHECK(f != NULL);
	while (fgets(line, sizeof(line), f) != NULL) {
		printf("    | %s", line);
		if (strstr(line, want) != NULL)
			seen = true;
	}
	status = pclose(f);
	CHECK(seen);
	CHECK(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_tool(void)
{
	struct damage_map map;
	const struct damage_site *st;
	FILE *f;

	build();
	CHECK(run_tool(path, "SOUND") == 0);
	damage_scan(path, &map);
	st = site(&map, DAMAGE_NODE, DAMAGE_TREE_KEYS_LEX, 0, 1);
	damage_xor(path, st->file_off + ENT(1, 32), 0x01);
	damage_free(&map);
	CHECK(run_tool(path, "DAMAGED: 1 problem") == 1);

	build();
	damage_scan(path, &map);
	st = site(&map, DAMAGE_ROOT, 0, -1, 0);
	damage_xor(path, st->file_off + 40, 0x01);
	damage_free(&map);
	CHECK(run_tool(path, "cannot be opened") == 1);

	f = fopen(test_path("not-a-pool"), "w");
	CHECK(f != NULL && fputs("hello", f) >= 0);
	fclose(f);
	CHECK(run_tool(test_path("not-a-pool"), "not a Vostok pool") == 2);
}

static void test_arguments(void)
{
	vos_scrub_opts_t opts = { .reserved = { 1, 0 } };
	vos_scrub_t *s = new_scrub();
	vos_pool_t *pool;

	build();
	CHECK_OK(vos_pool_open(path, &pool));
	CHECK_RC(vos_pool_scrub(pool, &opts, s), VOS_ERR_INVAL);
	CHECK_RC(vos_scrub_slice(pool, NULL, 0), VOS_ERR_INVAL);
	memset(s->position, 0x5a, sizeof(s->position));
	CHECK_RC(vos_scrub_slice(pool, s, 0), VOS_ERR_INVAL);
	CHECK(strstr(vos_last_message(), "zero it") != NULL);
	CHECK_OK(vos_pool_close(pool));
	free(s);
}

int main(void)
{
	test_init("scrub", true);
	path = strdup(test_path("scrub.pool"));
	printf("test_scrub on the %s backend\n",
	       test_backend() == VOS_BACKEND_WAL ? "WAL" : "PMDK");
	test_sound();
	test_changing();
	test_bit_flips();
	test_resealed();
	test_allocator();
	test_tool();
	test_arguments();
	free((void *)path);
	printf("test_scrub: OK\n");
	return 0;
}
