package org.vostok.testing.process;

import java.nio.file.Path;

/**
 * A child JVM that starts a {@link PingChild} of its own and leaves without closing it, to test
 * the harness's last resorts. Arguments: a directory for the grandchild's logs, then
 * {@code exit} (it calls {@code System.exit}: the harness's shutdown hook must kill the
 * grandchild) or {@code hang} (it waits to be killed with SIGKILL, which runs no hook: the
 * grandchild, started with {@code --parent-watch}, must end by itself).
 */
public final class OrphaningParent {

    private OrphaningParent() {
    }

    public static void main(String[] args) throws Exception {
        Path directory = Path.of(args[0]);
        boolean hang = args[1].equals("hang");
        JvmSpec spec = TestJvms.fast(JvmSpec.of("grandchild", PingChild.class))
                .withReadyLine("ready port=(\\d+)");
        if (hang) {
            spec = spec.withArgs("--parent-watch");
        }
        ProcessCluster cluster = ProcessCluster.in(directory);
        ChildProcess grandchild = cluster.start(1, spec);
        System.out.println("grandchild pid=" + grandchild.pid());
        System.out.flush();
        if (hang) {
            Thread.sleep(Long.MAX_VALUE);
        }
        System.exit(0);
    }
}
