package org.vostok.vos;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The value types of the API: keys, errors, iterations. */
class KeyTest {

    @Test
    void integerKeysCompareUnsigned() {
        List<Key.IntegerKey> keys = new ArrayList<>(List.of(Key.of(-1L), Key.of(0), Key.of(Long.MIN_VALUE), Key.of(5)));
        keys.sort(null);
        assertEquals(List.of(Key.of(0), Key.of(5), Key.of(Long.MIN_VALUE), Key.of(-1L)), keys);
        assertEquals("18446744073709551615", Key.of(-1L).toString());
    }

    @Test
    void lexicalKeysCompareAsUnsignedBytesShorterFirst() {
        List<Key.LexicalKey> keys = new ArrayList<>(List.of(Key.of(new byte[] {(byte) 0x80}), Key.ofUtf8("ab"),
                Key.ofUtf8("a"), Key.ofUtf8("b")));
        keys.sort(null);
        assertEquals(List.of(Key.ofUtf8("a"), Key.ofUtf8("ab"), Key.ofUtf8("b"), Key.of(new byte[] {(byte) 0x80})), keys);
    }

    @Test
    void lexicalKeysAreImmutableValues() {
        byte[] bytes = {1, 2, 3};
        Key.LexicalKey key = Key.of(bytes);
        bytes[0] = 9;
        assertArrayEquals(new byte[] {1, 2, 3}, key.bytes());
        key.bytes()[1] = 9;
        assertArrayEquals(new byte[] {1, 2, 3}, key.bytes());
        assertEquals(Key.of(new byte[] {1, 2, 3}), key);
        assertEquals(Key.of(new byte[] {1, 2, 3}).hashCode(), key.hashCode());
        assertNotEquals(Key.of(new byte[] {1, 2}), key);
        assertTrue(key.asReadOnlyBuffer().isReadOnly());
        assertEquals("0x010203", key.toString());
        assertEquals("\"raft\"", Key.ofUtf8("raft").toString());
    }

    @Test
    void lexicalKeysOutsideTheLimitsAreRefused() {
        assertEquals(VosError.INVAL, assertThrows(VosException.class, () -> Key.of(new byte[0])).error());
        assertEquals(VosError.TOOBIG, assertThrows(VosException.class,
                () -> Key.of(new byte[VosLimits.KEY_BYTES_MAX + 1])).error());
        assertEquals(VosLimits.KEY_BYTES_MAX, Key.of(new byte[VosLimits.KEY_BYTES_MAX]).length());
    }

    @Test
    void errorCodesMapBothWays() {
        for (VosError error : VosError.values()) {
            if (error != VosError.UNKNOWN) {
                assertEquals(error, VosError.ofCode(error.code()));
            }
        }
        assertEquals(VosError.NOSPACE, VosError.ofCode(-2));
        assertEquals(VosError.BUSY, VosError.ofCode(-13));
        assertEquals(VosError.UNKNOWN, VosError.ofCode(-99));
        assertEquals(VosError.UNKNOWN, VosError.ofCode(0));
        assertEquals(VosError.UNKNOWN, VosError.ofCode(1));
    }

    @Test
    void exceptionsCarryCodeMessageAndFailedOperation() {
        VosException e = new VosException(VosError.NOSPACE, "the pool is full", 3);
        assertEquals("NOSPACE: the pool is full", e.getMessage());
        assertEquals("the pool is full", e.detail());
        assertEquals(3, e.failedOperation().getAsInt());
        assertTrue(new VosException(VosError.IO, "x").failedOperation().isEmpty());
    }

    @Test
    void iterationsAreBuiltStepByStepAndValidated() {
        Iteration it = Iteration.backward(7, 9).from(Key.of(3)).withKeysOnly().withBatch(5, 4096);
        assertEquals(Direction.BACKWARD, it.direction());
        assertEquals(Optional.of(Key.of(3)), it.anchor());
        assertTrue(it.anchorInclusive() && it.keysOnly());
        assertEquals(5, it.batchRecordsMax());
        Iteration resumed = new IterationResult(2, false, Optional.of(Key.of(1))).resume(it).orElseThrow();
        assertEquals(Optional.of(Key.of(1)), resumed.anchor());
        assertTrue(!resumed.anchorInclusive());
        assertTrue(new IterationResult(2, true, Optional.of(Key.of(1))).resume(it).isEmpty());
        assertThrows(IllegalArgumentException.class, () -> it.withBatch(-1, 4096));
        assertThrows(IllegalArgumentException.class, () -> it.withBatch(0, 8));
    }

    @Test
    void withoutAnImplementationLoadingSaysWhichArtifactToAdd() {
        VosUnavailableException e = assertThrows(VosUnavailableException.class, () -> VosProvider.load("ffm"));
        assertTrue(e.getMessage().contains("ffm"), e::getMessage);
        // The default lookup fails the same clear way every time, not with an initialization error.
        for (int i = 0; i < 2; i++) {
            VosUnavailableException d = assertThrows(VosUnavailableException.class, VosProvider::load);
            assertTrue(d.getMessage().contains("vostok-vos-ffm"), d::getMessage);
        }
    }
}
