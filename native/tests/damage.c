/*
 * damage.c: the live structures of a closed pool's file, found by walking it from its root
 * the way the library does, each checked against its own checksum on the way (so the walk
 * also checks that a pristine pool's checksums are what the layout says).
 */
#include "damage.h"

#include "check.h"
#include "crc32c.h"
#include "umem_wal.h"
#include "vos_internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct walk {
	const uint8_t *file;
	size_t len;
	struct damage_map *map;
};

uint64_t damage_pool_off(uint64_t file_off)
{
	return test_backend() == VOS_BACKEND_WAL ? file_off - WAL_IMAGE_HDR_BYTES : file_off;
}

uint64_t damage_file_off(uint64_t pool_off)
{
	return test_backend() == VOS_BACKEND_WAL ? pool_off + WAL_IMAGE_HDR_BYTES : pool_off;
}

static const void *at(const struct walk *w, uint64_t pool_off, size_t bytes)
{
	uint64_t f = damage_file_off(pool_off);

	CHECK(pool_off != 0 && f < w->len && bytes <= w->len - f);
	return w->file + f;
}

static struct damage_site *add(struct walk *w, enum damage_kind kind, uint64_t pool_off)
{
	struct damage_site *s;

	w->map->sites = realloc(w->map->sites, (w->map->n + 1) * sizeof(*w->map->sites));
	CHECK(w->map->sites != NULL);
	s = &w->map->sites[w->map->n++];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->pool_off = pool_off;
	s->file_off = damage_file_off(pool_off);
	return s;
}

static uint32_t node_csum(const struct btr_node *n, uint64_t off)
{
	uint32_t c = crc32c(0, &off, 8);

	c = crc32c(c, n, 8);
	return crc32c(c, (const uint8_t *)n + 12, 4 + n->count * sizeof(struct btr_ent));
}

static void walk_chain(struct walk *w, uint64_t off)
{
	while (off != 0) {
		const struct vos_ver_df *v = at(w, off, sizeof(*v));
		struct damage_site *s;

		CHECK(v->magic == VOS_VER_MAGIC);
		CHECK(v->hdr_csum == vos_record_csum(off, v, sizeof(*v), 28));
		s = add(w, DAMAGE_VER, off);
		s->epoch = v->epoch;
		off = v->next;
	}
}

static void walk_obj(struct walk *w, uint64_t off);
static void walk_cont(struct walk *w, uint64_t off);

static void walk_node(struct walk *w, uint64_t off, uint32_t level, enum damage_tree tree)
{
	const struct btr_node *n = at(w, off, sizeof(*n));
	struct damage_site *s;

	CHECK(n->magic == BTR_NODE_MAGIC && n->level == level);
	CHECK(n->count >= 1 && n->count <= BTR_ORDER);
	CHECK(n->csum == node_csum(n, off));
	s = add(w, DAMAGE_NODE, off);
	s->level = level;
	s->count = n->count;
	s->tree = tree;
	for (uint32_t i = 0; i < n->count; i++) {
		const struct btr_ent *e = &n->ent[i];

		if (e->len > BTR_INLINE_KEY_BYTES && (level == 0 || i > 0)) {
			const uint8_t *k = at(w, e->ext, e->len);

			CHECK(e->kcsum == crc32c(crc32c(0, &e->ext, 8), k, e->len));
			/* Leaf keys own their blocks; separators own copies. */
			add(w, DAMAGE_KEY_BLOCK, e->ext);
		}
		if (level > 0) {
			walk_node(w, e->val, level - 1, tree);
			continue;
		}
		switch (tree) {
		case DAMAGE_TREE_CONTS:
			walk_cont(w, e->val);
			break;
		case DAMAGE_TREE_OBJS:
			walk_obj(w, e->val);
			break;
		default:
			walk_chain(w, e->val);
			break;
		}
	}
}

static void walk_tree(struct walk *w, const struct btr_root *r, enum damage_tree tree)
{
	CHECK(r->magic == BTR_ROOT_MAGIC);
	if (r->depth > 0)
		walk_node(w, r->node, r->depth - 1u, tree);
}

static void walk_obj(struct walk *w, uint64_t off)
{
	const struct vos_obj_df *o = at(w, off, sizeof(*o));
	struct damage_site *s;

	CHECK(o->magic == VOS_OBJ_MAGIC);
	CHECK(o->csum == vos_record_csum(off, o, sizeof(*o), offsetof(struct vos_obj_df, csum)));
	s = add(w, DAMAGE_OBJ, off);
	s->oid = o->oid;
	walk_tree(w, &o->keys, o->key_order == VOS_KEYS_LEXICAL ? DAMAGE_TREE_KEYS_LEX
								 : DAMAGE_TREE_KEYS_INT);
}

static void walk_cont(struct walk *w, uint64_t off)
{
	const struct vos_cont_df *c = at(w, off, sizeof(*c));

	CHECK(c->magic == VOS_CONT_MAGIC);
	CHECK(c->csum == vos_record_csum(off, c, sizeof(*c), offsetof(struct vos_cont_df, csum)));
	add(w, DAMAGE_CONT, off);
	walk_tree(w, &c->objs, DAMAGE_TREE_OBJS);
}

