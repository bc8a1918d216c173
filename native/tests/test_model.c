/*
 * test_model: the store against a model of its semantics in DRAM.
 *
 * Random transactions of updates, punches, object creates and punches, and discards (epochs
 * mostly rising, some in the past, some repeating an epoch), on integer and lexical objects;
 * transactions where an operation must fail (an object that does not exist at the epoch, an
 * object created twice) must fail at that operation and change nothing. Now and then the
 * container is aggregated in small slices. After every transaction, reads at random epochs
 * (batched fetches of every key, and iterations both ways resumed from anchors with small
 * buffers) must match the model exactly, at every epoch that aggregation left meaningful.
 * All along, a scrub pass runs a small slice after every transaction (so the pool changes
 * between its slices), and a whole pass runs now and then: neither may find anything wrong
 * with a pool that only the library has written.
 */
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_OBJS 4      /* oids 1 .. 4; odd ones have integer keys, even ones lexical */
#define N_KEYS 48
#define LEX_KEY_BYTES_MAX 40
#define VALUE_BYTES_MAX 5000
#define ROUNDS 2500

struct mver {
	uint64_t epoch;
	uint64_t seed;
	uint32_t len;
	bool     tomb;
};

struct mkey {
	struct mver *v; /* ascending epochs */
	uint32_t     n, cap;
};

struct mobj {
	bool        exists;
	uint64_t    create, punch;
	struct mkey keys[N_KEYS];
};

static struct mobj objs[N_OBJS + 1];
static uint8_t lex_keys[N_KEYS][LEX_KEY_BYTES_MAX];
static uint32_t lex_len[N_KEYS];
static uint64_t int_keys[N_KEYS];
static uint32_t order_int[N_KEYS], order_lex[N_KEYS]; /* key indices in key order */
static uint64_t now = 10, floor_epoch = 0;
static vos_pool_t *pool;
static vos_cont_h cont;
static uint8_t data[64 * (VALUE_BYTES_MAX + LEX_KEY_BYTES_MAX)];
static uint8_t out[256 * 1024];
static struct {
	uint64_t committed, refused, discards, ok, absent, nonexist, records;
	uint64_t scrub_passes, scrub_slices;
} stats;
static vos_scrub_t *background; /* a pass scrubbing between transactions */

static bool lexical(uint64_t oid)
{
	return oid % 2 == 0;
}

static int lex_cmp(uint32_t a, uint32_t b)
{
	uint32_t n = lex_len[a] < lex_len[b] ? lex_len[a] : lex_len[b];
	int r = memcmp(lex_keys[a], lex_keys[b], n);

	if (r != 0)
		return r;
	return (lex_len[a] > lex_len[b]) - (lex_len[a] < lex_len[b]);
}

static void make_keys(void)
{
	for (uint32_t i = 0; i < N_KEYS; i++) {
		/* Lengths around the 8 inline bytes, shared prefixes, zero and 0xff bytes. */
		lex_len[i] = 1 + (i * 7) % 32;
		for (uint32_t j = 0; j < lex_len[i]; j++)
			lex_keys[i][j] = j < 6 ? (uint8_t)"prefix"[j] : (uint8_t)((i * 37 + j * (i % 5)) % 3 == 0 ? 0 : (i * 13 + j) & 0xff);
		if (i % 9 == 0)
			lex_keys[i][0] = 0xff;
		int_keys[i] = i == 0 ? 0 : i == 1 ? UINT64_MAX : (uint64_t)i * 0x9e3779b97f4a7c15ull;
		order_int[i] = order_lex[i] = i;
	}
	/* Lexical keys must be distinct; make any clash longer by one byte. */
	for (uint32_t i = 0; i < N_KEYS; i++)
		for (uint32_t j = 0; j < i; j++)
			if (lex_cmp(i, j) == 0) {
				lex_keys[i][lex_len[i]] = (uint8_t)i;
				lex_len[i]++;
				j = (uint32_t)-1;
			}
	for (uint32_t i = 1; i < N_KEYS; i++)
		for (uint32_t j = i; j > 0; j--) {
			if (int_keys[order_int[j - 1]] > int_keys[order_int[j]]) {
				uint32_t t = order_int[j];

				order_int[j] = order_int[j - 1];
				order_int[j - 1] = t;
			}
			if (lex_cmp(order_lex[j - 1], order_lex[j]) > 0) {
				uint32_t t = order_lex[j];

				order_lex[j] = order_lex[j - 1];
				order_lex[j - 1] = t;
			}
		}
}

