package org.vostok.hw.checks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.hw.FakeTools;
import org.vostok.hw.Machine;
import org.vostok.hw.Workload;
import org.vostok.hw.report.Check;
import org.vostok.hw.report.Status;
import org.vostok.hw.system.MountTable;
import org.vostok.hw.system.SysFs;
import org.vostok.hw.thresholds.Thresholds;
import org.vostok.vos.Container;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.Pool;
import org.vostok.vos.PoolBackend;
import org.vostok.vos.PoolOptions;
import org.vostok.vos.Transaction;
import org.vostok.vos.VosProvider;

/**
 * The crash smoke with real children killed by SIGKILL, and its verdict on pools that do not hold
 * what was acknowledged: a smoke that could not fail would prove nothing about the media.
 */
class CrashSmokeTest {

    @TempDir
    Path dir;

    private final VosProvider vos = VosProvider.load();

    private Machine machine() {
        return new Machine(new FakeTools(), SysFs.system(), MountTable.PROC_MOUNTS, Map.of(), Thresholds.defaults(),
                Workload.quick());
    }

    @Test
    void childrenKilledMidStreamLeaveEveryAcknowledgedTransaction() throws Exception {
        try (WorkDirectory work = WorkDirectory.create(dir)) {
            List<Check> checks = new CrashSmoke(machine(), vos, work, "dir", PoolBackend.WAL, false).run();
            assertEquals(1, checks.size());
            Check check = checks.get(0);
            assertEquals(Status.PASS, check.status(), check.why());
            assertTrue(check.why().startsWith("2 children killed with SIGKILL"), check.why());
            assertTrue(check.measured().orElseThrow().value() >= 2 * Workload.quick().crashKillAfterMin());
            assertEquals(0, Children.tracked(), "every child was reaped");
        }
    }

    /** Writes transactions 1 .. n as the child does, leaving out the mirror of {@code torn} if it is positive. */
    private void writePool(Path path, long n, long torn, long lastKey) {
        try (Pool pool = vos.createPool(path, 16L << 20, PoolOptions.wal())) {
            pool.createContainer(CrashSmokeChild.CONTAINER);
            try (Container c = pool.openContainer(CrashSmokeChild.CONTAINER); Transaction tx = pool.newTransaction()) {
                tx.createObject(c, CrashSmokeChild.DATA, KeyOrder.INTEGER, 1)
                        .createObject(c, CrashSmokeChild.MIRROR, KeyOrder.INTEGER, 1).commit();
                for (long i = 1; i <= n; i++) {
                    tx.update(c, CrashSmokeChild.DATA, i, CrashSmokeChild.epoch(i), CrashSmokeChild.value(i));
                    if (i != torn) {
                        tx.update(c, CrashSmokeChild.MIRROR, i, CrashSmokeChild.epoch(i), CrashSmokeChild.mirror(i));
                    }
                    tx.update(c, CrashSmokeChild.DATA, CrashSmokeChild.LAST_KEY, CrashSmokeChild.epoch(i),
                            CrashSmokeChild.number(Math.min(i, lastKey)));
                    tx.commit();
                }
            }
        }
    }

    private String verdict(Path pool, long acked) throws Exception {
        try (WorkDirectory work = WorkDirectory.create(dir)) {
            CrashSmoke smoke = new CrashSmoke(machine(), vos, work, "dir", PoolBackend.WAL, false);
            try {
                smoke.verify(pool, acked);
                return "ok";
            } catch (RuntimeException e) {
                return e.getMessage();
            } finally {
                vos.destroyPool(pool);
            }
        }
    }

    @Test
    void aLostAcknowledgedCommitATornOneAndALeftoverAreEachCaught() throws Exception {
        writePool(dir.resolve("whole.pool"), 10, 0, Long.MAX_VALUE);
        assertEquals("ok", verdict(dir.resolve("whole.pool"), 10));

        writePool(dir.resolve("lost.pool"), 10, 0, Long.MAX_VALUE);
        assertTrue(verdict(dir.resolve("lost.pool"), 12).contains("acknowledged commits were lost"));

        writePool(dir.resolve("torn.pool"), 10, 7, Long.MAX_VALUE);
        assertTrue(verdict(dir.resolve("torn.pool"), 10).contains("transaction 7 is torn or lost"));

        writePool(dir.resolve("leftover.pool"), 10, 0, 9);
        assertTrue(verdict(dir.resolve("leftover.pool"), 9).contains("part of a later transaction survived"));
    }
}
