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
        Config bad = new Config(1, 1, 1, 1, 1, 1, 1, 100, 1, 1, 1, 1, false, false, false);
        assertThrows(IllegalArgumentException.class,
                () -> new RaftNode(bad, MemoryStorage.bootstrap(Membership.ofVoters(1)), b -> 0));
    }
}
