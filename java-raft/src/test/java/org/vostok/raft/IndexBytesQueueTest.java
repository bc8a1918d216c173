package org.vostok.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class IndexBytesQueueTest {

    @Test
    void countsAndBytesFollowAddsAndRemovalsAcrossGrowth() {
        IndexBytesQueue q = new IndexBytesQueue(4);
        for (long i = 1; i <= 100; i++) {
            q.add(i, 10);
        }
        assertEquals(100, q.count());
        assertEquals(1000, q.totalBytes());
        q.removeUpTo(60);
        assertEquals(40, q.count());
        assertEquals(400, q.totalBytes());
        for (long i = 101; i <= 130; i++) {
            q.add(i, 1);
        }
        q.removeUpTo(100);
        assertEquals(30, q.count());
        assertEquals(30, q.totalBytes());
    }

    @Test
    void indexesMustIncrease() {
        IndexBytesQueue q = new IndexBytesQueue(4);
        q.add(5, 1);
        assertThrows(RaftInvariantViolation.class, () -> q.add(5, 1));
    }
}
