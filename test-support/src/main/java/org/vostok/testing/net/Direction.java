package org.vostok.testing.net;

/**
 * Which way bytes flow through a {@link FaultProxy}: the client is whoever connected to the
 * proxy, the server is the proxy's target. Through the proxy of a {@link ProxyMesh} link
 * {@code from -> to}, the client is node {@code from} and the server node {@code to}.
 */
public enum Direction {
    /** From the side that connected to the proxy to the target. */
    CLIENT_TO_SERVER,
    /** From the target back to the side that connected. */
    SERVER_TO_CLIENT;

    public Direction reverse() {
        return this == CLIENT_TO_SERVER ? SERVER_TO_CLIENT : CLIENT_TO_SERVER;
    }
}
