package org.vostok.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.rsvc.RsvcHostConfig;
import org.vostok.server.demo.LocalCluster;
import picocli.CommandLine;

/**
 * The read mode that the demo and {@code vostok bench} ask of their node processes is the one the
 * nodes run. Before this test, {@code vostok _node} took {@code --lease-reads} as a negatable flag
 * whose field started true, and picocli toggled it: the nodes {@code vostok bench} started for
 * lease reads confirmed every read with a heartbeat round to the followers, and
 * {@code --read-index} gave them lease reads.
 */
class NodeProcessOptionsTest {

    @Test
    void theNodesRunTheReadModeTheClusterAsksFor(@TempDir Path dir) {
        assertTrue(parse(dir, LocalCluster.nodeOptions(64, true)).rdb().leaseReads(), "asked for lease reads");
        assertFalse(parse(dir, LocalCluster.nodeOptions(64, false)).rdb().leaseReads(), "asked for ReadIndex");
    }

    @Test
    void leaseReadsAreTheDefault(@TempDir Path dir) {
        RsvcHostConfig host = parse(dir, List.of());
        assertTrue(host.rdb().leaseReads());
        assertEquals(256L << 20, host.poolBytes());
    }

    private static RsvcHostConfig parse(Path dir, List<String> options) {
        List<String> args = new ArrayList<>(List.of("--node=1", "--cluster=test", "--listen=127.0.0.1:7100",
                "--data=" + dir, "--peer=2=127.0.0.1:7200", "--mgmt=1,2"));
        args.addAll(options);
        NodeProcessCommand command = new NodeProcessCommand();
        new CommandLine(command).parseArgs(args.toArray(String[]::new));
        return command.hostConfig();
    }
}
