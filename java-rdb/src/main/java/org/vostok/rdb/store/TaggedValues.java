package org.vostok.rdb.store;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.VosLimits;

/**
 * What a KVS object stores under a key: a one-byte tag, then either the user's value or the
 * descriptor of a child KVS. The root's descriptor, in the system object, has the same form.
 */
final class TaggedValues {

    static final byte TAG_VALUE = 0;
    static final byte TAG_KVS = 1;
    static final int DESCRIPTOR_BYTES = 10;

    /** The largest user value: the store's largest value less the tag. */
    static final int VALUE_BYTES_MAX = VosLimits.VALUE_BYTES_MAX - 1;

    private TaggedValues() {
    }

    static byte[] value(byte[] value) {
        byte[] raw = new byte[value.length + 1];
        raw[0] = TAG_VALUE;
        System.arraycopy(value, 0, raw, 1, value.length);
        return raw;
    }

    static byte[] descriptor(Descriptor d) {
        return ByteBuffer.allocate(DESCRIPTOR_BYTES).put(TAG_KVS).putLong(d.oid()).put((byte) d.order().code()).array();
    }

    static boolean isKvs(byte[] raw) {
        check(raw);
        return raw[0] == TAG_KVS;
    }

    /** The user's value in a raw record known to hold one. */
    static byte[] valueOf(byte[] raw) {
        check(raw);
        return Arrays.copyOfRange(raw, 1, raw.length);
    }

    /** The descriptor in a raw record known to hold one. */
    static Descriptor descriptorOf(byte[] raw) {
        check(raw);
        if (raw.length != DESCRIPTOR_BYTES || raw[0] != TAG_KVS) {
            throw corrupt("a KVS descriptor of " + raw.length + " bytes with tag " + raw[0]);
        }
        ByteBuffer in = ByteBuffer.wrap(raw, 1, DESCRIPTOR_BYTES - 1);
        long oid = in.getLong();
        byte order = in.get();
        if (oid < StoreLayout.FIRST_KVS_OID || oid >= StoreLayout.SEGMENT_OID_BASE) {
            throw corrupt("a KVS descriptor naming object " + oid + ", outside the KVS object ids");
        }
        for (KeyOrder o : KeyOrder.values()) {
            if (o.code() == order) {
                return new Descriptor(oid, o);
            }
        }
        throw corrupt("a KVS descriptor with key order " + order);
    }

    private static void check(byte[] raw) {
        if (raw.length == 0 || (raw[0] != TAG_VALUE && raw[0] != TAG_KVS)) {
            throw corrupt("a stored value of " + raw.length + " bytes" + (raw.length == 0 ? "" : " with tag " + raw[0]));
        }
    }

    private static RdbException corrupt(String detail) {
        return new RdbException(RdbError.CORRUPT, "the KV tree holds " + detail
                + "; the replica's pool is damaged: restore it from the other replicas");
    }
}
