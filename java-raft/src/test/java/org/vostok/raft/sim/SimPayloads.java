package org.vostok.raft.sim;

import java.nio.ByteBuffer;

/**
 * Client payloads: a unique id in the first 8 bytes, padded to a size of the client's choice so
 * that the byte bounds of messages, batches and uncommitted entries come into play.
 */
final class SimPayloads {

    static final int ID_BYTES = 8;

    private SimPayloads() {
    }

    static byte[] create(long id, int bytes) {
        byte[] data = new byte[Math.max(ID_BYTES, bytes)];
        ByteBuffer.wrap(data).putLong(id);
        for (int i = ID_BYTES; i < data.length; i++) {
            data[i] = (byte) (id * 31 + i);
        }
        return data;
    }

    static long id(byte[] data) {
        if (data.length < ID_BYTES) {
            throw new AssertionError("a client payload has at least " + ID_BYTES + " bytes, got " + data.length);
        }
        return ByteBuffer.wrap(data).getLong();
    }
}
