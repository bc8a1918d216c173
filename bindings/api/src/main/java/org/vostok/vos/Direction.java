package org.vostok.vos;

/**
 * The direction of an iteration over an object's keys.
 *
 * <p>Thread-safety: an enum, immutable.
 */
public enum Direction {
    /** In key order: ascending. */
    FORWARD,
    /** Against key order: descending. */
    BACKWARD
}
