/*
 * umem.c: picks the backend of an existing pool file by what the file starts with, and keeps
 * the records each transaction touched, to seal them at its commit.
 */
#include "umem.h"

#include "error.h"
#include "umem_wal.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int umem_probe(const char *path, uint32_t *backend_out,
	       char layout_out[UMEM_PMEM_LAYOUT_BYTES_MAX])
{
	uint64_t magic = 0;
	ssize_t got = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd >= 0) {
		got = pread(fd, &magic, sizeof(magic), 0);
		close(fd);
	}
	/* Anything that is not a WAL image, errors included, is left to the PMDK backend's
	 * checks, which say what is wrong with the file. */
	if (got != (ssize_t)sizeof(magic) || magic != WAL_IMAGE_MAGIC) {
		*backend_out = UMEM_BACKEND_PMEM;
		return umem_pmem_layout(path, layout_out);
	}
	*backend_out = UMEM_BACKEND_WAL;
	rc = umem_wal_layout(path, layout_out);
	return rc;
}

int umem_open(uint32_t backend, const char *path, const char *layout, uint64_t root_size,
	      struct umem **um_out)
{
	if (backend == UMEM_BACKEND_WAL)
		return umem_wal_open(path, layout, root_size, um_out);
	return umem_pmem_open(path, layout, root_size, um_out);
}

int umem_remove(uint32_t backend, const char *path)
{
	if (backend == UMEM_BACKEND_WAL)
		return umem_wal_remove(path);
	return umem_pmem_remove(path);
}

/* ------------------------------------------------------------------------------------------
 * Transactions and the records they touch
 *
 * The records a transaction touched: entries in the order touched, and an open-addressing table
 * of their offsets (linear probing, at most half full). A slot is in use only when its gen is
 * the running transaction's number, so a new transaction starts without clearing the table.
 */

/* Slots of the table at first; it doubles as the transaction touches more. */
#define SEAL_SLOTS_MIN 256u
/* Keep the buffers between transactions, but not those of a rare huge one. */
#define SEAL_ENTS_KEEP_MAX 65536u

struct seal_ent {
	umem_off_t   off;
	umem_seal_fn seal;  /* NULL: freed again in the transaction, nothing to seal */
	bool         added; /* its checksum's bytes are in the transaction */
};

struct seal_slot {
	uint64_t gen;
	size_t   idx;      /* into ents */
};

struct umem_seals {
	uint64_t          gen;     /* the running (or last) transaction's number, from 1 */
	bool              active;  /* a transaction is running */
	struct seal_ent  *ents;
	size_t            n, cap;
	struct seal_slot *slots;
	size_t            n_slots; /* a power of two, at least twice n */
};

static size_t seal_hash(umem_off_t off, size_t n_slots)
{
	/* Fibonacci hashing; records are at least 16 bytes apart, so drop the low bits first. */
	return (size_t)(((off >> 4) * 0x9e3779b97f4a7c15ull) >> 32) & (n_slots - 1);
}

static struct seal_ent *seal_find(const struct umem_seals *s, umem_off_t off)
{
	size_t i;

	if (s == NULL || !s->active || s->n_slots == 0)
		return NULL;
	for (i = seal_hash(off, s->n_slots);; i = (i + 1) & (s->n_slots - 1)) {
		const struct seal_slot *slot = &s->slots[i];

		if (slot->gen != s->gen)
			return NULL;
		if (s->ents[slot->idx].off == off)
			return &s->ents[slot->idx];
	}
}

static void seal_place(struct umem_seals *s, size_t idx)
{
	size_t i = seal_hash(s->ents[idx].off, s->n_slots);

	while (s->slots[i].gen == s->gen)
		i = (i + 1) & (s->n_slots - 1);
	s->slots[i].gen = s->gen;
	s->slots[i].idx = idx;
}

/* Room for one more entry, with the table at most half full after it. */
static int seal_reserve(struct umem_seals *s)
{
	if (s->n + 1 > s->cap) {
		size_t cap = s->cap == 0 ? SEAL_SLOTS_MIN / 2 : s->cap * 2, bytes;
		struct seal_ent *e;

		/* Every record touched is a record written: far fewer than this can address. */
		VOS_ASSERT(cap > s->cap && !__builtin_mul_overflow(cap, sizeof(*e), &bytes));
		e = realloc(s->ents, bytes);
		if (e == NULL)
			return vos_fail(VOS_ERR_NOMEM, "out of memory for a transaction that changes "
					"%zu records", s->n + 1);
		s->ents = e;
		s->cap = cap;
	}
	if (2 * (s->n + 1) > s->n_slots) {
		size_t n_slots = s->n_slots == 0 ? SEAL_SLOTS_MIN : s->n_slots * 2;
		struct seal_slot *slots;

		VOS_ASSERT(n_slots > s->n_slots); /* calloc checks n_slots * sizeof */
		slots = calloc(n_slots, sizeof(*slots));

		if (slots == NULL)
			return vos_fail(VOS_ERR_NOMEM, "out of memory for a transaction that changes "
					"%zu records", s->n + 1);
		free(s->slots);
		s->slots = slots;
		s->n_slots = n_slots;
		/* calloc'd slots have gen 0, never a transaction's number. */
		for (size_t i = 0; i < s->n; i++)
			seal_place(s, i);
	}
	return VOS_OK;
}

