package org.vostok.client;

/**
 * How hard one call tries before it gives up.
 *
 * @param deadlineMillis the whole call, every retry included, ends by then with TIMEDOUT
 * @param attemptTimeoutMillis one attempt at one replica waits this long for its reply before
 *     the client tries elsewhere (bounds the time lost to a paused or cut-off leader)
 * @param attemptsMax attempts at most (the retry budget), whatever time is left
 * @param backoffBaseMillis the first back-off's ceiling; each back-off without progress doubles it
 * @param backoffMaxMillis the back-off's ceiling at most; the pause is drawn uniformly below the
 *     ceiling (full jitter), so clients that failed together do not retry together
 */
public record CallOptions(long deadlineMillis, long attemptTimeoutMillis, int attemptsMax, long backoffBaseMillis,
                          long backoffMaxMillis) {

    public static final CallOptions DEFAULTS = new CallOptions(30_000, 1_000, 1_000, 10, 500);

    public CallOptions {
        if (deadlineMillis <= 0 || attemptTimeoutMillis <= 0 || attemptsMax <= 0 || backoffBaseMillis <= 0
                || backoffMaxMillis < backoffBaseMillis) {
            throw new IllegalArgumentException("call options must be positive, with backoffMaxMillis >= "
                    + "backoffBaseMillis: " + this);
        }
    }

    public CallOptions withDeadlineMillis(long v) {
        return new CallOptions(v, attemptTimeoutMillis, attemptsMax, backoffBaseMillis, backoffMaxMillis);
    }

    public CallOptions withAttemptTimeoutMillis(long v) {
        return new CallOptions(deadlineMillis, v, attemptsMax, backoffBaseMillis, backoffMaxMillis);
    }

    public CallOptions withAttemptsMax(int v) {
        return new CallOptions(deadlineMillis, attemptTimeoutMillis, v, backoffBaseMillis, backoffMaxMillis);
    }

    public CallOptions withBackoffMillis(long base, long max) {
        return new CallOptions(deadlineMillis, attemptTimeoutMillis, attemptsMax, base, max);
    }
}