/* ---- The model ---- */

static void mkey_put(struct mkey *k, uint64_t epoch, uint64_t seed, uint32_t len, bool tomb)
{
	uint32_t i = 0;

	while (i < k->n && k->v[i].epoch < epoch)
		i++;
	if (i < k->n && k->v[i].epoch == epoch) {
		k->v[i] = (struct mver){ epoch, seed, len, tomb };
		return;
	}
	if (k->n == k->cap) {
		k->cap = k->cap ? 2 * k->cap : 4;
		k->v = realloc(k->v, k->cap * sizeof(*k->v));
		CHECK(k->v != NULL);
	}
	memmove(&k->v[i + 1], &k->v[i], (k->n - i) * sizeof(*k->v));
	k->v[i] = (struct mver){ epoch, seed, len, tomb };
	k->n++;
}

/* The live version at epoch, or NULL. */
static const struct mver *mkey_get(const struct mkey *k, uint64_t epoch)
{
	for (uint32_t i = k->n; i-- > 0;)
		if (k->v[i].epoch <= epoch)
			return k->v[i].tomb ? NULL : &k->v[i];
	return NULL;
}

static bool mobj_at(const struct mobj *o, uint64_t epoch)
{
	return o->exists && o->create <= epoch && (epoch < o->punch || o->punch == UINT64_MAX);
}

static void model_discard(uint64_t from)
{
	for (uint64_t oid = 1; oid <= N_OBJS; oid++) {
		struct mobj *o = &objs[oid];

		if (!o->exists)
			continue;
		if (o->create >= from) {
			o->exists = false;
			for (uint32_t k = 0; k < N_KEYS; k++)
				o->keys[k].n = 0;
			continue;
		}
		if (o->punch != UINT64_MAX && o->punch >= from)
			o->punch = UINT64_MAX;
		for (uint32_t k = 0; k < N_KEYS; k++) {
			struct mkey *mk = &o->keys[k];

			while (mk->n > 0 && mk->v[mk->n - 1].epoch >= from)
				mk->n--;
		}
	}
}

static void model_aggregate(uint64_t up_to)
{
	for (uint64_t oid = 1; oid <= N_OBJS; oid++) {
		struct mobj *o = &objs[oid];

		if (!o->exists)
			continue;
		if (o->punch != UINT64_MAX && o->punch <= up_to) {
			o->exists = false;
			for (uint32_t k = 0; k < N_KEYS; k++)
				o->keys[k].n = 0;
			continue;
		}
		for (uint32_t k = 0; k < N_KEYS; k++) {
			struct mkey *mk = &o->keys[k];
			uint32_t i = mk->n;

			while (i > 0 && mk->v[i - 1].epoch > up_to)
				i--;
			if (i == 0)
				continue; /* nothing at or below up_to */
			/* v[i - 1] is the newest at or below up_to: it stays, older ones go; a
			 * tombstone goes too. */
			{
				uint32_t drop = mk->v[i - 1].tomb ? i : i - 1;

				memmove(mk->v, &mk->v[drop], (mk->n - drop) * sizeof(*mk->v));
				mk->n -= drop;
			}
		}
	}
}

/* ---- Transactions ---- */

struct pending {
	vos_op_t op;
	uint32_t key;
	uint64_t seed;
};

static void set_key(vos_op_t *op, uint32_t key, uint64_t *used)
{
	if (lexical(op->oid)) {
		op->key_off = *used;
		op->key_len = lex_len[key];
		memcpy(data + *used, lex_keys[key], lex_len[key]);
		*used += lex_len[key];
	} else {
		op->key_int = int_keys[key];
	}
}

