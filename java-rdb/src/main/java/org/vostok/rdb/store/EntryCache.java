package org.vostok.rdb.store;

import java.util.ArrayList;
import org.vostok.raft.Entry;

/**
 * The newest entries of the log, in memory, up to a byte bound: a contiguous run ending at the
 * last entry written. The leader sends entries from here instead of reading them back.
 * Owned by the replica's thread.
 */
final class EntryCache {

    private final long bytesMax;
    /** Live entries are {@code entries[head ..]}, with consecutive indexes. */
    private final ArrayList<Entry> entries = new ArrayList<>();
    private int head;
    private long bytes;

    EntryCache(long bytesMax) {
        this.bytesMax = bytesMax;
    }

    private int size() {
        return entries.size() - head;
    }

    /** The entry at {@code index} if it is cached, else null. */
    Entry get(long index) {
        if (size() == 0) {
            return null;
        }
        long first = entries.get(head).index();
        if (index < first || index >= first + size()) {
            return null;
        }
        return entries.get(head + (int) (index - first));
    }

    /** The first cached index, or {@code Long.MAX_VALUE} when the cache is empty. */
    long firstIndex() {
        return size() == 0 ? Long.MAX_VALUE : entries.get(head).index();
    }

    /** Appends the entry written after the last one cached (the cache starts over if it is not). */
    void append(Entry e) {
        if (size() > 0 && entries.get(entries.size() - 1).index() + 1 != e.index()) {
            clear();
        }
        entries.add(e);
        bytes += e.sizeBytes();
        while (bytes > bytesMax && size() > 0) {
            bytes -= entries.get(head).sizeBytes();
            entries.set(head, null);
            head++;
        }
        if (head > 1024 && head > entries.size() / 2) {
            entries.subList(0, head).clear();
            head = 0;
        }
    }

    /** Drops the entries from {@code index} on (a truncation). */
    void truncateFrom(long index) {
        while (size() > 0 && entries.get(entries.size() - 1).index() >= index) {
            bytes -= entries.remove(entries.size() - 1).sizeBytes();
        }
        if (size() == 0) {
            clear();
        }
    }

    void clear() {
        entries.clear();
        head = 0;
        bytes = 0;
    }
}
