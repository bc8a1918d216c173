package org.vostok.server.mgmt;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.UUID;
import org.vostok.client.ErrorCode;
import org.vostok.client.VostokException;
import org.vostok.rdb.model.KvsPath;
import org.vostok.rdb.Tx;
import org.vostok.vos.Key;

/** Protobuf records kept under rdb keys, and the small checks every service's handlers share. */
public final class Records {

    private Records() {
    }

    /** Parses a stored record. */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(byte[] bytes) throws InvalidProtocolBufferException;
    }

    /** The record under {@code key} in {@code kvs}, parsed; CORRUPT when it does not parse. */
    public static <T> Optional<T> get(Tx tx, KvsPath kvs, Key key, Parser<T> parser) {
        Optional<byte[]> v = tx.lookup(kvs, key);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(parser.parse(v.get()));
        } catch (InvalidProtocolBufferException e) {
            throw new VostokException(ErrorCode.CORRUPT, "the record under " + key + " in " + kvs
                    + " does not parse: " + e.getMessage());
        }
    }

    public static void put(Tx tx, KvsPath kvs, Key key, MessageLite record) {
        tx.update(kvs, key, record.toByteArray());
    }

    /** A 16-byte UUID from the wire; INVAL naming {@code what} otherwise. */
    public static UUID uuid(ByteString bytes, String what) {
        if (bytes.size() != 16) {
            throw new VostokException(ErrorCode.INVAL, what + " must be a 16-byte UUID, got " + bytes.size() + " bytes");
        }
        ByteBuffer b = bytes.asReadOnlyByteBuffer();
        return new UUID(b.getLong(), b.getLong());
    }

    public static ByteString bytes(UUID id) {
        ByteBuffer b = ByteBuffer.allocate(16);
        b.putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits());
        return ByteString.copyFrom(b.array());
    }

    public static Key key(UUID id) {
        return Key.of(bytes(id).toByteArray());
    }

    /** A label: 1 .. 127 characters of letters, digits, '-', '_', '.', ':'; INVAL otherwise. */
    public static String label(String label, String what) {
        if (label.isEmpty() || label.length() > 127) {
            throw new VostokException(ErrorCode.INVAL, what + " label must be 1 .. 127 characters, got '" + label + "'");
        }
        for (int i = 0; i < label.length(); i++) {
            char c = label.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.' || c == ':')) {
                throw new VostokException(ErrorCode.INVAL, what + " label '" + label + "' has '" + c
                        + "'; use letters, digits, '-', '_', '.' and ':'");
            }
        }
        return label;
    }

    /** A name for a property or an attribute: 1 .. 255 bytes. */
    public static Key name(String name, String what) {
        if (name.isEmpty() || name.length() > 255) {
            throw new VostokException(ErrorCode.INVAL, what + " name must be 1 .. 255 characters, got '" + name + "'");
        }
        return Key.ofUtf8(name);
    }
}
