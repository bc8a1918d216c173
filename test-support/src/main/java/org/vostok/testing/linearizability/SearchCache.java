package org.vostok.testing.linearizability;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
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
 * be linearized, so the first can simply leave out the extra ones. So a configuration is also
 * skipped when one with the same completed set and state and a subset of its open operations
 * was explored. Without this, every open operation not yet linearized would double the number of
 * configurations for the rest of the history. Only a few open sets per (completed set, state)
 * are kept for this test, the smallest, since comparing against all of them would cost more than
 * it saves; skipping fewer configurations than possible is always safe.
 *
 * <p>The current sets are kept here and updated in place with {@link #flipCompleted} and
 * {@link #flipOpen}. Their hashes are kept up to date incrementally (Zobrist hashing: the xor of
 * one random word per member), so a lookup never passes over a bitset unless hashes collide.
 * Completed operations are numbered in invocation order, so the completed set is all of them up
 * to near the search's frontier plus a few beyond; a stored configuration keeps only the words
 * between the first that is not all ones and the last that is not zero, a few words whatever the
 * length of the history.
 */
final class SearchCache {

    /** How many open sets per (completed set, state) are kept to test new ones against. */
    private static final int DOMINATORS_MAX = 8;

    private final long[] completed;
    /** Invariant: completed[0..fullWords) are all ones, and completed[fullWords] is not. */
    private int fullWords;
    /** Invariant: completed[usedWords..] are all zero, and completed[usedWords - 1] is not. */
    private int usedWords;
    private final long[] completedHash;
    private long completedSetHash;

    private final long[] open;
    private final long[] openHash;
    private long openSetHash;

    /** Every configuration explored, exactly. */
    private final HashSet<Configuration> explored = new HashSet<>();
    /** For some (completed set, state) pairs: small open sets explored with them. */
    private final HashMap<Configuration, long[][]> dominators = new HashMap<>();
    private final Configuration probe = new Configuration(0, new long[0], null, null, 0);

    SearchCache(int completedCount, int openCount) {
        completed = new long[(completedCount + 63) >>> 6];
        open = new long[(openCount + 63) >>> 6];
        // A fixed seed keeps every run of the checker identical.
        SplittableRandom random = new SplittableRandom(0x5EED_0F_57A7E5L);
        completedHash = random.longs(completedCount).toArray();
        openHash = random.longs(openCount).toArray();
    }

    /** Adds completed operation {@code index} to the current set, or removes it. */
    void flipCompleted(int index) {
        int word = index >>> 6;
        completed[word] ^= 1L << index;
        completedSetHash ^= completedHash[index];
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
        openSetHash ^= openHash[index];
    }

    /**
     * Records the current configuration with {@code state} as explored, unless it or one that
     * dominates it already was; returns whether it was recorded (that is, is new).
     */
    boolean record(Object state) {
        int hash = hash(completedSetHash ^ openSetHash, state);
        probe.set(fullWords, completed, usedWords, open, state, hash);
        if (explored.contains(probe)) {
            return false;
        }
        long[][] smallOpenSets = null;
        if (open.length > 0) {
            probe.set(fullWords, completed, usedWords, null, state, hash(completedSetHash, state));
            smallOpenSets = dominators.get(probe);
            if (smallOpenSets != null) {
                for (long[] set : smallOpenSets) {
                    if (set != null && isSubset(set, open)) {
                        return false;
                    }
                }
            }
        }
        long[] window = Arrays.copyOfRange(completed, fullWords, Math.max(fullWords, usedWords));
        long[] openCopy = open.clone();
        explored.add(new Configuration(fullWords, window, openCopy, state, hash));
        if (open.length > 0) {
            keepIfSmall(smallOpenSets, window, openCopy, state);
        }
        return true;
    }

    /** The number of configurations recorded as explored. */
    long size() {
        return explored.size();
    }

    /** Adds the current open set to the dominators of (completed set, state) if it is among the smallest. */
    private void keepIfSmall(long[][] smallOpenSets, long[] window, long[] openCopy, Object state) {
        if (smallOpenSets == null) {
            smallOpenSets = new long[DOMINATORS_MAX][];
            dominators.put(new Configuration(fullWords, window, null, state, hash(completedSetHash, state)),
                    smallOpenSets);
        }
        int largest = 0;
        for (int i = 0; i < DOMINATORS_MAX; i++) {
            if (smallOpenSets[i] == null) {
                smallOpenSets[i] = openCopy;
                return;
            }
            if (bitCount(smallOpenSets[i]) > bitCount(smallOpenSets[largest])) {
                largest = i;
            }
        }
        if (bitCount(openCopy) < bitCount(smallOpenSets[largest])) {
            smallOpenSets[largest] = openCopy;
        }
    }

    private static int bitCount(long[] set) {
        int count = 0;
        for (long word : set) {
            count += Long.bitCount(word);
        }
        return count;
    }

    private static boolean isSubset(long[] subset, long[] of) {
        for (int i = 0; i < subset.length; i++) {
            if ((subset[i] & ~of[i]) != 0) {
                return false;
            }
        }
        return true;
    }

    private static int hash(long setHash, Object state) {
        long mixed = setHash ^ (state.hashCode() * 0x9E37_79B9_7F4A_7C15L);
        mixed ^= mixed >>> 29;
        return (int) (mixed ^ (mixed >>> 32));
    }

    /**
     * A completed set, optionally an open set (null: not part of the key), and a state. The
     * completed set is the first {@code fullWords * 64} completed operations and the members
     * among the next {@code (to - from) * 64}, which are words[from..to). A stored configuration
     * owns its arrays (from is 0); the probe looks into the live bitsets.
     */
    private static final class Configuration {
        int fullWords;
        long[] words;
        int from;
        int to;
        long[] open;
        Object state;
        int hash;

        Configuration(int fullWords, long[] words, long[] open, Object state, int hash) {
            set(fullWords, words, 0, words.length, open, state, hash);
        }

        void set(int fullWords, long[] completed, int usedWords, long[] open, Object state, int hash) {
            set(fullWords, completed, fullWords, Math.max(fullWords, usedWords), open, state, hash);
        }

        private void set(int fullWords, long[] words, int from, int to, long[] open, Object state, int hash) {
            this.fullWords = fullWords;
            this.words = words;
            this.from = from;
            this.to = to;
            this.open = open;
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
                    && Arrays.equals(open, that.open)
                    && state.equals(that.state);
        }
    }
}