int umem_tx_begin(struct umem *um, uint32_t flags)
{
	int rc;

	if (um->seals == NULL) {
		um->seals = calloc(1, sizeof(*um->seals));
		if (um->seals == NULL)
			return vos_fail(VOS_ERR_NOMEM, "out of memory for a transaction");
	}
	rc = um->ops->tx_begin(um, flags);
	if (rc != VOS_OK)
		return rc;
	VOS_ASSERT(!um->seals->active);
	um->seals->gen++;
	um->seals->n = 0;
	um->seals->active = true;
	return VOS_OK;
}

static void seals_end(struct umem_seals *s)
{
	s->active = false;
	if (s->cap > SEAL_ENTS_KEEP_MAX) {
		free(s->ents);
		free(s->slots);
		s->ents = NULL;
		s->slots = NULL;
		s->cap = 0;
		s->n_slots = 0;
	}
	s->n = 0;
}

int umem_tx_end(struct umem *um, struct umem_wait *wait_out)
{
	struct umem_seals *s = um->seals;
	int rc = VOS_OK;

	*wait_out = (struct umem_wait){ 0 };
	VOS_ASSERT(s != NULL && s->active);
	/* Sealing only adds ranges and writes checksums: it touches nothing new. */
	for (size_t i = 0; i < s->n && rc == VOS_OK; i++)
		if (s->ents[i].seal != NULL)
			rc = s->ents[i].seal(um, s->ents[i].off, s->ents[i].added);
	seals_end(s);
	if (rc != VOS_OK) {
		um->ops->tx_abort(um);
		return rc;
	}
	rc = um->ops->tx_commit(um, wait_out);
	if (rc == VOS_OK)
		um->commits++;
	return rc;
}

int umem_tx_durable(struct umem *um, const struct umem_wait *wait)
{
	if (wait->lsn == 0 || um->ops->tx_wait == NULL)
		return VOS_OK;
	return um->ops->tx_wait(um, wait);
}

int umem_tx_commit(struct umem *um)
{
	struct umem_wait wait;
	int rc = umem_tx_end(um, &wait);

	return rc != VOS_OK ? rc : umem_tx_durable(um, &wait);
}

void umem_tx_abort(struct umem *um)
{
	VOS_ASSERT(um->seals != NULL && um->seals->active);
	seals_end(um->seals);
	um->ops->tx_abort(um);
}

int umem_tx_touch(struct umem *um, umem_off_t off, umem_seal_fn seal, bool added)
{
	struct umem_seals *s = um->seals;
	struct seal_ent *e;
	int rc;

	VOS_ASSERT(s != NULL && s->active && off != UMEM_OFF_NULL && seal != NULL);
	e = seal_find(s, off);
	if (e != NULL) {
		/* A record freed and allocated again in the transaction starts afresh. */
		e->added = (e->added && e->seal != NULL) || added;
		e->seal = seal;
		return VOS_OK;
	}
	rc = seal_reserve(s);
	if (rc != VOS_OK)
		return rc;
	s->ents[s->n].off = off;
	s->ents[s->n].seal = seal;
	s->ents[s->n].added = added;
	seal_place(s, s->n);
	s->n++;
	return VOS_OK;
}

bool umem_tx_touched(const struct umem *um, umem_off_t off)
{
	const struct seal_ent *e = seal_find(um->seals, off);

	return e != NULL && e->seal != NULL;
}

int umem_free(struct umem *um, umem_off_t off)
{
	struct seal_ent *e;

	if (off == UMEM_OFF_NULL)
		return VOS_OK;
	/* A freed record must not be sealed: its memory is no longer the record's. */
	e = seal_find(um->seals, off);
	if (e != NULL)
		e->seal = NULL;
	return um->ops->free(um, off);
}

void umem_close(struct umem *um)
{
	struct umem_seals *s = um->seals;

	um->ops->close(um);
	if (s != NULL) {
		free(s->ents);
		free(s->slots);
		free(s);
	}
}
