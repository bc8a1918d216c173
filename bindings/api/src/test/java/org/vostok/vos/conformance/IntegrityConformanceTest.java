package org.vostok.vos.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
import org.vostok.vos.Scrub;
import org.vostok.vos.ScrubDamage;
import org.vostok.vos.ScrubProgress;
import org.vostok.vos.ScrubSlice;
import org.vostok.vos.VosError;
import org.vostok.vos.VosException;

/**
 * Damaged pool files: a flipped byte in a value is CORRUPT, never wrong bytes; a mangled header is
 * refused; a scrub finds every flipped byte, says what and where, and goes on past it.
 */
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

    // ------------------------------------------------------------------------------------------
    // Scrubbing

    /** An integer key of object 2 whose 8 bytes occur nowhere else in the pool: found in its node. */
    private static final long NODE_MARKER_KEY = 0x9E3779B97F4A7C15L;

    /**
     * Fills a container: object 1 with keys 1..3 (key 2's value is {@code victim}), object 2 with
     * ten integer keys ending with {@link #NODE_MARKER_KEY} (one leaf node), object 3 with twenty
     * lexical keys, some with two versions. Returns the container's UUID.
     */
    private UUID fillForScrub(Pool pool, byte[] victim) {
        Container c = newContainer(pool);
        c.createObject(1, KeyOrder.INTEGER, 1);
        c.update(1, Key.of(1), 2, utf8("healthy before"));
        c.update(1, Key.of(2), 2, victim);
        c.update(1, Key.of(3), 2, utf8("healthy after"));
        c.createObject(2, KeyOrder.INTEGER, 1);
        for (long k = 1; k <= 9; k++) {
            c.update(2, Key.of(k), 2, utf8("object 2, key " + k));
        }
        c.update(2, Key.of(NODE_MARKER_KEY), 2, utf8("the marker key"));
        c.createObject(3, KeyOrder.LEXICAL, 1);
        for (int k = 0; k < 20; k++) {
            c.update(3, Key.of(utf8("lexical key " + k)), 2, pattern(k, 100 + 40 * k));
            if (k % 3 == 0) {
                c.update(3, Key.of(utf8("lexical key " + k)), 3, utf8("newer"));
            }
        }
        return c.uuid();
    }

    private static byte[] littleEndian(long value) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array();
    }

    @Test
    void aSoundPoolScrubsClean() {
        Pool pool = newPool("sound");
        fillForScrub(pool, pattern(99, 512));

        ScrubProgress whole = pool.scrub();
        assertTrue(whole.done() && whole.isSound(), () -> "a sound pool scrubbed with problems: " + whole);
        assertEquals(List.of(), whole.damage());
        assertTrue(whole.containers() >= 1 && whole.objects() >= 3, whole::toString);
        assertTrue(whole.keys() >= 33, () -> "33 keys were written, the scrub checked " + whole.keys());
        assertTrue(whole.versions() >= 33 + 7, () -> "40 versions were written, the scrub checked " + whole.versions());
        assertTrue(whole.bytes() >= 512 + 20 * 100, whole::toString);

        // The same pass in small slices checks the same structures (nothing changed in between).
        try (Scrub sliced = pool.startScrub()) {
            assertEquals(ScrubProgress.NOT_STARTED, sliced.progress());
            ScrubSlice slice;
            int slices = 0;
            do {
                slice = sliced.slice(1024);
                slices++;
                assertTrue(slice.bytes() > 0, "every slice checks something");
                assertTrue(slices <= 10_000, "a pass over a small pool must end");
            } while (!slice.pass().done());
            ScrubProgress end = sliced.progress();
            assertTrue(sliced.isDone() && end.isSound(), end::toString);
            assertTrue(end.slices() > 1 && end.slices() == slices, end::toString);
            assertEquals(whole.keys(), end.keys());
            assertEquals(whole.versions(), end.versions());
            assertEquals(whole.objects(), end.objects());
            // A finished pass stays finished.
            ScrubSlice after = sliced.slice(1024);
            assertEquals(0, after.bytes());
            assertEquals(end, after.pass());
            assertThrows(IllegalArgumentException.class, () -> sliced.slice(0));
        }
    }

    @Test
    void aScrubReportsFlippedBytesWithWhereAndWhatAndGoesOn() throws IOException {
        Pool pool = newPool("flipped");
        byte[] victim = pattern(77, 512);
        UUID uuid = fillForScrub(pool, victim);
        Path path = pool.path();
        pool.close();
        assertTrue(flipInEveryCopy(path, victim) >= 1, "the value must be somewhere in the pool file");
        assertTrue(flipInEveryCopy(path, littleEndian(NODE_MARKER_KEY)) >= 1,
                "the marker key must be in a node of the pool file");

        Pool reopened = openPool(path);
        ScrubProgress whole = reopened.scrub();
        assertTrue(whole.done(), "damage must not stop the pass");
        assertTrue(whole.problems() >= 2 && !whole.isSound(), () -> "two structures were damaged: " + whole);
        ScrubDamage value = findDamage(whole, "container " + uuid + ", object 1, key 2");
        assertTrue(value.what().contains("version record"), value::toString);
        ScrubDamage node = findDamage(whole, "container " + uuid + ", object 2");
        assertTrue(node.what().contains("index node"), node::toString);
        assertTrue(value.what().contains("pool offset") && node.what().contains("pool offset"),
                () -> "a damage must say where in the file: " + value + "; " + node);
        // The pass went on past both: object 1's other keys and all of object 3 were checked.
        assertTrue(whole.keys() >= 2 + 20, () -> "the keys after the damage must be checked: " + whole);

        // Sliced, the same damage is found, each piece in exactly one slice, and the pass still ends.
        List<ScrubDamage> found = new ArrayList<>();
        try (Scrub sliced = reopened.startScrub()) {
            ScrubSlice slice;
            int slices = 0;
            do {
                slice = sliced.slice(512);
                found.addAll(slice.found());
                assertTrue(++slices <= 10_000, "a pass over a small pool must end");
            } while (!slice.pass().done());
            assertEquals(slice.pass().damage(), found);
            assertEquals(whole.problems(), slice.pass().problems());
            assertEquals(whole.damage(), slice.pass().damage());
        }

        // The rest of the pool is as it was; the damaged value is CORRUPT, not wrong bytes.
        Container again = closeAfter(reopened.openContainer(uuid));
        assertEquals("healthy after", text(again.fetch(1, 3, 2)));
        assertVos(VosError.CORRUPT, () -> again.fetch(1, 2, 2));
        assertEquals("newer", text(again.fetch(3, Key.of(utf8("lexical key 3")), 3)));
    }

    @Test
    void aScrubOfAClosedPoolIsRefused() {
        Pool pool = newPool("closed");
        Scrub scrub = closeAfter(pool.startScrub());
        pool.close();
        assertVos(VosError.BADHANDLE, () -> scrub.slice(Scrub.SLICE_BYTES_DEFAULT));
        assertVos(VosError.BADHANDLE, pool::startScrub);
        scrub.close();
        assertVos(VosError.BADHANDLE, () -> scrub.slice(Scrub.SLICE_BYTES_DEFAULT));
        assertFalse(scrub.isDone());
    }

    private static ScrubDamage findDamage(ScrubProgress progress, String where) {
        return progress.damage().stream().filter(d -> d.where().equals(where)).findFirst()
                .orElseThrow(() -> new AssertionError("no damage at '" + where + "' in " + progress.damage()));
    }
}
