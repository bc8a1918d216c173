package org.vostok.raft;

/**
 * The only clock the core reads: a monotonic one, for the leader's lease (thesis §6.4.1). Elections
 * and heartbeats stay counted in {@link RaftNode#tick() ticks}; the lease alone is measured in real
 * time, because ticks that a stalled host never delivers do not count, and a leader that counted
 * its lease in ticks would wake from a pause believing it still held. The host supplies it:
 * {@code System::nanoTime} in production, a virtual clock in a simulator or a scripted test, so
 * that every run still replays exactly.
 */
@FunctionalInterface
public interface MonotonicClock {

    /**
     * Nanoseconds from an arbitrary origin (the value may be negative): two readings differ by
     * the real time between them, and a later reading is never below an earlier one. The node
     * checks that and stops with {@link RaftInvariantViolation} when a reading goes back.
     */
    long nanoTime();
}
