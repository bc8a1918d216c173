package org.vostok.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryStorageTest {

    private static Entry e(long index, long term) {
        return new Entry(index, term, EntryType.NORMAL, new byte[] {(byte) index});
    }

    @Test
    void aCrashDropsWritesSinceTheLastSync() {
        MemoryStorage s = MemoryStorage.bootstrap(Membership.ofVoters(1));
        s.append(List.of(e(2, 1), e(3, 1)));
        s.setHardState(new HardState(1, 1, 3));
        s.sync();
        s.append(List.of(e(4, 1)));
        s.setHardState(new HardState(2, 1, 4));
        s.crash();
        assertEquals(3, s.lastIndex());
        assertEquals(new HardState(1, 1, 3), s.hardState());
        assertTrue(s.isSynced());
    }

    @Test
    void aCrashAfterAnUnsyncedTruncationBringsTheDurableEntriesBack() {
        MemoryStorage s = MemoryStorage.bootstrap(Membership.ofVoters(1));
        s.append(List.of(e(2, 1), e(3, 1), e(4, 1)));
        s.sync();
        s.append(List.of(e(3, 2)));
        assertEquals(3, s.lastIndex());
        assertEquals(2, s.term(3));
        s.crash();
        assertEquals(List.of(e(2, 1), e(3, 1), e(4, 1)), s.allEntries());
    }

    @Test
    void aCrashAfterAnUnsyncedSnapshotInstallKeepsTheOldLog() {
        MemoryStorage s = MemoryStorage.bootstrap(Membership.ofVoters(1, 2));
        s.append(List.of(e(2, 1)));
        s.sync();
        s.installSnapshot(new SnapshotMetadata(10, 3, Membership.ofVoters(1, 2)));
        assertEquals(10, s.lastIndex());
        s.crash();
        assertEquals(1, s.snapshot().index());
        assertEquals(2, s.lastIndex());
    }

    @Test
    void compactionKeepsTheSnapshotTermAndRefusesUndurableEntries() {
        MemoryStorage s = MemoryStorage.bootstrap(Membership.ofVoters(1));
        s.append(List.of(e(2, 1), e(3, 2), e(4, 2)));
        IllegalArgumentException notDurable = assertThrows(IllegalArgumentException.class,
                () -> s.compact(3, Membership.ofVoters(1)));
        assertTrue(notDurable.getMessage().contains("sync first"), notDurable.getMessage());
        s.sync();
        s.compact(3, Membership.ofVoters(1));
        assertEquals(4, s.firstIndex());
        assertEquals(2, s.term(3));
        assertThrows(IndexOutOfBoundsException.class, () -> s.term(2));
        assertEquals(List.of(e(4, 2)), s.entries(4, 5, 0));
    }

    @Test
    void entriesStopAtTheByteBoundButReturnAtLeastOne() {
        MemoryStorage s = MemoryStorage.bootstrap(Membership.ofVoters(1));
        s.append(List.of(e(2, 1), e(3, 1), e(4, 1)));
        assertEquals(1, s.entries(2, 5, 1).size());
        assertEquals(2, s.entries(2, 5, 2 * (Entry.HEADER_BYTES + 1)).size());
        assertEquals(3, s.entries(2, 5, Long.MAX_VALUE).size());
    }

    @Test
    void appendsMustStartWithinOrRightAfterTheLog() {
        MemoryStorage s = MemoryStorage.bootstrap(Membership.ofVoters(1));
        IllegalArgumentException gap = assertThrows(IllegalArgumentException.class, () -> s.append(List.of(e(5, 1))));
        assertTrue(gap.getMessage().contains("must start within it or right after it"), gap.getMessage());
        assertThrows(IllegalArgumentException.class, () -> s.append(List.of(e(2, 1), e(4, 1))));
    }
}
