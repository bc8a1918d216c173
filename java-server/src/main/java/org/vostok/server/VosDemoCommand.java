package org.vostok.server;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.vostok.vos.Container;
import org.vostok.vos.Iteration;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.Pool;
import org.vostok.vos.PoolInfo;
import org.vostok.vos.Transaction;
import org.vostok.vos.VosLimits;
import org.vostok.vos.VosProvider;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code vostok vos-demo}: a short walk through the versioning object store. It creates a pool in a
 * temporary directory (or the one given), writes versioned values in transactions, reads them
 * back at several epochs, punches, truncates and aggregates, reopens the pool to show that
 * everything persisted, and prints each step with what it observed.
 */
@Command(name = "vos-demo", mixinStandardHelpOptions = true,
        description = "Create a VOS pool, write and read versioned values, and print what happened.")
final class VosDemoCommand implements Callable<Integer> {

    private static final long POOL_BYTES = 64L << 20;
    private static final long OBJECT_ID = 1;

    @Spec
    private CommandSpec spec;

    @Option(names = "--dir", description = "Where to put the pool file (default: a new temporary directory, removed at the end).")
    private Optional<Path> directory = Optional.empty();

    @Option(names = "--keep", description = "Keep the pool file at the end.")
    private boolean keep;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Path dir = directory.isPresent() ? Files.createDirectories(directory.get())
                : Files.createTempDirectory("vostok-demo-");
        Path poolPath = dir.resolve("demo.pool");
        VosProvider vos = VosProvider.load();
        out.printf("VOS provider: %s%n", vos.name());
        UUID containerId = UUID.nameUUIDFromBytes("vostok-demo".getBytes(StandardCharsets.UTF_8));
        try {
            try (Pool pool = vos.createPool(poolPath, POOL_BYTES)) {
                PoolInfo info = pool.query();
                out.printf("created pool %s: %s total, %s free (layout version %d)%n", poolPath,
                        mib(info.totalBytes()), mib(info.freeBytes()), info.layoutVersion());
                pool.createContainer(containerId);
                try (Container container = pool.openContainer(containerId)) {
                    writeAndRead(out, pool, container);
                }
            }
            try (Pool pool = vos.openPool(poolPath); Container container = pool.openContainer(containerId)) {
                out.printf("reopened the pool: colour at epoch 3 is %s, newest is %s%n",
                        text(container.fetch(OBJECT_ID, Key.ofUtf8("colour"), 3)),
                        text(container.fetch(OBJECT_ID, Key.ofUtf8("colour"), VosLimits.EPOCH_MAX)));
                PoolInfo info = pool.query();
                out.printf("pool space: %s used of %s%n", kib(info.usedBytes()), mib(info.totalBytes()));
            }
        } finally {
            if (!keep) {
                vos.destroyPool(poolPath);
                if (directory.isEmpty()) {
                    Files.deleteIfExists(dir);
                }
            } else {
                out.printf("kept the pool file %s%n", poolPath);
            }
        }
        out.println("demo finished");
        out.flush();
        return 0;
    }

    private static void writeAndRead(PrintWriter out, Pool pool, Container container) {
        Key colour = Key.ofUtf8("colour");
        Key shape = Key.ofUtf8("shape");
        try (Transaction tx = pool.newTransaction()) {
            tx.createObject(container, OBJECT_ID, KeyOrder.LEXICAL, 1)
                    .update(container, OBJECT_ID, colour, 1, utf8("red"))
                    .update(container, OBJECT_ID, shape, 1, utf8("circle"));
            tx.commit();
            out.println("epoch 1: created object 1 (lexical keys); colour=red, shape=circle (one transaction)");
            tx.update(container, OBJECT_ID, colour, 2, utf8("green"));
            tx.commit();
            out.println("epoch 2: colour=green");
            tx.update(container, OBJECT_ID, colour, 3, utf8("blue")).punch(container, OBJECT_ID, shape, 3);
            tx.commit();
            out.println("epoch 3: colour=blue, shape punched");
            tx.update(container, OBJECT_ID, colour, 4, utf8("violet"));
            tx.commit();
            out.println("epoch 4: colour=violet");
        }
        for (long epoch = 1; epoch <= 4; epoch++) {
            out.printf("  read at epoch %d: colour=%s shape=%s%n", epoch,
                    text(container.fetch(OBJECT_ID, colour, epoch)), text(container.fetch(OBJECT_ID, shape, epoch)));
        }
        StringBuilder keys = new StringBuilder();
        container.iterate(Iteration.forward(OBJECT_ID, 2), record -> {
            keys.append(' ').append(record.key()).append('=').append(text(Optional.of(record.value())));
            return true;
        });
        out.printf("  live keys at epoch 2:%s%n", keys);
        container.discard(4);
        out.printf("discarded epochs >= 4 (how a Raft log is truncated): newest colour is now %s%n",
                text(container.fetch(OBJECT_ID, colour, VosLimits.EPOCH_MAX)));
        container.aggregate(3);
        out.printf("aggregated epochs <= 3 into one version: colour at epoch 3 is %s, shape is %s%n",
                text(container.fetch(OBJECT_ID, colour, 3)), text(container.fetch(OBJECT_ID, shape, 3)));
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Optional<byte[]> value) {
        return value.map(bytes -> new String(bytes, StandardCharsets.UTF_8)).orElse("(none)");
    }

    private static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / (1024.0 * 1024.0));
    }

    private static String kib(long bytes) {
        return String.format("%.1f KiB", bytes / 1024.0);
    }
}
