package org.vostok.rdb.transport;

/**
 * The faults a {@link LocalNetwork} injects on a link: each message is dropped with
 * {@code dropProbability}, else delivered after a delay drawn uniformly from
 * {@code [delayMillisMin, delayMillisMax]} (so messages with different delays overtake each
 * other), and delivered a second time with {@code duplicateProbability}.
 */
public record LinkFaults(double dropProbability, double duplicateProbability, long delayMillisMin, long delayMillisMax) {

    /** A perfect link: nothing dropped, duplicated or delayed. */
    public static final LinkFaults NONE = new LinkFaults(0, 0, 0, 0);

    public LinkFaults {
        if (!(dropProbability >= 0 && dropProbability <= 1) || !(duplicateProbability >= 0 && duplicateProbability <= 1)) {
            throw new IllegalArgumentException("probabilities must be within [0, 1], got drop " + dropProbability
                    + " and duplicate " + duplicateProbability);
        }
        if (delayMillisMin < 0 || delayMillisMax < delayMillisMin) {
            throw new IllegalArgumentException("delays must satisfy 0 <= delayMillisMin <= delayMillisMax, got "
                    + delayMillisMin + " and " + delayMillisMax);
        }
    }

    public static LinkFaults drop(double probability) {
        return new LinkFaults(probability, 0, 0, 0);
    }

    public static LinkFaults delay(long millisMin, long millisMax) {
        return new LinkFaults(0, 0, millisMin, millisMax);
    }

    public static LinkFaults duplicate(double probability) {
        return new LinkFaults(0, probability, 0, 0);
    }
}
