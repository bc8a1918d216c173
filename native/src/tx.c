/*
 * tx.c: vos_tx_apply, many operations as one local transaction.
 *
 * Every operation is checked against the call's arguments before the transaction begins, so a
 * malformed batch is refused without touching the pool; what can only be checked against the
 * pool (handles, objects, epochs, space) fails inside the transaction, which then aborts as a
 * whole.
 */
#include "vos_internal.h"

#include <stdio.h>

/* Whether [off, off + len) lies in a buffer of size bytes, without overflow. */
static bool in_buffer(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

static int check_op(const vos_op_t *op, uint32_t i, uint64_t data_len)
{
	switch (op->kind) {
	case VOS_OP_UPDATE:
	case VOS_OP_PUNCH:
		if (op->key_len > VOS_KEY_BYTES_MAX)
			return vos_fail(VOS_ERR_TOOBIG,
					"operation %u: a key of %u bytes is longer than %u bytes "
					"(VOS_KEY_BYTES_MAX)", i, op->key_len, VOS_KEY_BYTES_MAX);
		if (op->key_len > 0 && !in_buffer(op->key_off, op->key_len, data_len))
			return vos_fail(VOS_ERR_INVAL,
					"operation %u: its key [%llu, +%u) lies outside the data "
					"buffer of %llu bytes", i, (unsigned long long)op->key_off,
					op->key_len, (unsigned long long)data_len);
		if (op->kind == VOS_OP_PUNCH)
			break;
		if (op->value_len > VOS_VALUE_BYTES_MAX)
			return vos_fail(VOS_ERR_TOOBIG,
					"operation %u: a value of %u bytes is larger than %u bytes "
					"(VOS_VALUE_BYTES_MAX)", i, op->value_len,
					VOS_VALUE_BYTES_MAX);
		if (!in_buffer(op->value_off, op->value_len, data_len))
			return vos_fail(VOS_ERR_INVAL,
					"operation %u: its value [%llu, +%u) lies outside the data "
					"buffer of %llu bytes", i, (unsigned long long)op->value_off,
					op->value_len, (unsigned long long)data_len);
		break;
	case VOS_OP_OBJ_CREATE:
		if (op->key_order != VOS_KEYS_INTEGER && op->key_order != VOS_KEYS_LEXICAL)
			return vos_fail(VOS_ERR_INVAL,
					"operation %u: key_order %u is neither VOS_KEYS_INTEGER (1) "
					"nor VOS_KEYS_LEXICAL (2)", i, op->key_order);
		break;
	case VOS_OP_OBJ_PUNCH:
	case VOS_OP_DISCARD:
		break;
	default:
		return vos_fail(VOS_ERR_INVAL, "operation %u: unknown kind %u", i, op->kind);
	}
	if (op->epoch == VOS_EPOCH_MAX && op->kind != VOS_OP_DISCARD)
		return vos_fail(VOS_ERR_INVAL,
				"operation %u: epoch UINT64_MAX (VOS_EPOCH_MAX) is for reading the "
				"newest versions; write at a lower epoch", i);
	return VOS_OK;
}

static int apply_op(struct vos_pool *pool, const vos_op_t *op, const uint8_t *data)
{
	struct vos_cont_df *cont;
	struct vos_obj_df *obj;
	struct btr_cursor ocur;
	struct btr_key key;
	int rc;

	rc = vos_cont_get(pool, op->cont, &cont);
	if (rc != VOS_OK)
		return rc;
	/* A discard frees, and a new object holds nothing yet (its keys are noted as they are
	 * written): neither leaves aggregation anything to fold, so neither lowers its floor. A
	 * store that creates its structural objects at epoch 0 would otherwise send every later
	 * pass through the whole container. */
	if (op->kind != VOS_OP_DISCARD && op->kind != VOS_OP_OBJ_CREATE) {
		rc = vos_cont_note_write(pool, cont, op->epoch);
		if (rc != VOS_OK)
			return rc;
	}
	switch (op->kind) {
	case VOS_OP_OBJ_CREATE:
		return vos_obj_create(pool, cont, op->oid, op->key_order, op->epoch);
	case VOS_OP_OBJ_PUNCH:
		return vos_obj_punch(pool, cont, op->oid, op->epoch);
	case VOS_OP_DISCARD:
		return vos_cont_discard(pool, cont, op->epoch);
	default:
		break;
	}
	rc = vos_obj_find(pool, cont, op->oid, &ocur, &obj);
	if (rc == VOS_OK)
		rc = vos_obj_check_epoch(obj, op->epoch);
	if (rc == VOS_OK)
		rc = vos_obj_key(obj, op->key_int, op->key_len > 0 ? data + op->key_off : NULL,
				 op->key_len, &key);
	if (rc != VOS_OK)
		return rc;
	if (op->kind == VOS_OP_UPDATE)
		return vos_obj_write(pool, &ocur, obj, &key, op->epoch,
				     op->value_len > 0 ? data + op->value_off : NULL, op->value_len,
				     false);
	return vos_obj_write(pool, &ocur, obj, &key, op->epoch, NULL, 0, true);
}

VOS_EXPORT int vos_tx_apply(vos_pool_t *pool, const vos_op_t *ops, uint32_t n_ops,
			    const uint8_t *data, uint64_t data_len, uint32_t *failed_op)
{
	return vos_tx_apply_flags(pool, ops, n_ops, data, data_len, 0, failed_op);
}

VOS_EXPORT int vos_tx_apply_flags(vos_pool_t *pool, const vos_op_t *ops, uint32_t n_ops,
				  const uint8_t *data, uint64_t data_len, uint32_t tx_flags,
				  uint32_t *failed_op)
{
	uint32_t flags = UMEM_TX_MAINTENANCE;
	uint64_t bytes = 0;
	uint32_t i;
	int rc;

	vos_clear_message();
	if (failed_op != NULL)
		*failed_op = n_ops;
	rc = vos_pool_check(pool);
	if (rc != VOS_OK)
		return rc;
	if ((tx_flags & ~VOS_TX_LAZY) != 0)
		return vos_fail(VOS_ERR_INVAL, "unknown transaction flags 0x%x",
				tx_flags & ~VOS_TX_LAZY);
	if (ops == NULL || n_ops == 0)
		return vos_fail(VOS_ERR_INVAL, "no operations (ops is NULL or n_ops is 0)");
	if (n_ops > VOS_TX_OPS_MAX)
		return vos_fail(VOS_ERR_TOOBIG, "%u operations in one transaction; at most %u "
				"(VOS_TX_OPS_MAX)", n_ops, VOS_TX_OPS_MAX);
	if (data == NULL && data_len > 0)
		return vos_fail(VOS_ERR_INVAL, "data is NULL but data_len is %llu",
				(unsigned long long)data_len);
	for (i = 0; i < n_ops; i++) {
		rc = check_op(&ops[i], i, data == NULL ? 0 : data_len);
		if (rc != VOS_OK)
			goto refused;
		/* At most VOS_TX_OPS_MAX * (VOS_KEY_BYTES_MAX + VOS_VALUE_BYTES_MAX): no overflow. */
		if (ops[i].kind == VOS_OP_UPDATE || ops[i].kind == VOS_OP_PUNCH)
			bytes += ops[i].key_len + (ops[i].kind == VOS_OP_UPDATE ? ops[i].value_len : 0);
		if (bytes > VOS_TX_BYTES_MAX) {
			rc = vos_fail(VOS_ERR_TOOBIG,
				      "operation %u brings the keys and values of this transaction to "
				      "%llu bytes, more than %u (VOS_TX_BYTES_MAX); split it into "
				      "several transactions, the first ending before operation %u", i,
				      (unsigned long long)bytes, VOS_TX_BYTES_MAX, i);
			goto refused;
		}
		/* A batch that only discards frees space: it may use the space held back for
		 * that, so a full pool can always be truncated. */
		if (ops[i].kind != VOS_OP_DISCARD)
			flags = 0;
	}

	if (tx_flags & VOS_TX_LAZY)
		flags |= UMEM_TX_LAZY;
	rc = vos_pool_wrlock(pool);
	if (rc != VOS_OK)
		return rc;
	rc = umem_tx_begin(pool->um, flags);
	if (rc != VOS_OK) {
		vos_pool_unlock(pool);
		return rc;
	}
	for (i = 0; i < n_ops; i++) {
		rc = apply_op(pool, &ops[i], data);
		if (rc != VOS_OK) {
			umem_tx_abort(pool->um);
			vos_pool_unlock(pool);
			goto refused;
		}
	}
	return vos_pool_commit_unlock(pool);

refused:
	if (failed_op != NULL)
		*failed_op = i;
	if (n_ops > 1)
		vos_fail_context(rc, "operation %u of %u; nothing of this transaction was applied",
				 i, n_ops);
	return rc;
}

VOS_EXPORT int vos_discard(vos_pool_t *pool, vos_cont_h cont, uint64_t from_epoch)
{
	struct vos_cont_df *df;
	int rc;

	vos_clear_message();
	rc = vos_pool_check(pool);
	if (rc != VOS_OK)
		return rc;
	rc = vos_pool_wrlock(pool);
	if (rc != VOS_OK)
		return rc;
	rc = vos_cont_get(pool, cont, &df);
	if (rc == VOS_OK)
		rc = umem_tx_begin(pool->um, UMEM_TX_MAINTENANCE);
	if (rc == VOS_OK) {
		rc = vos_cont_discard(pool, df, from_epoch);
		if (rc == VOS_OK)
			return vos_pool_commit_unlock(pool);
		umem_tx_abort(pool->um);
	}
	vos_pool_unlock(pool);
	return rc;
}