void damage_scan(const char *path, struct damage_map *map)
{
	struct walk w = { .map = map };
	struct stat st;
	uint8_t *file;
	int fd = open(path, O_RDONLY);
	uint64_t root = 0;

	memset(map, 0, sizeof(*map));
	CHECK(fd >= 0 && fstat(fd, &st) == 0);
	file = malloc((size_t)st.st_size);
	CHECK(file != NULL);
	CHECK(pread(fd, file, (size_t)st.st_size, 0) == st.st_size);
	close(fd);
	w.file = file;
	w.len = (size_t)st.st_size;
	/* The root: its mark, and its checksum at its own offset. */
	for (uint64_t f = damage_file_off(8); f + sizeof(struct vos_root_df) <= w.len; f += 8) {
		const struct vos_root_df *r = (const void *)(file + f);
		uint64_t off = damage_pool_off(f);

		if (r->magic == VOS_ROOT_MAGIC &&
		    r->csum == vos_record_csum(off, r, sizeof(*r), offsetof(struct vos_root_df, csum))) {
			CHECK(root == 0);
			root = off;
		}
	}
	CHECK(root != 0);
	add(&w, DAMAGE_ROOT, root);
	walk_tree(&w, &((const struct vos_root_df *)at(&w, root, sizeof(struct vos_root_df)))->conts,
		  DAMAGE_TREE_CONTS);
	free(file);
}

void damage_free(struct damage_map *map)
{
	free(map->sites);
	memset(map, 0, sizeof(*map));
}

const struct damage_site *damage_find(const struct damage_map *map, enum damage_kind kind,
				      enum damage_tree tree, int level, size_t skip)
{
	for (size_t i = 0; i < map->n; i++) {
		const struct damage_site *s = &map->sites[i];

		if (s->kind != kind)
			continue;
		if (kind == DAMAGE_NODE && (s->tree != tree || (level >= 0 && s->level != (uint32_t)level)))
			continue;
		if (skip-- == 0)
			return s;
	}
	return NULL;
}

const struct damage_site *damage_at(const struct damage_map *map, uint64_t pool_off)
{
	for (size_t i = 0; i < map->n; i++)
		if (map->sites[i].pool_off == pool_off)
			return &map->sites[i];
	return NULL;
}

void damage_xor(const char *path, uint64_t file_off, uint8_t mask)
{
	int fd = open(path, O_RDWR);
	uint8_t b;

	CHECK(fd >= 0);
	CHECK(pread(fd, &b, 1, (off_t)file_off) == 1);
	b ^= mask;
	CHECK(pwrite(fd, &b, 1, (off_t)file_off) == 1);
	CHECK(fsync(fd) == 0);
	close(fd);
}

void damage_read(const char *path, uint64_t file_off, void *buf, size_t len)
{
	int fd = open(path, O_RDONLY);

	CHECK(fd >= 0);
	CHECK(pread(fd, buf, len, (off_t)file_off) == (ssize_t)len);
	close(fd);
}

void damage_write(const char *path, uint64_t file_off, const void *buf, size_t len)
{
	int fd = open(path, O_RDWR);

	CHECK(fd >= 0);
	CHECK(pwrite(fd, buf, len, (off_t)file_off) == (ssize_t)len);
	CHECK(fsync(fd) == 0);
	close(fd);
}

void damage_reseal(const char *path, const struct damage_site *site)
{
	uint8_t buf[sizeof(struct btr_node)];
	uint64_t off = site->pool_off;

	switch (site->kind) {
	case DAMAGE_NODE: {
		struct btr_node *n = (struct btr_node *)buf;

		damage_read(path, site->file_off, buf, sizeof(*n));
		n->csum = node_csum(n, off);
		damage_write(path, site->file_off, buf, sizeof(*n));
		break;
	}
	case DAMAGE_CONT: {
		struct vos_cont_df *c = (struct vos_cont_df *)buf;

		damage_read(path, site->file_off, buf, sizeof(*c));
		c->csum = vos_record_csum(off, c, sizeof(*c), offsetof(struct vos_cont_df, csum));
		damage_write(path, site->file_off, buf, sizeof(*c));
		break;
	}
	case DAMAGE_OBJ: {
		struct vos_obj_df *o = (struct vos_obj_df *)buf;

		damage_read(path, site->file_off, buf, sizeof(*o));
		o->csum = vos_record_csum(off, o, sizeof(*o), offsetof(struct vos_obj_df, csum));
		damage_write(path, site->file_off, buf, sizeof(*o));
		break;
	}
	case DAMAGE_ROOT: {
		struct vos_root_df *r = (struct vos_root_df *)buf;

		damage_read(path, site->file_off, buf, sizeof(*r));
		r->csum = vos_record_csum(off, r, sizeof(*r), offsetof(struct vos_root_df, csum));
		damage_write(path, site->file_off, buf, sizeof(*r));
		break;
	}
	case DAMAGE_VER: {
		struct vos_ver_df h;
		uint8_t *v;

		damage_read(path, site->file_off, &h, sizeof(h));
		v = malloc(sizeof(h) + h.len);
		CHECK(v != NULL);
		damage_read(path, site->file_off, v, sizeof(h) + h.len);
		memcpy(&h, v, sizeof(h));
		h.csum = crc32c(crc32c(0, &h.epoch, 16), v + sizeof(h), h.len);
		h.hdr_csum = vos_record_csum(off, &h, sizeof(h), offsetof(struct vos_ver_df, hdr_csum));
		damage_write(path, site->file_off, &h, sizeof(h));
		free(v);
		break;
	}
	default:
		CHECK(!"a structure damage_reseal knows");
	}
}