static void one_tx(void)
{
	struct pending ops[8];
	uint32_t n = 1 + (uint32_t)test_rand_below(6);
	uint64_t used = 0;
	/* Object states as the transaction goes, to know which operation must fail. */
	struct { bool exists; uint64_t create, punch; } dry[N_OBJS + 1];
	int want_rc = VOS_OK;
	uint32_t want_failed = n, failed;
	uint64_t epoch;

	for (uint64_t oid = 1; oid <= N_OBJS; oid++) {
		dry[oid].exists = objs[oid].exists;
		dry[oid].create = objs[oid].create;
		dry[oid].punch = objs[oid].punch;
	}
	if (test_rand_below(10) != 0)
		now += test_rand_below(3); /* sometimes the same epoch again */
	for (uint32_t i = 0; i < n; i++) {
		struct pending *p = &ops[i];
		uint64_t r = test_rand_below(100);
		uint64_t oid = 1 + test_rand_below(N_OBJS);
		uint64_t alive[N_OBJS], dead[N_OBJS];
		uint32_t n_alive = 0, n_dead = 0;
		bool ok;

		epoch = now;
		if (test_rand_below(8) == 0 && now - floor_epoch > 12)
			epoch = now - 1 - test_rand_below(10); /* a write in the past */
		for (uint64_t o = 1; o <= N_OBJS; o++) {
			if (dry[o].exists && dry[o].create <= epoch && epoch < dry[o].punch)
				alive[n_alive++] = o;
			if (!dry[o].exists)
				dead[n_dead++] = o;
		}
		/* Mostly operations that should succeed; now and then one that must fail. */
		if (r >= 3 && r < 6 && n_dead == 0 && test_rand_below(4) != 0)
			r = 50; /* nothing to create: an update instead */
		if (r >= 3 && r < 6 && n_dead > 0 && test_rand_below(10) != 0)
			oid = dead[test_rand_below(n_dead)];
		else if (n_alive > 0 && test_rand_below(50) != 0)
			oid = alive[test_rand_below(n_alive)];
		memset(p, 0, sizeof(*p));
		p->op = test_op(VOS_OP_UPDATE, cont, oid, epoch);
		p->key = (uint32_t)test_rand_below(N_KEYS);
		if (r < 3) {
			uint64_t from = now - test_rand_below(6);

			if (from <= floor_epoch)
				from = floor_epoch + 1;
			p->op.kind = VOS_OP_DISCARD;
			p->op.epoch = from;
			for (uint64_t o = 1; o <= N_OBJS; o++) {
				if (dry[o].exists && dry[o].create >= from)
					dry[o].exists = false;
				else if (dry[o].punch != UINT64_MAX && dry[o].punch >= from)
					dry[o].punch = UINT64_MAX;
			}
			ok = true;
		} else if (r < 6) {
			p->op.kind = VOS_OP_OBJ_CREATE;
			p->op.key_order = lexical(oid) ? VOS_KEYS_LEXICAL : VOS_KEYS_INTEGER;
			ok = !dry[oid].exists;
			if (ok) {
				dry[oid].exists = true;
				dry[oid].create = epoch;
				dry[oid].punch = UINT64_MAX;
			}
		} else if (r < 7 && test_rand_below(2) == 0) {
			p->op.kind = VOS_OP_OBJ_PUNCH;
			ok = dry[oid].exists && dry[oid].create <= epoch && epoch < dry[oid].punch;
			if (ok)
				dry[oid].punch = epoch;
		} else if (r < 80) {
			uint32_t len = test_rand_below(20) == 0 ? VALUE_BYTES_MAX
							     : (uint32_t)test_rand_below(300);

			set_key(&p->op, p->key, &used);
			p->seed = test_rand();
			p->op.value_off = used;
			p->op.value_len = len;
			test_fill(data + used, len, p->seed);
			used += len;
			ok = dry[oid].exists && dry[oid].create <= epoch && epoch < dry[oid].punch;
		} else {
			p->op.kind = VOS_OP_PUNCH;
			set_key(&p->op, p->key, &used);
			ok = dry[oid].exists && dry[oid].create <= epoch && epoch < dry[oid].punch;
		}
		if (!ok && want_rc == VOS_OK) {
			want_rc = p->op.kind == VOS_OP_OBJ_CREATE ? VOS_ERR_EXIST : VOS_ERR_NONEXIST;
			want_failed = i;
		}
	}
	{
		vos_op_t flat[8];

		for (uint32_t i = 0; i < n; i++)
			flat[i] = ops[i].op;
		CHECK_RC(vos_tx_apply(pool, flat, n, data, used, &failed), want_rc);
		CHECK(failed == want_failed);
	}
	if (want_rc != VOS_OK) {
		stats.refused++;
		return;
	}
	stats.committed++;
	for (uint32_t i = 0; i < n; i++) {
		const vos_op_t *op = &ops[i].op;
		struct mobj *o = &objs[op->oid];

		switch (op->kind) {
		case VOS_OP_UPDATE:
			mkey_put(&o->keys[ops[i].key], op->epoch, ops[i].seed, op->value_len, false);
			break;
		case VOS_OP_PUNCH:
			mkey_put(&o->keys[ops[i].key], op->epoch, 0, 0, true);
			break;
		case VOS_OP_OBJ_CREATE:
			o->exists = true;
			o->create = op->epoch;
			o->punch = UINT64_MAX;
			break;
		case VOS_OP_OBJ_PUNCH:
			o->punch = op->epoch;
			break;
		case VOS_OP_DISCARD:
			stats.discards++;
			model_discard(op->epoch);
			now = op->epoch; /* the log is rewritten from here */
			break;
		}
	}
}

