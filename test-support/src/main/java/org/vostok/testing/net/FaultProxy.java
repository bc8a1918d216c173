package org.vostok.testing.net;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * A TCP proxy on loopback that injects network faults into one link, for tests where real server
 * processes talk to each other and {@code tc netem} or iptables are not at hand. It listens on
 * 127.0.0.0/8 on a port the system picks, and forwards each connection it accepts to its target;
 * the servers are configured to reach each other through proxies ({@link ProxyMesh} sets up one
 * per directed link between numbered nodes).
 *
 * <pre>{@code
 * try (FaultProxy proxy = FaultProxy.start("client->1", server.address())) {
 *     client.connect(proxy.address());
 *     proxy.cut();                                          // a partition: nothing crosses
 *     proxy.heal();
 *     proxy.cut(Direction.CLIENT_TO_SERVER, OneWay.HOLD);   // the server no longer hears the client
 *     proxy.delay(Delay.between(5, 20));                    // each chunk waits 5 to 20 ms, in order
 *     proxy.resetConnections();                             // both peers see a reset
 *     proxy.heal();
 *     assertEquals(1, proxy.counters().connectionsAccepted());
 * }
 * }</pre>
 *
 * <p>Faults are changed from the test's thread; each call returns once the fault is in force (no
 * byte crosses a cut after {@code cut()} returns; the resets of {@code resetConnections()} have
 * been sent). Faults hold until {@link #heal()}, which lifts them all.
 *
 * <p>The proxy keeps the target's liveness visible: when the target refuses a connection (its
 * process is gone), the proxy refuses new connections too until the target accepts one again
 * (it tries every {@link ProxyOptions#probeIntervalMillis()}), and when the target's side of a
 * connection ends or is reset, the proxy asks the target whether it still accepts before it
 * passes that on. So a client whose connection was reset by the death of the process behind the
 * proxy, and which reconnects at once, is refused, as it would be without the proxy. A probe is a
 * connection the target accepts and that closes at once, without a byte.
 *
 * <p>Everything is bounded: one thread ({@code fault-proxy-<name>}),
 * {@link ProxyOptions#connectionsMax()} connections, {@link ProxyOptions#queuedBytesMax()} bytes
 * held per connection and direction. {@link #close()} resets every connection, closes every
 * socket and waits for the thread to end.
 */
public final class FaultProxy implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(FaultProxy.class.getName());

    /** How long the test thread waits for the proxy's thread to carry out a change. */
    private static final long COMMAND_MILLIS_MAX = 30_000;

    private final ProxyOptions options;
    private final ProxyLoop loop;
    private final Thread thread;

    private FaultProxy(ProxyOptions options, Optional<InetSocketAddress> target) {
        this.options = options;
        this.loop = new ProxyLoop(options, target);
        this.thread = new Thread(loop, "fault-proxy-" + options.name());
        this.thread.setDaemon(true);
        this.thread.start();
        LOG.log(System.Logger.Level.DEBUG, () -> "proxy " + options.name() + " listens on " + loop.address()
                + target.map(t -> ", forwards to " + t).orElse(", has no target yet"));
    }

    /** Starts a proxy with the default options that forwards to {@code target}. */
    public static FaultProxy start(String name, InetSocketAddress target) {
        return start(ProxyOptions.defaults(name), target);
    }

    public static FaultProxy start(ProxyOptions options, InetSocketAddress target) {
        ProxyOptions.requireLoopback(target, "a proxy's target");
        return new FaultProxy(options, Optional.of(target));
    }

    /**
     * Starts a proxy that has its port but no target yet: it refuses connections until
     * {@link #target(InetSocketAddress)}. For servers that must be told the proxies' addresses
     * before they start and learn their own port.
     */
    public static FaultProxy startWithoutTarget(ProxyOptions options) {
        return new FaultProxy(options, Optional.empty());
    }

    public String name() {
        return options.name();
    }

    /** Where clients connect: 127.0.0.0/8 and the port the system gave. It never changes. */
    public InetSocketAddress address() {
        return loop.address();
    }

    public Optional<InetSocketAddress> target() {
        return loop.target();
    }

    /** Forwards new connections to {@code target} from now on (a server restarted on another port). */
    public void target(InetSocketAddress target) {
        ProxyOptions.requireLoopback(target, "a proxy's target");
        await(loop.call(() -> loop.setTarget(target)), "set its target to " + target);
    }

    /** Whether the target refused its last connection attempt (only with {@link ProxyOptions#mirrorTargetDown()}). */
    public boolean targetDown() {
        return loop.targetDown();
    }

    /** {@link #cut(Cut)} with {@link Cut#STALL}: a partition, nothing crosses and nothing is refused. */
    public void cut() {
        cut(Cut.STALL);
    }

    /** Cuts the link both ways until {@link #heal()}; see {@link Cut} for what a client sees. */
    public void cut(Cut cut) {
        require(cut != null, "a cut needs a mode");
        await(loop.call(() -> loop.setCut(cut)), "cut (" + cut + ")");
    }

    /**
     * Cuts {@code direction} only, until {@link #heal()}: the other direction keeps flowing, new
     * connections are accepted. See {@link OneWay} for what happens to the bytes.
     */
    public void cut(Direction direction, OneWay how) {
        require(direction != null && how != null, "a one-way cut needs a direction and a mode");
        await(loop.call(() -> loop.setOneWay(direction, how)), "cut " + direction + " (" + how + ")");
    }

    /** Delays every chunk, both ways, until {@link #heal()}. */
    public void delay(Delay delay) {
        delay(Direction.CLIENT_TO_SERVER, delay);
        delay(Direction.SERVER_TO_CLIENT, delay);
    }

    /** Delays every chunk in {@code direction} by {@code delay}, keeping order within each connection. */
    public void delay(Direction direction, Delay delay) {
        require(direction != null && delay != null, "a delay needs a direction and a delay");
        await(loop.call(() -> loop.setDelay(direction, delay)), "delay " + direction + " by " + delay);
    }

    /**
     * Until {@link #heal()}, each chunk read, either way, resets its connection with
     * {@code probability} (the chunk is lost with it): over TCP, a lost message means a broken
     * connection.
     */
    public void resetProbability(double probability) {
        require(probability >= 0 && probability < 1, "a reset probability must be in [0, 1), got " + probability);
        await(loop.call(() -> loop.setResetProbability(probability)), "reset with probability " + probability);
    }

    /**
     * Drops every connection open now: both sides are closed with SO_LINGER 0, so each peer sees
     * a reset. New connections are accepted as before. Returns how many were reset.
     */
    public int resetConnections() {
        return await(loop.call(loop::resetConnections), "reset its connections");
    }

    /** Lifts every cut, delay and reset probability; held bytes flow again, in order. */
    public void heal() {
        await(loop.call(loop::heal), "heal");
    }

    /** The faults in force, in words, for failure messages. */
    public String faults() {
        return loop.faults();
    }

    public ProxyCounters counters() {
        return loop.counters();
    }

    /**
     * Waits until the counters satisfy {@code condition}; throws AssertionError with the last
     * counters if they do not within {@code timeout}.
     */
    public ProxyCounters awaitCounters(String what, Predicate<ProxyCounters> condition, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            ProxyCounters now = counters();
            if (condition.test(now)) {
                return now;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("proxy " + name() + ": " + what + " did not happen within " + timeout
                        + "; its counters: " + now + ", its faults: " + faults());
            }
            Thread.sleep(2);
        }
    }

    /** Resets every connection, closes every socket, and waits for the proxy's thread to end. */
    @Override
    public void close() {
        loop.stop();
        boolean interrupted = false;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(COMMAND_MILLIS_MAX);
        while (thread.isAlive() && System.nanoTime() - deadline < 0) {
            try {
                thread.join(100);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            throw new IllegalStateException("proxy " + name() + "'s thread did not end within "
                    + COMMAND_MILLIS_MAX + " ms of close");
        }
    }

    @Override
    public String toString() {
        return "proxy " + name() + " " + address() + " -> " + target().map(Object::toString).orElse("(no target)")
                + ": " + faults();
    }

    private <T> T await(CompletableFuture<T> answer, String what) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(COMMAND_MILLIS_MAX);
        try {
            while (true) {
                try {
                    return answer.get(100, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    if (!thread.isAlive() && !answer.isDone()) {
                        throw new IllegalStateException("proxy " + name() + " cannot " + what + ": its thread has ended"
                                + loop.failure().map(f -> " after a failure: " + f).orElse(" (closed)"),
                                loop.failure().orElse(null));
                    }
                    if (System.nanoTime() - deadline > 0) {
                        throw e;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while proxy " + name() + " was asked to " + what, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("proxy " + name() + " could not " + what, cause);
        } catch (TimeoutException e) {
            throw new IllegalStateException("proxy " + name() + " did not " + what + " within " + COMMAND_MILLIS_MAX
                    + " ms" + loop.failure().map(f -> "; its thread failed: " + f).orElse(""), e);
        }
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
