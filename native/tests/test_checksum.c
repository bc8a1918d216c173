/*
 * test_checksum: a checksum on every persistent structure, field by field.
 *
 * Before layout 2 only values had checksums: a flipped epoch in an internal index node made
 * discard skip the subtree under it (the replica silently kept entries a Raft truncation had
 * removed), a flipped key sent lookups the wrong way (a key that exists read as absent), and a
 * flipped child pointer or record pointer was followed wherever it led. Each case here builds
 * a pool, closes it, flips one bit of one field of one live structure in the file (a key, an
 * epoch, a child pointer, a length, a mark, a record pointer, a container's or an object's
 * fields, a version's link, a long key's bytes, and the allocators' headers), opens it again
 * and runs every read and a discard, an aggregation and an update over it. Every answer must
 * be the right one or VOS_ERR_CORRUPT: never a wrong value, a key missing or invented, or a
 * crash; at least one operation must report CORRUPT, and the first report must name the
 * damaged structure's pool offset (and, for a checksum, both values).
 */
#include "check.h"
#include "damage.h"

#include "crc32c.h"
#include "umem_wal.h"
#include "vos_internal.h"
#include "wal_heap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POOL_BYTES (32ull << 20)
#define INT_OID 1u
#define LEX_OID 2u
#define INT_KEYS 3000u        /* a key tree three levels deep */
#define LEX_KEYS 200u
#define LEX_KEY_BYTES 24u     /* longer than 8: every key in a block of its own */
#define VALUE_BYTES 16u
#define SECOND_EVERY 7u       /* keys k % 7 == 0 have a second version, at epoch 3 */
#define UPDATE_EPOCH 5u

static const uint8_t uuid[16] = { 0xc5, 0x0c, 0x4e, 0x11 };
static const char *path;

/* What the pool holds now, as far as the operations that succeeded changed it. */
static struct {
	bool second;   /* the epoch 3 versions are there (no discard succeeded) */
	bool updated;  /* every integer key has a version at UPDATE_EPOCH */
} model;

struct sweep {
	uint32_t corrupt;
	char first[VOS_MESSAGE_BYTES_MAX];
};

static void note(struct sweep *sw, int rc)
{
	CHECK(rc == VOS_ERR_CORRUPT);
	if (sw->corrupt++ == 0)
		snprintf(sw->first, sizeof(sw->first), "%s", vos_last_message());
}

static void value_of(uint64_t oid, uint64_t key, uint64_t epoch, uint8_t out[VALUE_BYTES])
{
	test_fill(out, VALUE_BYTES, oid * 1000003u + key * 16u + epoch);
}

static void lex_key(uint64_t i, uint8_t out[LEX_KEY_BYTES + 1])
{
	snprintf((char *)out, LEX_KEY_BYTES + 1, "lex-key-%016llu", (unsigned long long)i);
}

static uint64_t newest_epoch(uint64_t key)
{
	if (model.updated)
		return UPDATE_EPOCH;
	return model.second && key % SECOND_EVERY == 0 ? 3 : 2;
}