/* ---- Checks ---- */

static void check_value(const uint8_t *got, uint32_t len, const struct mver *v)
{
	static uint8_t want[VALUE_BYTES_MAX];

	CHECK(len == v->len);
	test_fill(want, v->len, v->seed);
	CHECK(memcmp(got, want, v->len) == 0);
}

static void check_fetch(uint64_t oid, uint64_t epoch)
{
	vos_fetch_req_t reqs[N_KEYS];
	uint8_t keys[N_KEYS * LEX_KEY_BYTES_MAX];
	const struct mobj *o = &objs[oid];
	uint64_t kused = 0;

	memset(reqs, 0, sizeof(reqs));
	for (uint32_t k = 0; k < N_KEYS; k++) {
		reqs[k].cont = cont;
		reqs[k].oid = oid;
		reqs[k].epoch = epoch;
		if (lexical(oid)) {
			memcpy(keys + kused, lex_keys[k], lex_len[k]);
			reqs[k].key_off = kused;
			reqs[k].key_len = lex_len[k];
			kused += lex_len[k];
		} else {
			reqs[k].key_int = int_keys[k];
		}
	}
	CHECK_OK(vos_fetch(pool, reqs, N_KEYS, keys, kused, out, sizeof(out)));
	for (uint32_t k = 0; k < N_KEYS; k++) {
		const struct mver *v;

		if (!mobj_at(o, epoch)) {
			CHECK(reqs[k].status == VOS_ERR_NONEXIST);
			stats.nonexist++;
			continue;
		}
		v = mkey_get(&o->keys[k], epoch);
		if (v == NULL) {
			CHECK(reqs[k].status == VOS_ABSENT);
			stats.absent++;
			continue;
		}
		CHECK(reqs[k].status == VOS_OK);
		stats.ok++;
		CHECK(reqs[k].value_off % 8 == 0);
		check_value(out + reqs[k].value_off, reqs[k].value_len, v);
	}
}

