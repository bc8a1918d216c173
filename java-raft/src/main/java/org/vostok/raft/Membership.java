package org.vostok.raft;

import java.util.Arrays;
import java.util.Collection;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The members of a cluster: voters, which elect leaders and make up the quorums, and learners,
 * which receive the log but do not vote (thesis §4.2.1). A node is never both. Immutable.
 */
public final class Membership {

    public static final Membership EMPTY = new Membership(new long[0], new long[0]);

    /** Sorted, distinct, positive. */
    private final long[] voters;
    /** Sorted, distinct, positive, disjoint from voters. */
    private final long[] learners;

    private Membership(long[] voters, long[] learners) {
        this.voters = voters;
        this.learners = learners;
    }

    /** A membership of these voters and learners; ids must be positive, and no id both. */
    public static Membership of(Collection<Long> voters, Collection<Long> learners) {
        long[] v = sortedDistinct(voters, "voter");
        long[] l = sortedDistinct(learners, "learner");
        for (long id : l) {
            if (Arrays.binarySearch(v, id) >= 0) {
                throw new IllegalArgumentException("node " + id + " cannot be both a voter and a learner");
            }
        }
        return new Membership(v, l);
    }

    /** A membership of these voters and no learners. */
    public static Membership ofVoters(long... voters) {
        return of(Arrays.stream(voters).boxed().toList(), java.util.List.of());
    }

    private static long[] sortedDistinct(Collection<Long> ids, String what) {
        TreeSet<Long> set = new TreeSet<>();
        for (Long id : Objects.requireNonNull(ids, what + "s")) {
            if (id == null || id <= 0) {
                throw new IllegalArgumentException(what + " ids must be positive, got " + id);
            }
            if (!set.add(id)) {
                throw new IllegalArgumentException(what + " " + id + " is listed twice");
            }
        }
        return set.stream().mapToLong(Long::longValue).toArray();
    }

    public boolean isVoter(long id) {
        return Arrays.binarySearch(voters, id) >= 0;
    }

    public boolean isLearner(long id) {
        return Arrays.binarySearch(learners, id) >= 0;
    }

    public boolean contains(long id) {
        return isVoter(id) || isLearner(id);
    }

    /** The voters, sorted; a copy. */
    public long[] voters() {
        return voters.clone();
    }

    /** The learners, sorted; a copy. */
    public long[] learners() {
        return learners.clone();
    }

    public int voterCount() {
        return voters.length;
    }

    /** How many voters make a majority. */
    public int quorum() {
        return voters.length / 2 + 1;
    }

    long voterAt(int i) {
        return voters[i];
    }

    /**
     * The membership after {@code change}, or an explanation of why the change does not apply
     * here (thrown as {@link IllegalArgumentException}).
     */
    public Membership apply(MembershipChange change) {
        long id = change.node();
        TreeSet<Long> v = new TreeSet<>(Arrays.stream(voters).boxed().toList());
        TreeSet<Long> l = new TreeSet<>(Arrays.stream(learners).boxed().toList());
        switch (change.type()) {
            case ADD_VOTER -> {
                if (isVoter(id)) {
                    throw new IllegalArgumentException("node " + id + " is already a voter");
                }
                l.remove(id);
                v.add(id);
            }
            case ADD_LEARNER -> {
                if (contains(id)) {
                    throw new IllegalArgumentException("node " + id + " is already a member; remove it first");
                }
                l.add(id);
            }
            case PROMOTE_LEARNER -> {
                if (!isLearner(id)) {
                    throw new IllegalArgumentException("node " + id + " is not a learner, so it cannot be promoted");
                }
                l.remove(id);
                v.add(id);
            }
            case REMOVE -> {
                if (!contains(id)) {
                    throw new IllegalArgumentException("node " + id + " is not a member");
                }
                if (isVoter(id) && voters.length == 1) {
                    throw new IllegalArgumentException("node " + id + " is the last voter; a cluster needs one");
                }
                v.remove(id);
                l.remove(id);
            }
        }
        return of(v, l);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Membership m && Arrays.equals(m.voters, voters) && Arrays.equals(m.learners, learners);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(voters) * 31 + Arrays.hashCode(learners);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("voters=(");
        for (int i = 0; i < voters.length; i++) {
            b.append(i == 0 ? "" : ",").append(voters[i]);
        }
        b.append(")");
        if (learners.length > 0) {
            b.append(" learners=(");
            for (int i = 0; i < learners.length; i++) {
                b.append(i == 0 ? "" : ",").append(learners[i]);
            }
            b.append(")");
        }
        return b.toString();
    }
}
