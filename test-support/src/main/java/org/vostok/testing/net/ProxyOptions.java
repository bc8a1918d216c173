package org.vostok.testing.net;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * How a {@link FaultProxy} is set up. Every limit is checked here, once.
 *
 * @param name                   names the proxy's thread ({@code fault-proxy-<name>}) and its
 *                               log lines, e.g. {@code 1->2}
 * @param bindAddress            where it listens: an address of 127.0.0.0/8, port chosen by the
 *                               system
 * @param connectionsMax         connections open at once; one more is accepted and reset at
 *                               once, and counted as refused
 * @param queuedBytesMax         bytes it holds per connection and direction (delayed, or held by
 *                               a one-way cut); when full it stops reading that side, so the
 *                               sender's kernel buffers fill and its writes block, as over a
 *                               slow link
 * @param acceptBacklog          the listener's backlog: connections the kernel completes while a
 *                               {@link Cut#STALL} keeps the proxy from accepting
 * @param seed                   seeds the draws of jittered delays and of link noise
 * @param mirrorTargetDown       when the target refuses a connection (its process is gone), the
 *                               proxy refuses connections too until the target accepts again, so
 *                               that a client sees "connection refused" through the proxy as it
 *                               would without it (see {@link FaultProxy})
 * @param probeIntervalMillis    while the target refuses, how often the proxy tries it again
 */
public record ProxyOptions(String name, InetAddress bindAddress, int connectionsMax, int queuedBytesMax,
                           int acceptBacklog, long seed, boolean mirrorTargetDown, long probeIntervalMillis) {

    /** The most connections one proxy may be asked to hold: each costs two sockets. */
    public static final int CONNECTIONS_MAX_LIMIT = 4096;
    /** The most bytes one proxy may hold per connection and direction. */
    public static final int QUEUED_BYTES_MAX_LIMIT = 64 * 1024 * 1024;

    public ProxyOptions {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a proxy needs a name, for its thread and its log lines");
        }
        requireLoopback(bindAddress, "a proxy's listening address");
        if (connectionsMax < 1 || connectionsMax > CONNECTIONS_MAX_LIMIT) {
            throw new IllegalArgumentException("connectionsMax must be in [1, " + CONNECTIONS_MAX_LIMIT + "], got "
                    + connectionsMax);
        }
        if (queuedBytesMax < 1 || queuedBytesMax > QUEUED_BYTES_MAX_LIMIT) {
            throw new IllegalArgumentException("queuedBytesMax must be in [1, " + QUEUED_BYTES_MAX_LIMIT + "], got "
                    + queuedBytesMax);
        }
        if (acceptBacklog < 1 || acceptBacklog > 4096) {
            throw new IllegalArgumentException("acceptBacklog must be in [1, 4096], got " + acceptBacklog);
        }
        if (probeIntervalMillis < 1 || probeIntervalMillis > 10_000) {
            throw new IllegalArgumentException("probeIntervalMillis must be in [1, 10000], got " + probeIntervalMillis);
        }
    }

    /**
     * Listens on 127.0.0.1, at most 256 connections, 256 KiB held per connection and direction,
     * a backlog of 64, seed 1, mirrors a refusing target and tries it again every 20 ms.
     */
    public static ProxyOptions defaults(String name) {
        return new ProxyOptions(name, LOOPBACK, 256, 256 * 1024, 64, 1, true, 20);
    }

    public ProxyOptions withName(String name) {
        return new ProxyOptions(name, bindAddress, connectionsMax, queuedBytesMax, acceptBacklog, seed, mirrorTargetDown,
                probeIntervalMillis);
    }

    public ProxyOptions withBindAddress(InetAddress bindAddress) {
        return new ProxyOptions(name, bindAddress, connectionsMax, queuedBytesMax, acceptBacklog, seed, mirrorTargetDown,
                probeIntervalMillis);
    }

    public ProxyOptions withConnectionsMax(int connectionsMax) {
        return new ProxyOptions(name, bindAddress, connectionsMax, queuedBytesMax, acceptBacklog, seed, mirrorTargetDown,
                probeIntervalMillis);
    }

    public ProxyOptions withQueuedBytesMax(int queuedBytesMax) {
        return new ProxyOptions(name, bindAddress, connectionsMax, queuedBytesMax, acceptBacklog, seed, mirrorTargetDown,
                probeIntervalMillis);
    }

    public ProxyOptions withSeed(long seed) {
        return new ProxyOptions(name, bindAddress, connectionsMax, queuedBytesMax, acceptBacklog, seed, mirrorTargetDown,
                probeIntervalMillis);
    }

    public ProxyOptions withMirrorTargetDown(boolean mirrorTargetDown) {
        return new ProxyOptions(name, bindAddress, connectionsMax, queuedBytesMax, acceptBacklog, seed, mirrorTargetDown,
                probeIntervalMillis);
    }

    /** 127.0.0.1. */
    static final InetAddress LOOPBACK = loopback();

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new AssertionError("a four-byte address is always valid", e);
        }
    }

    /** Refuses anything outside 127.0.0.0/8: tests never open a port another machine can reach. */
    static InetAddress requireLoopback(InetAddress address, String what) {
        if (!(address instanceof Inet4Address) || !address.isLoopbackAddress()) {
            throw new IllegalArgumentException(what + " must be in 127.0.0.0/8, got " + address
                    + "; tests listen and connect on loopback only");
        }
        return address;
    }

    static InetSocketAddress requireLoopback(InetSocketAddress address, String what) {
        if (address == null || address.isUnresolved()) {
            throw new IllegalArgumentException(what + " must be a resolved address in 127.0.0.0/8, got " + address);
        }
        requireLoopback(address.getAddress(), what);
        if (address.getPort() == 0) {
            throw new IllegalArgumentException(what + " needs a port, got " + address);
        }
        return address;
    }
}
