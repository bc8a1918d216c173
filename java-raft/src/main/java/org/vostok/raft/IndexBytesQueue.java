package org.vostok.raft;

/**
 * A FIFO of (log index, bytes) pairs with increasing indexes, kept as two rings of primitives so
 * that the replication hot path does not allocate. Used for the messages in flight to a follower
 * and for the leader's uncommitted entries.
 */
final class IndexBytesQueue {
    private long[] indexes;
    private long[] sizes;
    private int start;
    private int count;
    /** Invariant: totalBytes is the sum of the sizes in the queue. */
    private long totalBytes;

    IndexBytesQueue(int initialCapacity) {
        indexes = new long[Math.max(4, initialCapacity)];
        sizes = new long[indexes.length];
    }

    void add(long index, long bytes) {
        if (count > 0 && index <= last()) {
            throw new RaftInvariantViolation("queue indexes must increase: " + index + " after " + last());
        }
        if (count == indexes.length) {
            grow();
        }
        int slot = (start + count) % indexes.length;
        indexes[slot] = index;
        sizes[slot] = bytes;
        count++;
        totalBytes += bytes;
    }

    /** Removes every pair whose index is at or below {@code index}. */
    void removeUpTo(long index) {
        while (count > 0 && indexes[start] <= index) {
            totalBytes -= sizes[start];
            start = (start + 1) % indexes.length;
            count--;
        }
    }

    void clear() {
        start = 0;
        count = 0;
        totalBytes = 0;
    }

    int count() {
        return count;
    }

    long totalBytes() {
        return totalBytes;
    }

    private long last() {
        return indexes[(start + count - 1) % indexes.length];
    }

    private void grow() {
        long[] newIndexes = new long[indexes.length * 2];
        long[] newSizes = new long[indexes.length * 2];
        for (int i = 0; i < count; i++) {
            newIndexes[i] = indexes[(start + i) % indexes.length];
            newSizes[i] = sizes[(start + i) % indexes.length];
        }
        indexes = newIndexes;
        sizes = newSizes;
        start = 0;
    }
}
