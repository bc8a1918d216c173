package org.vostok.raft.sim;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * A simulated host's state machine: the client payloads it applied, folded into a running digest
 * (so two hosts at the same applied index hold the same state exactly when their digests agree)
 * plus the last few payload ids, which make a snapshot's content a few hundred bytes, enough to
 * need several chunks. The snapshot content is this state encoded; installing it restores it.
 */
final class SimStateMachine {

    /** Payload ids kept verbatim in the state and its snapshots. */
    static final int RECENT_MAX = 24;

    long appliedIndex;
    /** Client payloads applied (a leader's empty entries and membership entries carry none). */
    long payloadCount;
    long digest;
    final ArrayDeque<Long> recent = new ArrayDeque<>();

    SimStateMachine(long appliedIndex) {
        this.appliedIndex = appliedIndex;
    }

    /** Applies the client payload {@code payloadId} found at {@code index}. */
    void applyPayload(long index, long payloadId) {
        appliedIndex = index;
        payloadCount++;
        digest = mix(digest, payloadId);
        recent.addLast(payloadId);
        if (recent.size() > RECENT_MAX) {
            recent.removeFirst();
        }
    }

    /** Applies an entry that carries no client payload. */
    void applyNothing(long index) {
        appliedIndex = index;
    }

    /** The digest after folding in one more payload. */
    static long mix(long digest, long payloadId) {
        long z = digest * 0x9E3779B97F4A7C15L + payloadId + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(8 * 4 + 8 * recent.size());
        b.putLong(appliedIndex).putLong(payloadCount).putLong(digest).putLong(recent.size());
        for (long id : recent) {
            b.putLong(id);
        }
        return b.array();
    }

    static SimStateMachine decode(byte[] content) {
        ByteBuffer b = ByteBuffer.wrap(content);
        if (content.length < 32) {
            throw new AssertionError("snapshot content of " + content.length + " bytes is too short to be a state");
        }
        SimStateMachine s = new SimStateMachine(b.getLong());
        s.payloadCount = b.getLong();
        s.digest = b.getLong();
        long n = b.getLong();
        if (n < 0 || n > RECENT_MAX || content.length != 32 + 8 * n) {
            throw new AssertionError("snapshot content of " + content.length + " bytes is corrupt: " + n + " payloads");
        }
        for (long i = 0; i < n; i++) {
            s.recent.addLast(b.getLong());
        }
        return s;
    }

    @Override
    public String toString() {
        return "applied=" + appliedIndex + " payloads=" + payloadCount + " digest=" + Long.toHexString(digest);
    }
}
