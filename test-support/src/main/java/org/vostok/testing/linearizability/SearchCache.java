package org.vostok.testing.linearizability;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Lowe's memoization for the Wing–Gong search: the configurations already explored. A
 * configuration is the set of operations linearized so far and the model state they led to. One
 * seen before has already been explored to the end without success (the search stops at the
 * first success), so the search never enters it twice; this is what turns the factorial
 * Wing–Gong search into one that is fast on real histories.
 *
 * <p>Open operations get one refinement. Two configurations with the same state and the same
 * completed operations linearized, where the first has linearized only some of the open
 * operations the second has, can do everything the second can: an open operation never has to
 * be linearized, so the first can simply leave out the extra ones. So a configuration is skipped
 * when one with the same completed set and state and a subset of its open operations was
 * explored. Without this, every open operation not yet linearized would double the number of
 * configurations for the rest of the history.
 *
 * <p>The current sets are kept here and updated in place with {@link #flipCompleted} and
 * {@link #flipOpen}. The hash of the completed set is kept up to date incrementally (Zobrist
 * hashing: the xor of one random word per member), so a lookup never passes over the bitset
 * unless hashes collide. Completed operations are numbered in invocation order, so the completed
 * set is all of them up to near the search's frontier plus a few beyond; a stored configuration
 * keeps only the words between the first that is not all ones and the last that is not zero,
 * a few words whatever the length of the history.
 */
final class SearchCache {

    private final long[] completed;
    /** Invariant: completed[0..fullWords) are all ones, and completed[fullWords] is not. */
    private int fullWords;
    /** Invariant: completed[usedWords..] are all zero, and completed[usedWords - 1] is not. */
    private int usedWords;
    private final long[] completedHash;
    private long currentHash;
    private final long[] open;
    /** For each (completed set, state): the open sets explored with it, as long[] or List<long[]>. */
    private final HashMap<Configuration, Object> explored = new HashMap<>();
    private final Configuration probe = new Configuration(0, new long[0], null, 0);
    private long recorded;

    SearchCache(int completedCount, int openCount) {
        completed = new long[(completedCount + 63) >>> 6];
        open = new long[(openCount + 63) >>> 6];
        completedHash = new long[completedCount];
        // A fixed seed keeps every run of the checker identical.
        SplittableRandom random = new SplittableRandom(0x5EED_0F_57A7E5L);
        for (int i = 0; i < completedCount; i++) {
            completedHash[i] = random.nextLong();
        }
    }

    /** Adds completed operation {@code index} to the current set, or removes it. */
    void flipCompleted(int index) {
        int word = index >>> 6;
        completed[word] ^= 1L << index;
        currentHash ^= completedHash[index];
        if (completed[word] == -1L) {
            while (fullWords < completed.length && completed[fullWords] == -1L) {
                fullWords++;
            }
        } else if (word < fullWords) {
            fullWords = word;
        }
        if (completed[word] != 0) {
            usedWords = Math.max(usedWords, word + 1);
        } else {
            while (usedWords > 0 && completed[usedWords - 1] == 0) {
                usedWords--;
            }
        }
    }

    /** Adds open operation {@code index} to the current set, or removes it. */
    void flipOpen(int index) {
        open[index >>> 6] ^= 1L << index;
    }

    /**
     * Records the current configuration with {@code state} as explored, unless it or one that
     * dominates it already was; returns whether it was recorded (that is, is new).
     */
    boolean record(Object state) {
        int hash = hash(currentHash, state);
        probe.set(fullWords, completed, usedWords, state, hash);
        Object openSets = explored.get(probe);
        if (openSets == null) {
            long[] window = Arrays.copyOfRange(completed, fullWords, Math.max(fullWords, usedWords));
            explored.put(new Configuration(fullWords, window, state, hash), open.clone());
        } else if (openSets instanceof long[] single) {
            if (isSubset(single, open)) {
                return false;
            }
            List<long[]> sets = new ArrayList<>(2);
            if (!isSubset(open, single)) {
                sets.add(single);
            }
            sets.add(open.clone());
            explored.replace(probe, sets.size() == 1 ? sets.get(0) : sets);
        } else {
            @SuppressWarnings("unchecked")
            List<long[]> sets = (List<long[]>) openSets;
            for (long[] set : sets) {
                if (isSubset(set, open)) {
                    return false;
                }
            }
            // Sets the new one is a subset of are now redundant: whatever they would cut off,
            // the new one cuts off too.
            sets.removeIf(set -> isSubset(open, set));
            sets.add(open.clone());
        }
        recorded++;
        return true;
    }

    /** The number of configurations recorded as explored. */
    long size() {
        return recorded;
    }

    private static boolean isSubset(long[] subset, long[] of) {
        for (int i = 0; i < subset.length; i++) {
            if ((subset[i] & ~of[i]) != 0) {
                return false;
            }
        }
        return true;
    }

    private static int hash(long completedHash, Object state) {
        long mixed = completedHash ^ (state.hashCode() * 0x9E37_79B9_7F4A_7C15L);
        mixed ^= mixed >>> 29;
        return (int) (mixed ^ (mixed >>> 32));
    }

    /**
     * A completed set and a state. The set is the first {@code fullWords * 64} operations and
     * the members among the next {@code (to - from) * 64}, which are words[from..to). A stored
     * configuration owns its words (from is 0); the probe looks into the live bitset.
     */
    private static final class Configuration {
        int fullWords;
        long[] words;
        int from;
        int to;
        Object state;
        int hash;

        Configuration(int fullWords, long[] words, Object state, int hash) {
            set(fullWords, words, 0, words.length, state, hash);
        }

        void set(int fullWords, long[] completed, int usedWords, Object state, int hash) {
            set(fullWords, completed, fullWords, Math.max(fullWords, usedWords), state, hash);
        }

        private void set(int fullWords, long[] words, int from, int to, Object state, int hash) {
            this.fullWords = fullWords;
            this.words = words;
            this.from = from;
            this.to = to;
            this.state = state;
            this.hash = hash;
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Configuration that
                    && hash == that.hash
                    && fullWords == that.fullWords
                    && Arrays.equals(words, from, to, that.words, that.from, that.to)
                    && state.equals(that.state);
        }
    }
}