static void check_iterate(uint64_t oid, uint64_t epoch, bool backward, bool keys_only)
{
	const struct mobj *o = &objs[oid];
	const uint32_t *order = lexical(oid) ? order_lex : order_int;
	uint32_t expect[N_KEYS], n_expect = 0, n_got = 0;
	uint8_t anchor[LEX_KEY_BYTES_MAX];
	vos_iter_req_t req;
	uint32_t state = 0;

	for (uint32_t i = 0; i < N_KEYS; i++) {
		uint32_t k = order[backward ? N_KEYS - 1 - i : i];

		if (mkey_get(&o->keys[k], epoch) != NULL)
			expect[n_expect++] = k;
	}
	memset(&req, 0, sizeof(req));
	req.cont = cont;
	req.oid = oid;
	req.epoch = epoch;
	req.flags = (backward ? VOS_ITER_BACKWARD : 0) | (keys_only ? VOS_ITER_KEYS_ONLY : 0);
	if (!mobj_at(o, epoch)) {
		uint32_t n;
		uint64_t used;

		CHECK_RC(vos_iterate(pool, &req, NULL, out, sizeof(out), &n, &used, &state),
			 VOS_ERR_NONEXIST);
		return;
	}
	while (state != VOS_ITER_END) {
		uint64_t buf_len = 64 + test_rand_below(4096), used, at = 0;
		uint32_t n;
		int rc;

		req.records_max = (uint32_t)test_rand_below(6);
		rc = vos_iterate(pool, &req, anchor, out, buf_len, &n, &used, &state);
		if (rc == VOS_ERR_TRUNC) {
			CHECK(n == 0 && used > buf_len);
			buf_len = used;
			rc = vos_iterate(pool, &req, anchor, out, buf_len, &n, &used, &state);
		}
		CHECK_OK(rc);
		CHECK(n > 0 || state == VOS_ITER_END);
		CHECK(used <= buf_len);
		CHECK(req.records_max == 0 || n <= req.records_max);
		for (uint32_t r = 0; r < n; r++) {
			vos_rec_hdr_t hdr;
			uint32_t k;

			CHECK(n_got < n_expect);
			k = expect[n_got++];
			stats.records++;
			memcpy(&hdr, out + at, sizeof(hdr));
			if (lexical(oid)) {
				CHECK(hdr.key_len == lex_len[k]);
				CHECK(memcmp(out + at + sizeof(hdr), lex_keys[k], lex_len[k]) == 0);
				memcpy(anchor, lex_keys[k], lex_len[k]);
				req.anchor_len = lex_len[k];
			} else {
				CHECK(hdr.key_len == 0 && hdr.key_int == int_keys[k]);
				req.anchor_int = int_keys[k];
			}
			if (keys_only)
				CHECK(hdr.value_len == 0);
			else
				check_value(out + at + sizeof(hdr) + hdr.key_len, hdr.value_len,
					    mkey_get(&o->keys[k], epoch));
			at += (sizeof(hdr) + hdr.key_len + hdr.value_len + 7) & ~7ull;
			req.flags |= VOS_ITER_HAS_ANCHOR;
		}
		CHECK(at == used);
		CHECK(state == VOS_ITER_END || n_got < n_expect);
	}
	CHECK(n_got == n_expect);
}

static uint64_t random_epoch(void)
{
	switch (test_rand_below(5)) {
	case 0:
		return UINT64_MAX;
	case 1:
		return now;
	case 2:
		return floor_epoch;
	case 3:
		return floor_epoch + test_rand_below(now - floor_epoch + 3);
	default:
		return now - test_rand_below(now - floor_epoch < 20 ? now - floor_epoch + 1 : 20);
	}
}

static void check_scrubbed(const vos_scrub_t *s)
{
	if (s->problems == 0)
		return;
	for (uint32_t i = 0; i < s->messages; i++)
		fprintf(stderr, "scrub: %s\n", s->message[i]);
	CHECK(!"a scrub of a pool only the library wrote finds nothing wrong");
}

/* One slice of the background pass; a finished pass is checked and another one started. */
static void scrub_slice(void)
{
	CHECK_OK(vos_scrub_slice(pool, background, 1 + test_rand_below(4096)));
	stats.scrub_slices++;
	if (!background->done)
		return;
	check_scrubbed(background);
	CHECK(background->containers == 1 && background->nodes > 0);
	stats.scrub_passes++;
	memset(background, 0, sizeof(*background));
}

