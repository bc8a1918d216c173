package org.vostok.testing.net;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A {@link FaultProxy} for every directed link between numbered nodes: node {@code from} reaches
 * node {@code to} at {@link #address(long, long)}, which forwards to {@code to}'s real address.
 * Link faults are expressed by node ids and mapped onto the proxies, whichever way the nodes'
 * transport uses its connections (one per direction, or one per pair carrying both ways).
 *
 * <pre>{@code
 * try (ProxyMesh mesh = ProxyMesh.start(List.of(1L, 2L, 3L))) {
 *     // start each node, telling it mesh.peerAddresses(id); then, as each reports its port:
 *     mesh.target(id, new InetSocketAddress("127.0.0.1", port));
 *     mesh.partition(Set.of(1L));   // 1 can neither reach 2 and 3 nor be reached by them
 *     mesh.heal();
 *     mesh.cut(1, 2);               // 2 hears nothing from 1; 1 still hears 2
 * }
 * }</pre>
 *
 * <p>A one-way cut {@code from -> to} holds the bytes {@code from} sends to {@code to} on both
 * links between them: on the proxy {@code from->to} (connections {@code from} opened) the
 * client-to-server direction, on the proxy {@code to->from} (connections {@code to} opened) the
 * server-to-client direction.
 *
 * <p>Until a node's address is given ({@link #target(long, InetSocketAddress)}), the proxies to it
 * refuse connections, as a node not started yet would.
 */
public final class ProxyMesh implements AutoCloseable {

    private record Link(long from, long to) {
        @Override
        public String toString() {
            return from + "->" + to;
        }
    }

    private final List<Long> ids;
    private final Map<Link, FaultProxy> proxies;

    private ProxyMesh(List<Long> ids, Map<Link, FaultProxy> proxies) {
        this.ids = ids;
        this.proxies = proxies;
    }

    /** Starts a proxy, with the default options, for every directed link between {@code ids}. */
    public static ProxyMesh start(Collection<Long> ids) {
        return start(ids, ProxyOptions.defaults("mesh"));
    }

    /**
     * Starts a proxy for every directed link between {@code ids} (at least two), each with
     * {@code template}'s options, named {@code from->to}, with a seed of its own drawn from the
     * template's.
     */
    public static ProxyMesh start(Collection<Long> ids, ProxyOptions template) {
        List<Long> sorted = List.copyOf(new TreeSet<>(ids));
        if (sorted.size() < 2 || sorted.size() != ids.size()) {
            throw new IllegalArgumentException("a mesh needs at least two distinct node ids, got " + ids);
        }
        Map<Link, FaultProxy> proxies = new LinkedHashMap<>();
        try {
            for (long from : sorted) {
                for (long to : sorted) {
                    if (from != to) {
                        Link link = new Link(from, to);
                        long seed = template.seed() * 1_000_003L + from * 1_009L + to;
                        proxies.put(link, FaultProxy.startWithoutTarget(
                                template.withName(link.toString()).withSeed(seed)));
                    }
                }
            }
        } catch (RuntimeException e) {
            closeAll(proxies.values(), e);
            throw e;
        }
        return new ProxyMesh(sorted, proxies);
    }

    /** The node ids, in order. */
    public List<Long> ids() {
        return ids;
    }

    /** Where node {@code from} reaches node {@code to}. */
    public InetSocketAddress address(long from, long to) {
        return proxy(from, to).address();
    }

    /** Where node {@code from} reaches each other node, by id: what to configure {@code from} with. */
    public Map<Long, InetSocketAddress> peerAddresses(long from) {
        requireNode(from);
        Map<Long, InetSocketAddress> peers = new TreeMap<>();
        for (long to : ids) {
            if (to != from) {
                peers.put(to, address(from, to));
            }
        }
        return peers;
    }

    /** The proxy of the link {@code from -> to}, for faults on that link alone and its counters. */
    public FaultProxy proxy(long from, long to) {
        FaultProxy proxy = proxies.get(new Link(from, to));
        if (proxy == null) {
            throw new IllegalArgumentException("no link " + from + " -> " + to + " in a mesh of " + ids);
        }
        return proxy;
    }

    /** Node {@code id} listens at {@code address}: every proxy to it forwards there from now on. */
    public void target(long id, InetSocketAddress address) {
        requireNode(id);
        for (long from : ids) {
            if (from != id) {
                proxy(from, id).target(address);
            }
        }
    }

    /** {@link #partition(Collection, Cut)} with {@link Cut#STALL}, as a real partition behaves. */
    public void partition(Collection<Long> side) {
        partition(side, Cut.STALL);
    }

    /** Cuts every link between {@code side} and the other nodes, both ways. */
    public void partition(Collection<Long> side, Cut cut) {
        Set<Long> inside = Set.copyOf(side);
        inside.forEach(this::requireNode);
        if (inside.isEmpty() || inside.size() == ids.size()) {
            throw new IllegalArgumentException("a partition needs nodes on both sides, got " + new TreeSet<>(inside)
                    + " of " + ids);
        }
        for (long a : inside) {
            for (long b : ids) {
                if (!inside.contains(b)) {
                    proxy(a, b).cut(cut);
                    proxy(b, a).cut(cut);
                }
            }
        }
    }

    /** {@link #cut(long, long, OneWay)} with {@link OneWay#HOLD}. */
    public void cut(long from, long to) {
        cut(from, to, OneWay.HOLD);
    }

    /** Cuts what {@code from} sends to {@code to}; what {@code to} sends to {@code from} still arrives. */
    public void cut(long from, long to, OneWay how) {
        proxy(from, to).cut(Direction.CLIENT_TO_SERVER, how);
        proxy(to, from).cut(Direction.SERVER_TO_CLIENT, how);
    }

    /** Delays every chunk on every link, both ways. */
    public void delay(Delay delay) {
        proxies.values().forEach(p -> p.delay(delay));
    }

    /** Every link resets a connection with {@code probability} per chunk; see {@link FaultProxy#resetProbability}. */
    public void resetProbability(double probability) {
        proxies.values().forEach(p -> p.resetProbability(probability));
    }

    /**
     * Resets every connection to and from node {@code id} (both peers see a reset); the node
     * keeps running and new connections are accepted. Returns how many were reset.
     */
    public int resetConnections(long id) {
        requireNode(id);
        int count = 0;
        for (long other : ids) {
            if (other != id) {
                count += proxy(id, other).resetConnections();
                count += proxy(other, id).resetConnections();
            }
        }
        return count;
    }

    /** Lifts every fault on every link. */
    public void heal() {
        proxies.values().forEach(FaultProxy::heal);
    }

    /** The links with faults in force, in words, for failure messages. */
    public String faults() {
        List<String> lines = new ArrayList<>();
        proxies.forEach((link, proxy) -> {
            String faults = proxy.faults();
            if (!faults.equals("healed")) {
                lines.add(link + ": " + faults);
            }
        });
        return lines.isEmpty() ? "every link healed" : String.join("; ", lines);
    }

    /** Closes every proxy; throws the first failure after trying them all. */
    @Override
    public void close() {
        closeAll(proxies.values(), null);
    }

    private static void closeAll(Collection<FaultProxy> proxies, RuntimeException pending) {
        RuntimeException failure = pending;
        for (FaultProxy proxy : proxies) {
            try {
                proxy.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null && failure != pending) {
            throw failure;
        }
    }

    private void requireNode(long id) {
        if (!ids.contains(id)) {
            throw new IllegalArgumentException("no node " + id + " in a mesh of " + ids);
        }
    }

    @Override
    public String toString() {
        return "proxy mesh of " + ids + ": " + faults();
    }
}
