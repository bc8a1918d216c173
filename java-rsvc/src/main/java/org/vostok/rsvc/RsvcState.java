package org.vostok.rsvc;

/**
 * Where a service replica is in its leadership (DAOS's {@code ds_rsvc_state}). Only a replica
 * in {@link #UP} runs handlers; the others answer NOTLEADER (or UNINIT in {@link #UP_EMPTY}).
 */
public enum RsvcState {
    /** It leads and its class's step-up runs (loading state, bootstrapping). */
    STEPPING_UP,
    /** It leads, but the database is not initialised yet. */
    UP_EMPTY,
    /** It leads and takes requests. */
    UP,
    /** It lost the leadership: requests drain, then the class steps down. */
    STEPPING_DOWN,
    /** It does not lead. */
    DOWN
}
