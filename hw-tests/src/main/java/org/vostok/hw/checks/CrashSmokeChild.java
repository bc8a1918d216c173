package org.vostok.hw.checks;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.UUID;
import org.vostok.vos.Container;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.Pool;
import org.vostok.vos.PoolBackend;
import org.vostok.vos.PoolOptions;
import org.vostok.vos.Transaction;
import org.vostok.vos.VosProvider;

/**
 * The process {@link CrashSmoke} starts and kills: it commits transactions to a pool without end
 * and says {@code committed <n>} on stdout after commit n returned. Transaction n writes
 * {@link #value(long) value(n)} at key n of object 1, {@link #mirror(long) mirror(n)} at key n of
 * object 2 and n at key 0 of object 1, all at epoch n, so that after a kill the pool must hold
 * exactly transactions 1 .. L, each whole, with L at least the last acknowledged.
 *
 * <p>Arguments: {@code <pool> <PMEM|WAL> <create|reopen> <first n> <pool bytes>}. It prints
 * {@code ready} once the pool is open and {@code error <message>} (exit 1) if anything fails.
 */
public final class CrashSmokeChild {
    static final UUID CONTAINER = new UUID(0x766f73746f6b4843L, 1L);
    static final long DATA = 1;
    static final long MIRROR = 2;
    static final long LAST_KEY = 0;
    /** Bounds the loop of a child nobody kills. */
    static final long COMMITS_MAX = 10_000_000;
    private static final int VALUE_BYTES = 1024;

    private CrashSmokeChild() {
    }

    static byte[] value(long n) {
        byte[] value = new byte[VALUE_BYTES];
        Arrays.fill(value, (byte) ('a' + n % 26));
        byte[] head = ("value " + n + " ").getBytes(StandardCharsets.UTF_8);
        System.arraycopy(head, 0, value, 0, head.length);
        return value;
    }

    static byte[] mirror(long n) {
        return ("mirror " + n).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] number(long n) {
        return Long.toString(n).getBytes(StandardCharsets.UTF_8);
    }

    public static void main(String[] args) {
        PrintStream out = System.out;
        try {
            run(args, out);
            out.println("error the child committed " + COMMITS_MAX + " transactions without being killed");
            out.flush();
            System.exit(1);
        } catch (RuntimeException e) {
            out.println("error " + (e.getMessage() == null ? e.toString() : e.getMessage()).replace('\n', ' '));
            out.flush();
            System.exit(1);
        }
    }

    private static void run(String[] args, PrintStream out) {
        if (args.length != 5) {
            throw new IllegalArgumentException("usage: <pool> <PMEM|WAL> <create|reopen> <first n> <pool bytes>");
        }
        Path path = Path.of(args[0]);
        PoolBackend backend = PoolBackend.valueOf(args[1]);
        boolean create = args[2].equals("create");
        long first = Long.parseLong(args[3]);
        long poolBytes = Long.parseLong(args[4]);
        VosProvider vos = VosProvider.load();
        try (Pool pool = create ? vos.createPool(path, poolBytes, backend == PoolBackend.WAL ? PoolOptions.wal()
                : PoolOptions.pmem()) : vos.openPool(path)) {
            if (create) {
                pool.createContainer(CONTAINER);
            }
            try (Container c = pool.openContainer(CONTAINER); Transaction tx = pool.newTransaction()) {
                if (create) {
                    // Epoch 1 creates the objects; transaction n writes at epoch n + 1.
                    tx.createObject(c, DATA, KeyOrder.INTEGER, 1).createObject(c, MIRROR, KeyOrder.INTEGER, 1).commit();
                }
                out.println("ready");
                out.flush();
                for (long n = first; n < first + COMMITS_MAX; n++) {
                    tx.update(c, DATA, n, epoch(n), value(n)).update(c, MIRROR, n, epoch(n), mirror(n))
                            .update(c, DATA, LAST_KEY, epoch(n), number(n));
                    tx.commit();
                    out.println("committed " + n);
                    out.flush();
                }
            }
        }
    }

    /** The epoch of transaction n. */
    static long epoch(long n) {
        return n + 1;
    }
}
