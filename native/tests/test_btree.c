/*
 * test_btree: the B+-tree against a model in DRAM.
 *
 * Random upserts, deletes and epoch changes in transactions (some aborted), on integer keys and
 * on lexical keys built to collide in their first 8 bytes; after every transaction the tree's
 * structure is checked, and iteration both ways, every probe and the epoch search must agree
 * with the model. Deleting every key, or destroying the tree, must give back every byte.
 */
#include "check.h"

#include "btree.h"
#include "error.h"
#include "umem.h"
#include "wal_heap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_BYTES_MAX 300u
#define MODEL_MAX 6000u

struct mkey {
	uint8_t  bytes[KEY_BYTES_MAX];
	uint32_t len;
	uint64_t ival;
	uint64_t val;
	uint64_t epoch;
};

static struct mkey *model, *saved;
static uint32_t n_model, n_saved;
static bool lexical;

static void mkey_to_key(const struct mkey *m, struct btr_key *k)
{
	if (lexical)
		btr_key_bytes(k, m->bytes, m->len);
	else
		btr_key_int(k, m->ival);
}

static int mcmp(const struct mkey *a, const struct mkey *b)
{
	if (!lexical)
		return (a->ival > b->ival) - (a->ival < b->ival);
	uint32_t n = a->len < b->len ? a->len : b->len;
	int r = memcmp(a->bytes, b->bytes, n);

	if (r != 0)
		return r < 0 ? -1 : 1;
	return (a->len > b->len) - (a->len < b->len);
}

