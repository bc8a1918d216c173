package org.vostok.server.config;

import java.util.List;

/** "Did you mean": the known name nearest to a mistyped one. */
final class Suggestions {

    /** A typo is at most this many single-character edits from the name meant. */
    private static final int EDITS_MAX = 3;

    private Suggestions() {
    }

    /** What to say about unknown key {@code key} among {@code known}. */
    static String forKey(String key, List<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(key.toLowerCase(java.util.Locale.ROOT).replace('-', '_'), k);
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        if (best != null && bestDistance <= Math.min(EDITS_MAX, Math.max(1, best.length() / 2))) {
            return "did you mean '" + best + "'?";
        }
        return known.isEmpty() ? "remove it" : "the settings here are: " + String.join(", ", known);
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.length()];
    }
}
