package org.vostok.rdb.model;

/**
 * The leader a replica knows, and the term it knows it in: where a client should send its next
 * request after a {@link RdbError#NOTLEADER}.
 */
public record LeaderHint(long replicaId, long term) {
    public LeaderHint {
        if (replicaId <= 0 || term <= 0) {
            throw new IllegalArgumentException("a leader hint names a replica and a term above 0, got replica "
                    + replicaId + " in term " + term);
        }
    }

    @Override
    public String toString() {
        return "replica " + replicaId + " in term " + term;
    }
}