static void build(void)
{
	static vos_op_t ops[INT_KEYS];
	static uint8_t data[INT_KEYS * (VALUE_BYTES + LEX_KEY_BYTES + 1)];
	vos_pool_t *pool;
	vos_cont_h cont;
	uint32_t n = 0;

	CHECK_OK(test_pool_create(path, POOL_BYTES, &pool));
	CHECK_OK(vos_cont_create(pool, uuid));
	CHECK_OK(vos_cont_open(pool, uuid, &cont));
	CHECK_OK(test_obj_create(pool, cont, INT_OID, VOS_KEYS_INTEGER, 1));
	CHECK_OK(test_obj_create(pool, cont, LEX_OID, VOS_KEYS_LEXICAL, 1));
	for (uint64_t k = 0; k < INT_KEYS; k++) {
		value_of(INT_OID, k, 2, data + k * VALUE_BYTES);
		ops[k] = test_op_update_int(cont, INT_OID, 2, k, k * VALUE_BYTES, VALUE_BYTES);
	}
	CHECK_OK(vos_tx_apply(pool, ops, INT_KEYS, data, INT_KEYS * VALUE_BYTES, NULL));
	for (uint64_t k = 0; k < INT_KEYS; k += SECOND_EVERY) {
		value_of(INT_OID, k, 3, data + n * VALUE_BYTES);
		ops[n] = test_op_update_int(cont, INT_OID, 3, k, n * VALUE_BYTES, VALUE_BYTES);
		n++;
	}
	CHECK_OK(vos_tx_apply(pool, ops, n, data, n * VALUE_BYTES, NULL));
	for (uint64_t i = 0; i < LEX_KEYS; i++) {
		uint8_t *at = data + i * (VALUE_BYTES + LEX_KEY_BYTES + 1);

		lex_key(i, at);
		value_of(LEX_OID, i, 2, at + LEX_KEY_BYTES + 1);
		ops[i] = test_op(VOS_OP_UPDATE, cont, LEX_OID, 2);
		ops[i].key_off = (uint64_t)(at - data);
		ops[i].key_len = LEX_KEY_BYTES;
		ops[i].value_off = (uint64_t)(at - data) + LEX_KEY_BYTES + 1;
		ops[i].value_len = VALUE_BYTES;
	}
	CHECK_OK(vos_tx_apply(pool, ops, LEX_KEYS, data,
			      LEX_KEYS * (VALUE_BYTES + LEX_KEY_BYTES + 1), NULL));
	CHECK_OK(vos_pool_close(pool));
}

/* One integer key at epoch: the right value or CORRUPT. */
static void fetch_int(struct sweep *sw, vos_pool_t *pool, vos_cont_h cont, uint64_t key,
		      uint64_t epoch)
{
	uint8_t got[VALUE_BYTES + 8], want[VALUE_BYTES];
	uint64_t e = epoch == VOS_EPOCH_MAX ? newest_epoch(key) : epoch;
	int32_t status;
	uint32_t len;
	int rc = test_get(pool, cont, INT_OID, epoch, key, got, sizeof(got), &status, &len);

	if (rc == VOS_OK && status == VOS_OK) {
		value_of(INT_OID, key, e, want);
		CHECK(len == VALUE_BYTES && memcmp(got, want, VALUE_BYTES) == 0);
		return;
	}
	note(sw, rc != VOS_OK ? rc : status);
}

static void fetch_lex(struct sweep *sw, vos_pool_t *pool, vos_cont_h cont, uint64_t i)
{
	uint8_t key[LEX_KEY_BYTES + 1], got[VALUE_BYTES + 8], want[VALUE_BYTES];
	vos_fetch_req_t req;
	int rc;

	lex_key(i, key);
	memset(&req, 0, sizeof(req));
	req.cont = cont;
	req.oid = LEX_OID;
	req.epoch = VOS_EPOCH_MAX;
	req.key_len = LEX_KEY_BYTES;
	rc = vos_fetch(pool, &req, 1, key, LEX_KEY_BYTES, got, sizeof(got));
	if (rc == VOS_OK && req.status == VOS_OK) {
		value_of(LEX_OID, i, 2, want);
		CHECK(req.value_len == VALUE_BYTES && memcmp(got, want, VALUE_BYTES) == 0);
		return;
	}
	note(sw, rc != VOS_OK ? rc : req.status);
}

