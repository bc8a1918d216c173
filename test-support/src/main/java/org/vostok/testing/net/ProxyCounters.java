package org.vostok.testing.net;

/**
 * What a {@link FaultProxy} has done since it started, for tests to assert on.
 *
 * @param connectionsAccepted          connections it accepted from clients
 * @param connectionsActive            connections open now
 * @param connectionsReset             connections it reset on both sides (a drop, link noise, a
 *                                     reset passed on from one side to the other, a
 *                                     {@link Cut#REFUSE})
 * @param connectionsRefused           connections it accepted and reset at once, because the
 *                                     target refused them or {@link ProxyOptions#connectionsMax()}
 *                                     were open
 * @param bytesClientToServer          bytes it delivered to the target
 * @param bytesServerToClient          bytes it delivered back to clients
 * @param bytesDiscardedClientToServer bytes a {@link OneWay#DISCARD} cut threw away on their way
 *                                     to the target
 * @param bytesDiscardedServerToClient on their way back
 */
public record ProxyCounters(long connectionsAccepted, long connectionsActive, long connectionsReset,
                            long connectionsRefused, long bytesClientToServer, long bytesServerToClient,
                            long bytesDiscardedClientToServer, long bytesDiscardedServerToClient) {

    /** Bytes delivered in {@code direction}. */
    public long bytes(Direction direction) {
        return direction == Direction.CLIENT_TO_SERVER ? bytesClientToServer : bytesServerToClient;
    }

    /** Bytes thrown away in {@code direction}. */
    public long bytesDiscarded(Direction direction) {
        return direction == Direction.CLIENT_TO_SERVER ? bytesDiscardedClientToServer : bytesDiscardedServerToClient;
    }
}
