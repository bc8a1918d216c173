package org.vostok.raft;

/**
 * The answer to a proposal: accepted at a log index and term (the entry is committed when the
 * host sees it in {@link Ready#committedEntries()} with the same index and term; a different
 * term at that index means it was lost to a new leader), or refused with a reason.
 */
public sealed interface ProposeResult permits ProposeResult.Accepted, ProposeResult.Refused {

    boolean isAccepted();

    /** The proposal was appended to the leader's log at {@code index} in {@code term}. */
    record Accepted(long index, long term) implements ProposeResult {
        @Override
        public boolean isAccepted() {
            return true;
        }

        @Override
        public String toString() {
            return "accepted " + index + "/" + term;
        }
    }

    /** The proposal was not appended anywhere. */
    record Refused(Refusal refusal) implements ProposeResult {
        @Override
        public boolean isAccepted() {
            return false;
        }

        @Override
        public String toString() {
            return "refused " + refusal;
        }
    }
}
