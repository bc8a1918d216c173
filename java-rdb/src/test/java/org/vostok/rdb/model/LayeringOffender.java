package org.vostok.rdb.model;

import org.vostok.rdb.Replica;

/**
 * What the model must never do, for ArchitectureTest's self-check: reach up into the replica and
 * print to the console.
 */
public final class LayeringOffender {

    private LayeringOffender() {
    }

    static long idOf(Replica replica) {
        System.out.println(replica);
        return replica.id();
    }
}
