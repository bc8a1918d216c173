package org.vostok.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class MembershipTest {

    @Test
    void changesApplyOneServerAtATime() {
        Membership m = Membership.ofVoters(1, 2, 3);
        Membership withLearner = m.apply(MembershipChange.addLearner(4));
        assertEquals(Membership.of(List.of(1L, 2L, 3L), List.of(4L)), withLearner);
        assertEquals(2, withLearner.quorum());
        Membership promoted = withLearner.apply(MembershipChange.promote(4));
        assertEquals(Membership.ofVoters(1, 2, 3, 4), promoted);
        assertEquals(3, promoted.quorum());
        assertEquals(Membership.ofVoters(1, 2, 4), promoted.apply(MembershipChange.remove(3)));
    }

    @Test
    void changesThatDoNotApplySayWhy() {
        Membership m = Membership.ofVoters(1);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> m.apply(MembershipChange.remove(1)))
                .getMessage().contains("last voter"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> m.apply(MembershipChange.addLearner(1)))
                .getMessage().contains("already a member"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> m.apply(MembershipChange.promote(2)))
                .getMessage().contains("not a learner"));
        assertThrows(IllegalArgumentException.class, () -> Membership.of(List.of(1L), List.of(1L)));
        assertThrows(IllegalArgumentException.class, () -> Membership.ofVoters(0));
    }

    @Test
    void aChangeRoundTripsThroughItsEncoding() {
        for (MembershipChange c : List.of(MembershipChange.addVoter(Long.MAX_VALUE), MembershipChange.addLearner(7),
                MembershipChange.promote(1), MembershipChange.remove(1L << 40))) {
            assertEquals(c, MembershipChange.decode(c.encode()));
        }
        assertThrows(IllegalArgumentException.class, () -> MembershipChange.decode(new byte[] {1, 2, 3}));
    }
}