/* First model index not below k. */
static uint32_t mlower(const struct mkey *k, bool *eq)
{
	uint32_t lo = 0, hi = n_model;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (mcmp(&model[mid], k) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*eq = lo < n_model && mcmp(&model[lo], k) == 0;
	return lo;
}

static void random_key(struct mkey *k)
{
	memset(k, 0, sizeof(*k));
	if (!lexical) {
		k->ival = test_rand_below(8) == 0 ? test_rand() : test_rand_below(20000);
		return;
	}
	static const uint8_t alphabet[] = { 0, 1, 'a', 0xff };
	uint64_t r = test_rand_below(16);

	k->len = r == 0 ? 1 + (uint32_t)test_rand_below(KEY_BYTES_MAX)
			: 1 + (uint32_t)test_rand_below(r < 8 ? 12 : 24);
	for (uint32_t i = 0; i < k->len; i++)
		k->bytes[i] = alphabet[test_rand_below(sizeof(alphabet))];
}

static void check_same_key(struct btr_cursor *cur, const struct mkey *m)
{
	struct btr_key k;

	CHECK_OK(btr_cur_key(cur, &k));
	if (lexical) {
		CHECK(k.len == m->len);
		CHECK(memcmp(k.bytes, m->bytes, m->len) == 0);
	} else {
		CHECK(k.len == 0 && k.inl == m->ival);
	}
	CHECK(btr_cur_ent(cur)->val == m->val);
	CHECK(btr_cur_ent(cur)->epoch == m->epoch);
}

static void verify(const struct btr_tree *t)
{
	struct btr_cursor cur;
	int rc;

	CHECK_OK(btr_check(t));
	CHECK(t->root->count == n_model);
	/* Forward and backward. */
	rc = btr_probe(t, &cur, BTR_PROBE_FIRST, NULL);
	for (uint32_t i = 0; i < n_model; i++) {
		CHECK_OK(rc);
		check_same_key(&cur, &model[i]);
		rc = btr_next(&cur);
	}
	CHECK_RC(rc, VOS_ERR_NONEXIST);
	rc = btr_probe(t, &cur, BTR_PROBE_LAST, NULL);
	for (uint32_t i = n_model; i-- > 0;) {
		CHECK_OK(rc);
		check_same_key(&cur, &model[i]);
		rc = btr_prev(&cur);
	}
	CHECK_RC(rc, VOS_ERR_NONEXIST);
	/* Probes at random keys. */
	for (int p = 0; p < 50; p++) {
		struct mkey k;
		struct btr_key bk;
		bool eq;
		uint32_t lo;

		random_key(&k);
		mkey_to_key(&k, &bk);
		lo = mlower(&k, &eq);
		rc = btr_probe(t, &cur, BTR_PROBE_EQ, &bk);
		CHECK(rc == (eq ? VOS_OK : VOS_ERR_NONEXIST));
		if (eq)
			check_same_key(&cur, &model[lo]);
		rc = btr_probe(t, &cur, BTR_PROBE_GE, &bk);
		CHECK(rc == (lo < n_model ? VOS_OK : VOS_ERR_NONEXIST));
		if (rc == VOS_OK)
			check_same_key(&cur, &model[lo]);
		{
			uint32_t gt = eq ? lo + 1 : lo;

			rc = btr_probe(t, &cur, BTR_PROBE_GT, &bk);
			CHECK(rc == (gt < n_model ? VOS_OK : VOS_ERR_NONEXIST));
			if (rc == VOS_OK)
				check_same_key(&cur, &model[gt]);
		}
		{
			int64_t le = eq ? (int64_t)lo : (int64_t)lo - 1;

			rc = btr_probe(t, &cur, BTR_PROBE_LE, &bk);
			CHECK(rc == (le >= 0 ? VOS_OK : VOS_ERR_NONEXIST));
			if (rc == VOS_OK)
				check_same_key(&cur, &model[le]);
		}
		{
			int64_t lt = (int64_t)lo - 1;

			rc = btr_probe(t, &cur, BTR_PROBE_LT, &bk);
			CHECK(rc == (lt >= 0 ? VOS_OK : VOS_ERR_NONEXIST));
			if (rc == VOS_OK)
				check_same_key(&cur, &model[lt]);
		}
		/* The epoch search from after this key. */
		{
			uint64_t from = test_rand_below(1000);
			uint32_t i = eq ? lo + 1 : lo;

			while (i < n_model && model[i].epoch < from)
				i++;
			rc = btr_find_epoch(t, &cur, from, &bk);
			CHECK(rc == (i < n_model ? VOS_OK : VOS_ERR_NONEXIST));
			if (rc == VOS_OK)
				check_same_key(&cur, &model[i]);
			/* From the first, and on with btr_find_epoch_next: every match, in order. */
			i = 0;
			rc = btr_find_epoch(t, &cur, from, NULL);
			for (; p < 3;) {
				while (i < n_model && model[i].epoch < from)
					i++;
				CHECK(rc == (i < n_model ? VOS_OK : VOS_ERR_NONEXIST));
				if (rc != VOS_OK)
					break;
				check_same_key(&cur, &model[i]);
				i++;
				rc = btr_find_epoch_next(&cur, from);
			}
		}
	}
}

static void one_op(const struct btr_tree *t)
{
	struct btr_cursor cur;
	struct btr_key bk;
	struct mkey k;
	uint64_t r = test_rand_below(10);

	if (r < 6 || n_model < 10) {
		uint64_t epoch = test_rand_below(1000);
		uint64_t val = test_rand();
		bool created, eq;
		uint32_t lo;

		if (n_model >= MODEL_MAX)
			return;
		random_key(&k);
		mkey_to_key(&k, &bk);
		lo = mlower(&k, &eq);
		CHECK_OK(btr_upsert(t, &cur, &bk, epoch, val, &created));
		CHECK(created == !eq);
		if (created) {
			memmove(&model[lo + 1], &model[lo], (n_model - lo) * sizeof(*model));
			k.val = val;
			k.epoch = epoch;
			model[lo] = k;
			n_model++;
		} else {
			if (model[lo].epoch < epoch)
				model[lo].epoch = epoch;
			if (test_rand_below(2) == 0) {
				CHECK_OK(btr_cur_update(&cur, val, epoch));
			} else {
				CHECK_OK(btr_cur_raise_epoch(&cur, epoch));
				CHECK_OK(btr_cur_set_val(&cur, val));
			}
			model[lo].val = val;
		}
		check_same_key(&cur, &model[lo]);
	} else if (r < 9) {
		uint32_t i = (uint32_t)test_rand_below(n_model);

		mkey_to_key(&model[i], &bk);
		CHECK_OK(btr_probe(t, &cur, BTR_PROBE_EQ, &bk));
		CHECK_OK(btr_cur_delete(&cur));
		memmove(&model[i], &model[i + 1], (n_model - i - 1) * sizeof(*model));
		n_model--;
	} else if (test_rand_below(4) != 0) {
		uint32_t i = (uint32_t)test_rand_below(n_model);
		uint64_t epoch = test_rand_below(1000);

		mkey_to_key(&model[i], &bk);
		CHECK_OK(btr_probe(t, &cur, BTR_PROBE_EQ, &bk));
		CHECK_OK(btr_cur_set_epoch(&cur, epoch));
		model[i].epoch = epoch;
	} else {
		/* A sweep as discard does it: every entry at or above an epoch is deleted or
		 * lowered, continuing from the cursor whenever a deletion left it positioned. */
		uint64_t from = 960 + test_rand_below(40);
		uint32_t m = 0;
		int rc = btr_find_epoch(t, &cur, from, NULL);

		while (rc == VOS_OK) {
			while (model[m].epoch < from)
				m++;
			check_same_key(&cur, &model[m]);
			if (test_rand_below(3) != 0) {
				struct mkey saved_key = model[m];

				CHECK_OK(btr_cur_delete(&cur));
				memmove(&model[m], &model[m + 1], (n_model - m - 1) * sizeof(*model));
				n_model--;
				if (btr_cur_positioned(&cur)) {
					rc = btr_find_epoch_next(&cur, from);
				} else {
					mkey_to_key(&saved_key, &bk);
					rc = btr_find_epoch(t, &cur, from, &bk);
				}
			} else {
				model[m].epoch = test_rand_below(from);
				CHECK_OK(btr_cur_set_epoch(&cur, model[m].epoch));
				m++;
				rc = btr_find_epoch_next(&cur, from);
			}
		}
		CHECK(rc == VOS_ERR_NONEXIST);
		for (; m < n_model; m++)
			CHECK(model[m].epoch < from);
	}
}

static void run(struct umem *um, uint32_t key_order, int rounds)
{
	struct btr_root *root = umem_ptr(um, um->root);
	struct btr_tree t;
	uint64_t total, free0, free1;
	struct btr_cursor cur;

	lexical = key_order == BTR_KEYS_LEXICAL;
	n_model = 0;
	CHECK_OK(umem_tx_begin(um, 0));
	CHECK_OK(umem_tx_add(um, root, sizeof(*root)));
	btr_root_init(root, key_order);
	CHECK_OK(umem_tx_commit(um));
	CHECK_OK(btr_open(&t, um, root, um->root, NULL));
	umem_space(um, &total, &free0);

	for (int round = 0; round < rounds; round++) {
		bool abort_it = test_rand_below(8) == 0;
		int ops = 1 + (int)test_rand_below(round < rounds / 2 ? 400 : 100);

		memcpy(saved, model, n_model * sizeof(*model));
		n_saved = n_model;
		CHECK_OK(umem_tx_begin(um, 0));
		for (int i = 0; i < ops; i++)
			one_op(&t);
		if (abort_it) {
			umem_tx_abort(um);
			memcpy(model, saved, n_saved * sizeof(*model));
			n_model = n_saved;
		} else {
			CHECK_OK(umem_tx_commit(um));
		}
		verify(&t);
	}
	printf("%s: %u keys, depth %u\n", lexical ? "lexical" : "integer", n_model,
	       (unsigned)root->depth);

	/* Delete everything, key by key, in a few transactions: every byte comes back. */
	while (n_model > 0) {
		CHECK_OK(umem_tx_begin(um, 0));
		for (int i = 0; i < 500 && n_model > 0; i++) {
			uint32_t j = (uint32_t)test_rand_below(n_model);
			struct btr_key bk;

			mkey_to_key(&model[j], &bk);
			CHECK_OK(btr_probe(&t, &cur, BTR_PROBE_EQ, &bk));
			CHECK_OK(btr_cur_delete(&cur));
			memmove(&model[j], &model[j + 1], (n_model - j - 1) * sizeof(*model));
			n_model--;
		}
		CHECK_OK(umem_tx_commit(um));
		verify(&t);
	}
	umem_space(um, &total, &free1);
	CHECK(free1 == free0);
	CHECK(root->depth == 0 && root->node == UMEM_OFF_NULL);

	/* Build again in ascending order, as a log grows (the right-edge split), then with random
	 * operations, and destroy whole: every byte comes back. */
	CHECK_OK(umem_tx_begin(um, 0));
	for (uint32_t i = 0; i < 3000; i++) {
		struct mkey *m = &model[n_model];
		struct btr_key bk;
		bool created;

		memset(m, 0, sizeof(*m));
		m->ival = 100000 + i;
		m->len = (uint32_t)snprintf((char *)m->bytes, sizeof(m->bytes), "~%08u", i);
		m->epoch = i;
		mkey_to_key(m, &bk);
		CHECK_OK(btr_upsert(&t, &cur, &bk, m->epoch, m->val, &created));
		CHECK(created);
		n_model++;
	}
	CHECK_OK(umem_tx_commit(um));
	verify(&t);
	{
		/* Appending leaves the leaves about 80% full, not half. */
		uint32_t leaves = 0;
		const struct btr_node *last = NULL;
		int rc;

		for (rc = btr_probe(&t, &cur, BTR_PROBE_FIRST, NULL); rc == VOS_OK;
		     rc = btr_next(&cur)) {
			if (cur.path[cur.depth - 1].node != last)
				leaves++;
			last = cur.path[cur.depth - 1].node;
		}
		CHECK(leaves * 24 <= 3000 + BTR_ORDER);
	}
	CHECK_OK(umem_tx_begin(um, 0));
	for (int i = 0; i < 2000; i++)
		one_op(&t);
	CHECK_OK(umem_tx_commit(um));
	verify(&t);
	CHECK_OK(umem_tx_begin(um, 0));
	CHECK_OK(btr_destroy(&t, NULL, NULL));
	CHECK_OK(umem_tx_commit(um));
	n_model = 0;
	verify(&t);
	umem_space(um, &total, &free1);
	CHECK(free1 == free0);
}

int main(void)
{
	struct umem *um;

	test_init("btree", true);
	model = calloc(MODEL_MAX + 1, sizeof(*model));
	saved = calloc(MODEL_MAX + 1, sizeof(*saved));
	CHECK(model != NULL && saved != NULL);
	if (test_backend() == VOS_BACKEND_WAL) {
		struct umem_wal_params params = { .segment_bytes = 256u << 10,
						  .checkpoint_bytes = 1u << 20 };

		CHECK_OK(umem_wal_create(test_path("pool"), "vostok-btree-test", 128ull << 20,
					 sizeof(struct btr_root), &params, NULL, &um));
	} else {
		CHECK_OK(umem_pmem_create(test_path("pool"), "vostok-btree-test", 128ull << 20,
					  sizeof(struct btr_root), &um));
	}
	run(um, BTR_KEYS_INTEGER, 300);
	run(um, BTR_KEYS_LEXICAL, 300);
	/* The WAL backend's allocator: every block and free list agrees after all of it. */
	if (test_backend() == VOS_BACKEND_WAL)
		CHECK_OK(wal_heap_verify(um));
	umem_close(um);
	free(model);
	free(saved);
	printf("test_btree: OK\n");
	return 0;
}
