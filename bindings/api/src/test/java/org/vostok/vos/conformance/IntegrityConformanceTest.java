package org.vostok.vos.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.vostok.vos.Container;
import org.vostok.vos.FetchRequest;
import org.vostok.vos.FetchResult;
import org.vostok.vos.Iteration;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.Pool;
import org.vostok.vos.VosError;
import org.vostok.vos.VosException;

/** Damaged pool files: a flipped byte in a value is CORRUPT, never wrong bytes; a mangled header is refused. */
public abstract class IntegrityConformanceTest extends VosConformance {

    /** Flips one bit in the middle of every copy of {@code marker} in the file; returns how many. */
    private static int flipInEveryCopy(Path file, byte[] marker) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int flipped = 0;
        for (int i = 0; i + marker.length <= bytes.length; i++) {
            if (bytes[i] == marker[0] && java.util.Arrays.equals(bytes, i, i + marker.length, marker, 0, marker.length)) {
                try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                    raf.seek(i + marker.length / 2);
                    raf.write(bytes[i + marker.length / 2] ^ 0x10);
                }
                flipped++;
                i += marker.length - 1;
            }
        }
        return flipped;
    }

    @Test
    void aCorruptValueIsCorruptAndTheRestReadable() throws IOException {
        Pool pool = newPool("corrupt");
        Container c = newContainer(pool);
        UUID uuid = c.uuid();
        c.createObject(1, KeyOrder.INTEGER, 1);
        byte[] victim = pattern(99, 512);
        c.update(1, Key.of(1), 2, utf8("healthy before"));
        c.update(1, Key.of(2), 2, victim);
        c.update(1, Key.of(3), 2, utf8("healthy after"));
        Path path = pool.path();
        pool.close();
        assertTrue(flipInEveryCopy(path, victim) >= 1, "the value must be somewhere in the pool file");

        Pool reopened = openPool(path);
        Container again = closeAfter(reopened.openContainer(uuid));
        VosException e = assertVos(VosError.CORRUPT, () -> again.fetch(1, 2, 2));
        assertTrue(e.getMessage().contains("2"), e::getMessage);
        List<FetchResult> batch = again.fetch(List.of(FetchRequest.of(1, 1, 2), FetchRequest.of(1, 2, 2),
                FetchRequest.of(1, 3, 2)));
        assertEquals("healthy before", new String(batch.get(0).value().orElseThrow()));
        assertEquals(VosError.CORRUPT, assertInstanceOf(FetchResult.Failed.class, batch.get(1)).error());
        assertEquals("healthy after", new String(batch.get(2).value().orElseThrow()));
        assertVos(VosError.CORRUPT, () -> again.iterate(Iteration.forward(1, 2), r -> true));
        // Keys without values are still listed, and a fresh version replaces the damaged one.
        assertEquals(3, again.collect(Iteration.forward(1, 2).withKeysOnly(), 10).size());
        again.update(1, Key.of(2), 3, utf8("repaired"));
        assertEquals("repaired", text(again.fetch(1, 2, 3)));
    }

    @Test
    void aPoolWithAMangledHeaderIsRefused() throws IOException {
        Pool pool = newPool("header");
        Path path = pool.path();
        pool.close();
        try (RandomAccessFile raf = new RandomAccessFile(path.toFile(), "rw")) {
            raf.seek(0);
            raf.write(pattern(5, 4096));
        }
        VosException e = assertThrows(VosException.class, () -> provider().openPool(path));
        assertTrue(Set.of(VosError.NOTPOOL, VosError.CORRUPT).contains(e.error()), e::getMessage);
    }
}
