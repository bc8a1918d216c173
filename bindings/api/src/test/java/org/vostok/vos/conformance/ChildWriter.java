package org.vostok.vos.conformance;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;
import org.vostok.vos.Container;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.Pool;
import org.vostok.vos.PoolBackend;
import org.vostok.vos.PoolOptions;
import org.vostok.vos.Transaction;
import org.vostok.vos.VosProvider;

/**
 * The program {@link DurabilityConformanceTest} runs in a child JVM, so that a test can use an
 * environment of its own (no PMEM_IS_PMEM_FORCE: PMDK's real msync path) or kill the process at
 * an arbitrary point. Arguments: {@code <provider> <pool> <mode> <count> [<backend>]}; the
 * provider is found by name through {@link VosProvider#load(String)}, the backend (a
 * {@link PoolBackend} name, PMEM if absent) makes the pool.
 *
 * <ul>
 *   <li>{@code write}: creates the pool, commits {@code count} transactions, closes it, reopens
 *       it and checks everything, then prints {@code verified <count>}.</li>
 *   <li>{@code stream}: creates the pool and commits transactions until killed, printing
 *       {@code committed <n>} after commit n returned.</li>
 *   <li>{@code lazystream}: as {@code stream}, but only every third transaction is an ordinary
 *       commit, the others lazy ({@link Transaction#commitLazily()}); it prints
 *       {@code committed <n>} after each ordinary one.</li>
 * </ul>
 * Transaction n writes key n := "value n" and key 0 := n, at epoch n, in object 1 of container
 * {@link #CONTAINER}.
 */
public final class ChildWriter {
    static final UUID CONTAINER = new UUID(0x766f73746f6b0001L, 1L);

    private ChildWriter() {
    }

    static byte[] value(long n) {
        return ("value " + n).getBytes(StandardCharsets.UTF_8);
    }

    public static void main(String[] args) {
        VosProvider provider = VosProvider.load(args[0]);
        Path path = Path.of(args[1]);
        String mode = args[2];
        long count = Long.parseLong(args[3]);
        PoolBackend backend = args.length > 4 ? PoolBackend.valueOf(args[4]) : PoolBackend.PMEM;
        PoolOptions options = backend == PoolBackend.WAL ? PoolOptions.wal() : PoolOptions.pmem();
        try (Pool pool = provider.createPool(path, 16L << 20, options)) {
            pool.createContainer(CONTAINER);
            try (Container c = pool.openContainer(CONTAINER); Transaction tx = pool.newTransaction()) {
                c.createObject(1, KeyOrder.INTEGER, 0);
                for (long n = 1; n <= count; n++) {
                    tx.update(c, 1, n, n, value(n)).update(c, 1, 0, n, Long.toString(n).getBytes(StandardCharsets.UTF_8));
                    boolean lazy = mode.equals("lazystream") && n % 3 != 0;
                    if (lazy) {
                        tx.commitLazily();
                    } else {
                        tx.commit();
                    }
                    if (mode.equals("stream") || (mode.equals("lazystream") && !lazy)) {
                        System.out.println("committed " + n);
                        System.out.flush();
                    }
                }
            }
        }
        if (mode.equals("write")) {
            try (Pool pool = provider.openPool(path); Container c = pool.openContainer(CONTAINER)) {
                for (long n = 1; n <= count; n++) {
                    byte[] found = c.fetch(1, n, count).orElseThrow(() -> new AssertionError("a key is missing"));
                    if (!java.util.Arrays.equals(found, value(n))) {
                        throw new AssertionError("key " + " holds the wrong bytes");
                    }
                }
            }
            System.out.println("verified " + count);
        }
    }

    /** Key 0 at the newest epoch: the last transaction that committed. */
    static long lastCommitted(Container c) {
        return c.fetch(1, Key.of(0), -1L).map(v -> Long.parseLong(new String(v, StandardCharsets.UTF_8))).orElse(0L);
    }
}
