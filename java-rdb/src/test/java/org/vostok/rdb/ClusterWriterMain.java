package org.vostok.rdb;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.vostok.rdb.model.KvsPath;
import org.vostok.rdb.testing.RecordingListener;
import org.vostok.rdb.testing.TestCluster;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.PoolOptions;

/**
 * The child JVM of {@link KilledProcessTest}: runs a cluster of three replicas on pool files in a
 * directory and writes to it until it is killed. Each transaction updates one new key in two
 * KVSs ({@code data} and {@code mirror}), so a torn transaction would show.
 *
 * <p>Arguments: {@code <dir> <pmem|wal> <found|reopen> <round> <seed> <clients>}. On standard
 * output, one line per event, each written with one write so that a kill never tears a line:
 * {@code ready}, then per transaction {@code attempt <key>} before it is committed and
 * {@code ack <key> <index>} once the commit completed. Logging goes to standard error. A thread
 * moves the leadership now and then, so that kills also land during elections.
 */
public final class ClusterWriterMain {

    static final KvsPath DATA = KvsPath.root().child("data");
    static final KvsPath MIRROR = KvsPath.root().child("mirror");
    static final List<Long> IDS = List.of(1L, 2L, 3L);

    private static final FileOutputStream OUT = new FileOutputStream(FileDescriptor.out);
    /** A child lives this long at most: longer than any round of its test. */
    private static final long LIFETIME_MILLIS_MAX = 10 * 60_000;

    private ClusterWriterMain() {
    }

    /** The key client {@code client} writes in its {@code sequence}th transaction of round {@code round}. */
    static String key(int round, int client, long sequence) {
        return "r" + round + "-c" + client + "-" + sequence;
    }

    /** The value every transaction writes under {@code key} in {@link #DATA}. */
    static byte[] value(String key) {
        return ("value of " + key).getBytes(StandardCharsets.UTF_8);
    }

    /** The value it writes under {@code key} in {@link #MIRROR}. */
    static byte[] mirrorValue(String key) {
        return ("mirror of " + key).getBytes(StandardCharsets.UTF_8);
    }

    /** The pools of the WAL runs: small segments and frequent checkpoints, so that kills land in them too. */
    static PoolOptions walOptions() {
        return PoolOptions.wal().withWalSegmentBytes(256 << 10).withWalCheckpointBytes(1 << 20);
    }

    private static synchronized void say(String line) {
        try {
            OUT.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // The test has gone: nothing to tell it any more.
            Runtime.getRuntime().halt(3);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 6) {
            System.err.println("usage: ClusterWriterMain <dir> <pmem|wal> <found|reopen> <round> <seed> <clients>");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        PoolOptions options = args[1].equals("wal") ? walOptions() : PoolOptions.pmem();
        boolean found = args[2].equals("found");
        int round = Integer.parseInt(args[3]);
        long seed = Long.parseLong(args[4]);
        int clients = Integer.parseInt(args[5]);
        RdbConfig config = TestCluster.testConfig(seed).build();

        TestCluster cluster = found
                ? TestCluster.start(dir, IDS.size(), config, seed, id -> new RecordingListener(), options)
                : TestCluster.reopen(dir, IDS, config, seed, id -> new RecordingListener());
        if (found) {
            cluster.commit(tx -> tx.createRoot(KeyOrder.LEXICAL)
                    .createKvs(KvsPath.root(), Key.ofUtf8("data"), KeyOrder.LEXICAL)
                    .createKvs(KvsPath.root(), Key.ofUtf8("mirror"), KeyOrder.LEXICAL));
        }
        cluster.awaitLeader();
        say("ready");

        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            Thread t = new Thread(() -> write(cluster, round, client), "writer-" + c);
            threads.add(t);
        }
        threads.forEach(Thread::start);
        moveLeadership(cluster, new SplittableRandom(seed));
        say("lifetime over: no test killed this child within " + LIFETIME_MILLIS_MAX + " ms");
        Runtime.getRuntime().halt(2);
    }

    private static void write(TestCluster cluster, int round, int client) {
        try {
            for (long sequence = 0; ; sequence++) {
                String key = key(round, client, sequence);
                say("attempt " + key);
                long index = cluster.commit(tx -> tx.update(DATA, Key.ofUtf8(key), value(key))
                        .update(MIRROR, Key.ofUtf8(key), mirrorValue(key)));
                say("ack " + key + " " + index);
            }
        } catch (Throwable e) {
            e.printStackTrace();
            say("failed " + e);
            Runtime.getRuntime().halt(1);
        }
    }

    /**
     * Hands the leadership to a random other replica every 200 to 700 ms, until the process is
     * killed; a child whose test never kills it (the test itself died) ends itself after
     * {@link #LIFETIME_MILLIS_MAX}.
     */
    private static void moveLeadership(TestCluster cluster, SplittableRandom random) throws InterruptedException {
        long deadline = System.nanoTime() + LIFETIME_MILLIS_MAX * 1_000_000L;
        while (System.nanoTime() - deadline < 0) {
            Thread.sleep(200 + random.nextInt(501));
            Optional<Replica> leader = cluster.leader();
            if (leader.isPresent()) {
                long target = IDS.get(random.nextInt(IDS.size()));
                if (target != leader.get().id()) {
                    leader.get().transferLeadership(target);
                }
            }
        }
    }
}