static void scrub_whole(void)
{
	vos_scrub_t *s = calloc(1, sizeof(*s));

	CHECK(s != NULL);
	CHECK_OK(vos_pool_scrub(pool, NULL, s));
	check_scrubbed(s);
	CHECK(s->done && s->containers == 1 && s->nodes > 0);
	stats.scrub_passes++;
	free(s);
}

static void aggregate(void)
{
	uint64_t up_to = floor_epoch + test_rand_below(now - floor_epoch + 1);
	vos_agg_cursor_t *cursor = calloc(1, sizeof(*cursor));
	uint32_t done = 0, calls = 0;

	CHECK(cursor != NULL);
	while (!done) {
		CHECK_OK(vos_aggregate(pool, cont, up_to, cursor, 1 + (uint32_t)test_rand_below(40),
				       &done));
		calls++;
		CHECK(calls < 10000);
	}
	/* A finished cursor stays finished. */
	CHECK_OK(vos_aggregate(pool, cont, up_to, cursor, 5, &done));
	CHECK(done == 1);
	free(cursor);
	model_aggregate(up_to);
	if (up_to > floor_epoch)
		floor_epoch = up_to;
}

int main(void)
{
	uint8_t uuid[16] = { 0x5e, 0x11 };

	test_init("model", true);
	make_keys();
	CHECK_OK(test_pool_create(test_path("model.pool"), 256ull << 20, &pool));
	CHECK_OK(vos_cont_create(pool, uuid));
	CHECK_OK(vos_cont_open(pool, uuid, &cont));
	for (uint64_t oid = 1; oid <= N_OBJS; oid++) {
		CHECK_OK(test_obj_create(pool, cont, oid,
					 lexical(oid) ? VOS_KEYS_LEXICAL : VOS_KEYS_INTEGER, 1));
		objs[oid].exists = true;
		objs[oid].create = 1;
		objs[oid].punch = UINT64_MAX;
	}
	background = calloc(1, sizeof(*background));
	CHECK(background != NULL);
	for (int round = 0; round < ROUNDS; round++) {
		one_tx();
		scrub_slice();
		for (int c = 0; c < 2; c++) {
			uint64_t oid = 1 + test_rand_below(N_OBJS);
			uint64_t epoch = random_epoch();

			check_fetch(oid, epoch);
			check_iterate(oid, epoch, test_rand_below(2) == 0, test_rand_below(4) == 0);
		}
		if (round % 100 == 99) {
			aggregate();
			scrub_whole();
		}
		if (round % 500 == 499) {
			/* Everything survives a close and reopen. */
			uint8_t u[16] = { 0x5e, 0x11 };

			CHECK_OK(vos_pool_close(pool));
			CHECK_OK(vos_pool_open(test_path("model.pool"), &pool));
			CHECK_OK(vos_cont_open(pool, u, &cont));
			memset(background, 0, sizeof(*background));
			for (uint64_t oid = 1; oid <= N_OBJS; oid++) {
				check_fetch(oid, UINT64_MAX);
				check_iterate(oid, now, false, false);
			}
		}
	}
	scrub_whole();
	CHECK_OK(vos_pool_close(pool));
	free(background);
	for (uint64_t oid = 1; oid <= N_OBJS; oid++)
		for (uint32_t k = 0; k < N_KEYS; k++)
			free(objs[oid].keys[k].v);
	printf("test_model: OK (%llu transactions committed, %llu refused as expected, %llu "
	       "discards; fetched %llu values, %llu absent, %llu in no object; iterated %llu "
	       "records; epoch %llu; %llu scrub passes, %llu slices between transactions)\n",
	       (unsigned long long)stats.committed,
	       (unsigned long long)stats.refused, (unsigned long long)stats.discards,
	       (unsigned long long)stats.ok, (unsigned long long)stats.absent,
	       (unsigned long long)stats.nonexist, (unsigned long long)stats.records,
	       (unsigned long long)now, (unsigned long long)stats.scrub_passes,
	       (unsigned long long)stats.scrub_slices);
	return 0;
}