/* A whole object in order: every record the right one, until the end or CORRUPT. */
static void iterate(struct sweep *sw, vos_pool_t *pool, vos_cont_h cont, uint64_t oid)
{
	static uint8_t out[64 << 10];
	uint64_t total = oid == INT_OID ? INT_KEYS : LEX_KEYS, next = 0;
	uint8_t anchor[LEX_KEY_BYTES + 1];
	vos_iter_req_t req;

	memset(&req, 0, sizeof(req));
	req.cont = cont;
	req.oid = oid;
	req.epoch = VOS_EPOCH_MAX;
	for (;;) {
		uint32_t n, state;
		uint64_t used, at = 0;
		int rc = vos_iterate(pool, &req, anchor, out, sizeof(out), &n, &used, &state);

		if (rc != VOS_OK) {
			note(sw, rc);
			return;
		}
		for (uint32_t r = 0; r < n; r++, next++) {
			vos_rec_hdr_t h;
			uint8_t want[VALUE_BYTES], key[LEX_KEY_BYTES + 1];

			memcpy(&h, out + at, sizeof(h));
			CHECK(next < total && h.value_len == VALUE_BYTES);
			if (oid == INT_OID) {
				CHECK(h.key_len == 0 && h.key_int == next);
				value_of(oid, next, newest_epoch(next), want);
			} else {
				lex_key(next, key);
				CHECK(h.key_len == LEX_KEY_BYTES &&
				      memcmp(out + at + sizeof(h), key, LEX_KEY_BYTES) == 0);
				value_of(oid, next, 2, want);
			}
			CHECK(memcmp(out + at + sizeof(h) + h.key_len, want, VALUE_BYTES) == 0);
			if (oid == INT_OID) {
				req.anchor_int = h.key_int;
			} else {
				memcpy(anchor, key, LEX_KEY_BYTES);
				req.anchor_len = LEX_KEY_BYTES;
			}
			at += (sizeof(h) + h.key_len + h.value_len + 7) & ~(uint64_t)7;
		}
		req.flags = VOS_ITER_HAS_ANCHOR;
		if (state == VOS_ITER_END) {
			CHECK(next == total);
			return;
		}
	}
}

static void reads(struct sweep *sw, vos_pool_t *pool, vos_cont_h cont)
{
	for (uint64_t k = 0; k < INT_KEYS; k++)
		fetch_int(sw, pool, cont, k, VOS_EPOCH_MAX);
	for (uint64_t k = 0; k < INT_KEYS; k += 3)
		fetch_int(sw, pool, cont, k, 2);
	for (uint64_t i = 0; i < LEX_KEYS; i++)
		fetch_lex(sw, pool, cont, i);
	iterate(sw, pool, cont, INT_OID);
	iterate(sw, pool, cont, LEX_OID);
}

/* Every read; then a discard of epoch 3, an aggregation and an update of every integer key,
 * each followed by the reads again if it succeeded (a change that reported success must show). */
static void run_sweep(struct sweep *sw)
{
	static vos_op_t ops[INT_KEYS];
	static uint8_t data[INT_KEYS * VALUE_BYTES];
	vos_agg_cursor_t *agg = calloc(1, sizeof(*agg));
	vos_pool_info_t info;
	vos_pool_t *pool;
	vos_cont_h cont;
	uint8_t list[16 * 4];
	uint32_t count, done = 0;
	int rc;

	memset(&model, 0, sizeof(model));
	model.second = true;
	CHECK(agg != NULL);
	rc = vos_pool_open(path, &pool);
	if (rc != VOS_OK) {
		note(sw, rc);
		free(agg);
		return;
	}
	rc = vos_pool_query(pool, &info);
	if (rc != VOS_OK)
		note(sw, rc);
	else
		CHECK(info.containers == 1);
	rc = vos_cont_list(pool, list, 4, &count);
	if (rc != VOS_OK)
		note(sw, rc);
	else
		CHECK(count == 1 && memcmp(list, uuid, 16) == 0);
	rc = vos_cont_open(pool, uuid, &cont);
	if (rc != VOS_OK) {
		note(sw, rc);
		goto out;
	}
	reads(sw, pool, cont);

	rc = vos_discard(pool, cont, 3);
	if (rc != VOS_OK) {
		note(sw, rc);
	} else {
		model.second = false;
		reads(sw, pool, cont);
	}
	while (!done) {
		rc = vos_aggregate(pool, cont, 2, agg, 500, &done);
		if (rc != VOS_OK) {
			note(sw, rc);
			break;
		}
	}
	if (done)
		reads(sw, pool, cont);
	for (uint64_t k = 0; k < INT_KEYS; k++) {
		value_of(INT_OID, k, UPDATE_EPOCH, data + k * VALUE_BYTES);
		ops[k] = test_op_update_int(cont, INT_OID, UPDATE_EPOCH, k, k * VALUE_BYTES,
					    VALUE_BYTES);
	}
	rc = vos_tx_apply(pool, ops, INT_KEYS, data, sizeof(data), NULL);
	if (rc != VOS_OK) {
		note(sw, rc);
	} else {
		model.updated = true;
		reads(sw, pool, cont);
	}
	CHECK_OK(vos_cont_close(pool, cont));
out:
	CHECK_OK(vos_pool_close(pool));
	free(agg);
}

