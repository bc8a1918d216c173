package org.vostok.vos.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.function.Executable;
import org.vostok.vos.Container;
import org.vostok.vos.Pool;
import org.vostok.vos.PoolOptions;
import org.vostok.vos.VosError;
import org.vostok.vos.VosException;
import org.vostok.vos.VosLimits;
import org.vostok.vos.VosProvider;

/**
 * The base of the conformance suite's test classes: every implementation of the VOS API runs
 * them all, once per pool backend, through {@link ConformanceSuite}, whose nested classes bind
 * each to the suite's {@link VosProvider} and {@link PoolOptions}. The tests use the API only,
 * assert what a user would notice, and never time anything.
 */
public abstract class VosConformance {
    /** The suite this test class runs in; set as the test instance is made. */
    private ConformanceSuite suite;

    /** Binds this test class to the suite's implementation and backend. */
    final void runIn(ConformanceSuite suite) {
        this.suite = suite;
    }

    private ConformanceSuite suite() {
        if (suite == null) {
            throw new IllegalStateException(getClass().getName() + " runs as a nested class of a ConformanceSuite, "
                    + "which names the implementation under test");
        }
        return suite;
    }

    /** The implementation under test. */
    protected VosProvider provider() {
        return suite().provider();
    }

    /** How the suite's pools are made. */
    protected PoolOptions poolOptions() {
        return suite().poolOptions();
    }

    /** Creates a pool the way {@link #poolOptions()} says; the caller closes it. */
    protected Pool createPool(Path path, long bytes) {
        return provider().createPool(path, bytes, poolOptions());
    }

    /** A size most tests' pools use: the smallest the store accepts. */
    protected static final long POOL_BYTES = VosLimits.POOL_BYTES_MIN;

    @TempDir
    protected Path dir;

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeEverything() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        toClose.clear();
    }

    /** Registers something to close after the test (pools are closed safely twice). */
    protected <T extends AutoCloseable> T closeAfter(T closeable) {
        toClose.add(closeable);
        return closeable;
    }

    protected Pool newPool(String name) {
        return newPool(name, POOL_BYTES);
    }

    protected Pool newPool(String name, long bytes) {
        return closeAfter(createPool(dir.resolve(name), bytes));
    }

    protected Pool openPool(Path path) {
        return closeAfter(provider().openPool(path));
    }

    /** Creates a container with a random UUID and opens it. */
    protected Container newContainer(Pool pool) {
        UUID uuid = UUID.randomUUID();
        pool.createContainer(uuid);
        return closeAfter(pool.openContainer(uuid));
    }

    protected static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    protected static String text(Optional<byte[]> value) {
        return value.map(v -> new String(v, StandardCharsets.UTF_8)).orElse("<absent>");
    }

    /** {@code length} pseudo-random bytes from {@code seed}, the same for the same arguments. */
    protected static byte[] pattern(long seed, int length) {
        byte[] bytes = new byte[length];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        return bytes;
    }

    /** Asserts that {@code call} fails with a VosException of {@code error} and a useful message. */
    protected static VosException assertVos(VosError error, Executable call) {
        VosException e = assertThrows(VosException.class, call);
        assertEquals(error, e.error(), () -> "expected " + error + " but got: " + e.getMessage());
        assertTrue(e.detail().length() > 10, () -> "the message should say what was wrong: '" + e.getMessage() + "'");
        return e;
    }

    protected static void assertValue(byte[] expected, Optional<byte[]> actual) {
        assertTrue(actual.isPresent(), "expected a value, found none");
        assertArrayEquals(expected, actual.get());
    }

    protected static void assertAbsent(Optional<byte[]> actual) {
        assertTrue(actual.isEmpty(), () -> "expected no value, found " + actual.get().length + " bytes");
    }
}
