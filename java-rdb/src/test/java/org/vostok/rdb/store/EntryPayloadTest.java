package org.vostok.rdb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.vostok.rdb.model.KvsPath;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RequestId;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;

/** The binary form of a transaction in a log entry: round trips, and bytes that do not decode. */
class EntryPayloadTest {

    private static final KvsPath DEEP = KvsPath.root().child("a").child(Key.of(-1L)).child(Key.of(new byte[4096]));

    private static EntryPayload every() {
        return new EntryPayload(Optional.of(new RequestId(UUID.randomUUID(), 42)), List.of(
                new Op.CreateRoot(KeyOrder.LEXICAL),
                new Op.DestroyRoot(),
                new Op.CreateKvs(DEEP, Key.of(5), KeyOrder.INTEGER),
                new Op.DestroyKvs(KvsPath.root(), Key.ofUtf8("x")),
                new Op.Update(DEEP, Key.of(0), new byte[] {1, 2, 3}),
                new Op.Update(KvsPath.root(), Key.ofUtf8("empty"), new byte[0]),
                new Op.Delete(DEEP, Key.ofUtf8("gone"))));
    }

    @Test
    void everyOperationRoundTrips() {
        EntryPayload p = every();
        byte[] data = p.encode();
        assertEquals(p.encodedBytes(), data.length);
        assertEquals(p, EntryPayload.decode(data));
        EntryPayload bare = new EntryPayload(Optional.empty(), List.of());
        assertEquals(bare, EntryPayload.decode(bare.encode()));
    }

    @Test
    void everyTruncationFailsToDecodeWithInval() {
        byte[] data = every().encode();
        for (int n = 0; n < data.length; n++) {
            byte[] cut = Arrays.copyOf(data, n);
            PlanFailure f = assertThrows(PlanFailure.class, () -> EntryPayload.decode(cut), "length " + n);
            assertEquals(RdbError.INVAL, f.error());
        }
    }

    @Test
    void unknownFormatsKindsAndTrailingBytesFail() {
        byte[] data = every().encode();
        byte[] format = data.clone();
        format[0] = 3;
        assertTrue(assertThrows(PlanFailure.class, () -> EntryPayload.decode(format)).getMessage().contains("format"));
        format[0] = 1;
        assertTrue(assertThrows(PlanFailure.class, () -> EntryPayload.decode(format)).getMessage().contains("format"));
        byte[] flags = data.clone();
        flags[1] = 4;
        assertThrows(PlanFailure.class, () -> EntryPayload.decode(flags));
        byte[] kind = data.clone();
        kind[2 + 24 + 4] = 99;
        assertTrue(assertThrows(PlanFailure.class, () -> EntryPayload.decode(kind)).getMessage().contains("kind"));
        byte[] longer = Arrays.copyOf(data, data.length + 1);
        assertThrows(PlanFailure.class, () -> EntryPayload.decode(longer));
    }
}