/* ------------------------------------------------------------------------------------------
 * The cases
 */

#define ENT(i, field) (16u + 40u * (i) + (field))
#define E_INL 0u
#define E_EXT 8u
#define E_LEN 16u
#define E_VAL 24u
#define E_EPOCH 32u

struct dcase {
	const char      *name;
	enum damage_kind kind;
	enum damage_tree tree;
	int              level;
	size_t           skip;
	uint32_t         field;   /* byte of the structure to flip */
	uint8_t          mask;
	int              version_epoch; /* versions: the epoch of the one to pick (0: any) */
};

static const struct dcase cases[] = {
	{ "key tree leaf: a key", DAMAGE_NODE, DAMAGE_TREE_KEYS_INT, 0, 3, ENT(5, E_INL), 0x01, 0 },
	{ "key tree leaf: a key's high byte", DAMAGE_NODE, DAMAGE_TREE_KEYS_INT, 0, 9,
	  ENT(6, E_INL + 7), 0x80, 0 },
	{ "key tree leaf: an epoch", DAMAGE_NODE, DAMAGE_TREE_KEYS_INT, 0, 4, ENT(5, E_EPOCH),
	  0x01, 0 },
	{ "key tree leaf: a version pointer", DAMAGE_NODE, DAMAGE_TREE_KEYS_INT, 0, 2,
	  ENT(2, E_VAL + 1), 0x10, 0 },
	{ "key tree internal node: a child pointer", DAMAGE_NODE, DAMAGE_TREE_KEYS_INT, 1, 0,
	  ENT(1, E_VAL + 1), 0x02, 0 },
	{ "key tree internal node: an epoch lowered", DAMAGE_NODE, DAMAGE_TREE_KEYS_INT, 1, 0,
	  ENT(2, E_EPOCH), 0x02, 0 },
	{ "key tree internal node: a separator", DAMAGE_NODE, DAMAGE_TREE_KEYS_INT, 1, 1,
	  ENT(3, E_INL), 0x04, 0 },
	{ "key tree root: its entry count", DAMAGE_NODE, DAMAGE_TREE_KEYS_INT, 2, 0, 6, 0x01, 0 },
	{ "key tree root: its level", DAMAGE_NODE, DAMAGE_TREE_KEYS_INT, 2, 0, 4, 0x01, 0 },
	{ "key tree root: a child pointer", DAMAGE_NODE, DAMAGE_TREE_KEYS_INT, 2, 0,
	  ENT(0, E_VAL + 2), 0x01, 0 },
	{ "key tree leaf: its mark", DAMAGE_NODE, DAMAGE_TREE_KEYS_INT, 0, 7, 0, 0x01, 0 },
	{ "key tree leaf: its checksum", DAMAGE_NODE, DAMAGE_TREE_KEYS_INT, 0, 8, 9, 0x20, 0 },
	{ "lexical key tree leaf: a key's length", DAMAGE_NODE, DAMAGE_TREE_KEYS_LEX, 0, 0,
	  ENT(3, E_LEN), 0x01, 0 },
	{ "lexical key tree leaf: a key's prefix", DAMAGE_NODE, DAMAGE_TREE_KEYS_LEX, 0, 1,
	  ENT(4, E_INL + 1), 0x08, 0 },
	{ "lexical key tree leaf: a key block pointer", DAMAGE_NODE, DAMAGE_TREE_KEYS_LEX, 0, 2,
	  ENT(4, E_EXT + 1), 0x01, 0 },
	{ "lexical key block: a byte of a key", DAMAGE_KEY_BLOCK, 0, -1, 20, 20, 0x01, 0 },
	{ "container table: the UUID's block", DAMAGE_KEY_BLOCK, 0, -1, 0, 3, 0x80, 0 },
	{ "container table leaf: a key block pointer", DAMAGE_NODE, DAMAGE_TREE_CONTS, 0, 0,
	  ENT(0, E_EXT), 0x40, 0 },
	{ "container table leaf: a record pointer", DAMAGE_NODE, DAMAGE_TREE_CONTS, 0, 0,
	  ENT(0, E_VAL), 0x40, 0 },
	{ "object index leaf: an object record pointer", DAMAGE_NODE, DAMAGE_TREE_OBJS, 0, 0,
	  ENT(0, E_VAL), 0x08, 0 },
	{ "object index leaf: an object's epoch", DAMAGE_NODE, DAMAGE_TREE_OBJS, 0, 0,
	  ENT(0, E_EPOCH), 0x01, 0 },
	{ "object index leaf: an object id", DAMAGE_NODE, DAMAGE_TREE_OBJS, 0, 0, ENT(1, E_INL),
	  0x04, 0 },
	{ "container record: its aggregation floor", DAMAGE_CONT, 0, -1, 0, 48, 0x01, 0 },
	{ "container record: the object index's root", DAMAGE_CONT, 0, -1, 0, 25, 0x01, 0 },
	{ "container record: its UUID", DAMAGE_CONT, 0, -1, 0, 9, 0x01, 0 },
	{ "object record: its punch epoch", DAMAGE_OBJ, 0, -1, 0, 24, 0x01, 0 },
	{ "object record: its key tree's count", DAMAGE_OBJ, 0, -1, 0, 40, 0x01, 0 },
	{ "object record: its creation epoch", DAMAGE_OBJ, 0, -1, 1, 16, 0x01, 0 },
	{ "version: its link to the older one", DAMAGE_VER, 0, -1, 5, 1, 0x01, 3 },
	{ "version: its epoch", DAMAGE_VER, 0, -1, 11, 8, 0x01, 2 },
	{ "version: its length", DAMAGE_VER, 0, -1, 12, 16, 0x04, 2 },
	{ "version: a byte of its value", DAMAGE_VER, 0, -1, 13, 35, 0x01, 2 },
};

