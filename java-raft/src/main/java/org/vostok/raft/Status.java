package org.vostok.raft;

import java.util.Map;

/**
 * A node's state at one moment, for hosts, tools and tests. {@code peers} is empty unless the
 * node leads.
 */
public record Status(long id, Role role, long term, long vote, long leader, long commit, long applied,
                     long lastIndex, Membership membership, long transferTarget, Map<Long, PeerStatus> peers) {
}
