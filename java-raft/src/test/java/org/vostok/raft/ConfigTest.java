package org.vostok.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ConfigTest {

    @Test
    void defaultsAreValid() {
        Config c = Config.builder(1).build();
        assertEquals(10, c.electionTimeoutTicks());
        assertTrue(c.checkQuorum() && c.preVote() && !c.leaseReads());
    }

    @Test
    void leaseReadsWithoutCheckQuorumAreRefusedWithTheReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Config.builder(1).checkQuorum(false).leaseReads(true).build());
        assertTrue(e.getMessage().contains("leaseReads needs checkQuorum"), e.getMessage());
    }

    @Test
    void theLeaseLastsTheElectionTimeoutLessATickLessTheDriftMargin() {
        Config c = Config.builder(1).checkQuorum(true).leaseReads(true).electionTimeoutTicks(10)
                .tickNanos(50_000_000).clockDriftMarginNanos(20_000_000).build();
        assertEquals(9 * 50_000_000L - 20_000_000L, c.leaseDurationNanos());
    }

    @Test
    void aDriftMarginThatLeavesNoLeaseIsRefusedWithTheReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Config.builder(1).leaseReads(true).electionTimeoutTicks(10).tickNanos(10_000_000)
                        .clockDriftMarginNanos(90_000_000).build());
        assertTrue(e.getMessage().contains("clockDriftMarginNanos (90000000) must be below (electionTimeoutTicks - 1)"
                + " * tickNanos (90000000)"), e.getMessage());
        // Without lease reads the margin is not used, and any margin is taken.
        Config.builder(1).electionTimeoutTicks(10).tickNanos(10_000_000).clockDriftMarginNanos(90_000_000).build();
        assertThrows(IllegalArgumentException.class, () -> Config.builder(1).clockDriftMarginNanos(-1).build());
        assertThrows(IllegalArgumentException.class, () -> Config.builder(1).tickNanos(0).build());
        assertThrows(IllegalArgumentException.class,
                () -> Config.builder(1).tickNanos(Config.TICK_NANOS_MAX + 1).build());
    }

    @Test
    void electionTimeoutMustExceedHeartbeat() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Config.builder(1).electionTimeoutTicks(3).heartbeatTimeoutTicks(3).build());
        assertTrue(e.getMessage().contains("electionTimeoutTicks (3) must be above heartbeatTimeoutTicks (3)"),
                e.getMessage());
    }

    @Test
    void everyLimitIsChecked() {
        assertThrows(IllegalArgumentException.class, () -> Config.builder(0).build());
        assertThrows(IllegalArgumentException.class, () -> Config.builder(1).entriesPerMessageMax(0).build());
        assertThrows(IllegalArgumentException.class, () -> Config.builder(1).messageBytesMax(0).build());
        assertThrows(IllegalArgumentException.class, () -> Config.builder(1).inflightMessagesMax(0).build());
        assertThrows(IllegalArgumentException.class,
                () -> Config.builder(1).messageBytesMax(100).inflightBytesMax(99).build());
        assertThrows(IllegalArgumentException.class,
                () -> Config.builder(1).entryBytesMax(1000).uncommittedBytesMax(1000).build());
        assertThrows(IllegalArgumentException.class, () -> Config.builder(1).snapshotChunkBytesMax(0).build());
        assertThrows(IllegalArgumentException.class, () -> Config.builder(1).readRequestsPendingMax(0).build());
        assertThrows(IllegalArgumentException.class, () -> Config.builder(1).committedBytesPerReadyMax(0).build());
    }

    @Test
    void theNodeValidatesItsConfigToo() {
        Config bad = new Config(1, 1, 1, 1, 1, 1, 1, 100, 1, 1, 1, 1, false, false, false, 1, 0, false);
        assertThrows(IllegalArgumentException.class,
                () -> new RaftNode(bad, MemoryStorage.bootstrap(Membership.ofVoters(1)), b -> 0, new ManualClock()));
    }
}