/* A site of the case's sort, by walk order. */
static const struct damage_site *pick(const struct damage_map *map, const struct dcase *c)
{
	size_t skip = c->skip;

	if (c->kind != DAMAGE_VER)
		return damage_find(map, c->kind, c->tree, c->level, c->skip);
	for (size_t i = 0; i < map->n; i++) {
		const struct damage_site *s = &map->sites[i];

		if (s->kind == DAMAGE_VER && (c->version_epoch == 0 ||
					      s->epoch == (uint64_t)c->version_epoch) && skip-- == 0)
			return s;
	}
	return NULL;
}

static void expect_detected(const char *name, const struct sweep *sw, const char *want)
{
	printf("  %-50s %u CORRUPT; first: %s\n", name, sw->corrupt, sw->first);
	if (sw->corrupt == 0 || strstr(sw->first, want) == NULL) {
		fprintf(stderr, "case \"%s\": expected CORRUPT naming \"%s\"\n", name, want);
		CHECK(!"the damage is reported, naming where");
	}
}

static void run_case(const struct dcase *c)
{
	struct damage_map map;
	const struct damage_site *s;
	struct sweep sw = { 0 };
	char want[64];

	vos_pool_destroy(path);
	build();
	damage_scan(path, &map);
	s = pick(&map, c);
	if (s == NULL) {
		fprintf(stderr, "case \"%s\": no such structure in the pool\n", c->name);
		CHECK(!"the structure to damage exists");
	}
	damage_xor(path, s->file_off + c->field, c->mask);
	snprintf(want, sizeof(want), "pool offset %llu", (unsigned long long)s->pool_off);
	damage_free(&map);
	run_sweep(&sw);
	expect_detected(c->name, &sw, want);
}

/* The allocators' own headers: the WAL heap's changing header part and a block header; the
 * PMDK backend's space header. */
static void run_allocator_cases(void)
{
	const struct damage_site *s = NULL;
	struct damage_map map;
	struct sweep sw = { 0 };
	char want[64];

	if (test_backend() == VOS_BACKEND_WAL) {
		vos_pool_destroy(path);
		build();
		damage_xor(path, WAL_IMAGE_HDR_BYTES + offsetof(struct wal_heap_hdr, heads) + 8 * 37,
			   0x10);
		run_sweep(&sw);
		expect_detected("WAL heap header: a free-list head", &sw, "free lists fail");

		/* The block header of a version that the discard frees. */
		memset(&sw, 0, sizeof(sw));
		vos_pool_destroy(path);
		build();
		damage_scan(path, &map);
		for (size_t i = 0; i < map.n; i++)
			if (map.sites[i].kind == DAMAGE_VER && map.sites[i].epoch == 3) {
				s = &map.sites[i];
				break;
			}
		CHECK(s != NULL);
		damage_xor(path, s->file_off - WAL_HEAP_BLK_HDR + 8, 0x40); /* the tag's size */
		snprintf(want, sizeof(want), "offset %llu",
			 (unsigned long long)(s->pool_off - WAL_HEAP_BLK_HDR));
		damage_free(&map);
		run_sweep(&sw);
		expect_detected("WAL heap: a block header's size", &sw, want);
	} else {
		/* allocated_bytes of the space header: its mark, and its checksum at its own
		 * offset (copies in PMDK's undo logs do not pass). */
		static const uint8_t mark[8] = { 'U', 'M', 'M', 'E', 'P', 'M', 'E', 'M' };
		size_t len, found = 0;
		uint8_t *file;

		vos_pool_destroy(path);
		build();
		file = test_read_file(path, &len);
		for (size_t i = 8; i + 64 <= len; i += 8) {
			uint64_t off = i;
			uint32_t c = crc32c(0, &off, 8), stored;

			if (memcmp(file + i, mark, 8) != 0)
				continue;
			c = crc32c(c, file + i, 12);
			c = crc32c(c, file + i + 16, 48);
			memcpy(&stored, file + i + 12, 4);
			if (c == stored) {
				CHECK(found == 0);
				found = i;
			}
		}
		free(file);
		CHECK(found != 0);
		damage_xor(path, found + 32, 0x10);
		run_sweep(&sw);
		expect_detected("PMDK space header: bytes in use", &sw, "space header");
	}
}

int main(void)
{
	test_init("checksum", true);
	path = strdup(test_path("checksum.pool"));
	printf("test_checksum: %zu cases on the %s backend\n", sizeof(cases) / sizeof(cases[0]),
	       test_backend() == VOS_BACKEND_WAL ? "WAL" : "PMDK");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	run_allocator_cases();
	free((void *)path);
	printf("test_checksum: OK\n");
	return 0;
}
