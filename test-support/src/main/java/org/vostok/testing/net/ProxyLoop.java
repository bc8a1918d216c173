package org.vostok.testing.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The one thread of a {@link FaultProxy}: a selector over its listener, its connections (two
 * sockets each) and its probes of the target. Every socket and every piece of fault state is
 * owned by this thread; the test thread changes the faults through {@link #call(Supplier)}, which
 * runs a command here and returns once it is in force.
 *
 * <p>The port is held for the proxy's whole life by a second socket bound to it with
 * {@code SO_REUSEPORT} that never listens, so that the listener can be closed (a
 * {@link Cut#REFUSE}, a target that is down, no target yet: clients get "connection refused") and
 * opened again on the same port without another process taking it in between.
 */
final class ProxyLoop implements Runnable {

    private static final System.Logger LOG = System.getLogger(FaultProxy.class.getName());

    /** Bytes one read takes from a socket. */
    private static final int READ_BYTES_MAX = 64 * 1024;
    /**
     * How long a probe of the target may take before the proxy stops waiting and takes the
     * target for alive: only a refusal says it is gone (a paused process still completes
     * handshakes, until its backlog is full).
     */
    private static final long PROBE_NANOS_MAX = TimeUnit.SECONDS.toNanos(1);

    private static final Object ACCEPT = new Object();
    private static final Object PROBE = new Object();

    private enum FlowMode { FLOW, HOLD, DISCARD }

    /** A command of the test thread, with what it answers once it is in force. */
    private record Command<T>(Supplier<T> action, CompletableFuture<T> answer) {
    }

    private final ProxyOptions options;
    private final InetSocketAddress address;
    private final Selector selector;
    /** Bound to {@link #address} with SO_REUSEPORT, never listening: keeps the port ours. */
    private final SocketChannel portHolder;
    private final ConcurrentLinkedQueue<Command<?>> commands = new ConcurrentLinkedQueue<>();
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BYTES_MAX);
    private final SplittableRandom random;
    private final List<Connection> connections = new ArrayList<>();

    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong active = new AtomicLong();
    private final AtomicLong reset = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong[] bytes = {new AtomicLong(), new AtomicLong()};
    private final AtomicLong[] discarded = {new AtomicLong(), new AtomicLong()};

    private ServerSocketChannel listener;
    private SelectionKey listenerKey;
    private volatile InetSocketAddress target;
    /** The target refused a connection and has not accepted one since (only with mirrorTargetDown). */
    private volatile boolean targetDown;
    private long nextProbeNanos;

    /** The cut in force, or null. */
    private volatile Cut cut;
    private final FlowMode[] modes = {FlowMode.FLOW, FlowMode.FLOW};
    private final Delay[] delays = {Delay.NONE, Delay.NONE};
    private double resetProbability;
    private volatile String faults = "healed";

    private SocketChannel probe;
    private SelectionKey probeKey;
    private long probeStartedNanos;
    /**
     * Probe tickets: a connection whose server side ended waits until a probe started after its
     * ticket was issued has answered. Invariant: probesAnswered <= probeCovers <= probeTickets.
     */
    private long probeTickets;
    private long probeCovers;
    private long probesAnswered;

    private long connectionIds;
    private volatile boolean closing;
    private volatile Throwable failure;

    ProxyLoop(ProxyOptions options, Optional<InetSocketAddress> target) {
        this.options = options;
        this.random = new SplittableRandom(options.seed());
        this.target = target.orElse(null);
        Selector s = null;
        SocketChannel holder = null;
        try {
            s = Selector.open();
            this.selector = s;
            ServerSocketChannel first = ServerSocketChannel.open();
            try {
                if (!first.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
                    throw new IllegalStateException("this system has no SO_REUSEPORT, which the proxy needs to keep its "
                            + "port while it refuses connections; run the tests on Linux");
                }
                first.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                first.bind(new InetSocketAddress(options.bindAddress(), 0), options.acceptBacklog());
                this.address = (InetSocketAddress) first.getLocalAddress();
                holder = SocketChannel.open();
                holder.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                holder.bind(address);
            } catch (IOException | RuntimeException e) {
                first.close();
                throw e;
            }
            this.portHolder = holder;
            if (this.target == null) {
                first.close();
            } else {
                first.configureBlocking(false);
                listener = first;
                listenerKey = first.register(selector, SelectionKey.OP_ACCEPT, ACCEPT);
            }
        } catch (IOException e) {
            closeQuietly(holder);
            closeQuietly(s);
            throw new UncheckedIOException("could not open proxy " + options.name() + " on " + options.bindAddress(), e);
        }
    }

    InetSocketAddress address() {
        return address;
    }

    Optional<InetSocketAddress> target() {
        return Optional.ofNullable(target);
    }

    boolean targetDown() {
        return targetDown;
    }

    String faults() {
        return faults;
    }

    ProxyCounters counters() {
        return new ProxyCounters(accepted.get(), active.get(), reset.get(), refused.get(), bytes[0].get(),
                bytes[1].get(), discarded[0].get(), discarded[1].get());
    }

    Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /** Runs {@code action} on the loop's thread; the future completes once what it did is on the wire. */
    <T> CompletableFuture<T> call(Supplier<T> action) {
        CompletableFuture<T> answer = new CompletableFuture<>();
        if (closing) {
            answer.completeExceptionally(new IllegalStateException("proxy " + options.name() + " is closed"));
            return answer;
        }
        Command<T> command = new Command<>(action, answer);
        commands.add(command);
        // The loop may have drained its commands for the last time between the check and the add.
        if (closing && commands.remove(command)) {
            answer.completeExceptionally(new IllegalStateException("proxy " + options.name() + " is closed"));
        }
        selector.wakeup();
        return answer;
    }

    /** Asks the loop to end; it closes every socket on its way out. */
    void stop() {
        closing = true;
        selector.wakeup();
    }

    // ---- commands: run on the loop's thread, called through call() ----

    Void setTarget(InetSocketAddress newTarget) {
        if (probe != null) {
            // It asked the old target: what it answers says nothing about the new one.
            probeAnswered(false);
        }
        target = newTarget;
        targetDown = false;
        reconcileListener();
        return null;
    }

    Void setCut(Cut newCut) {
        cut = newCut;
        if (newCut == Cut.REFUSE) {
            resetAll();
        }
        reconcileListener();
        describe();
        return null;
    }

    Void setOneWay(Direction direction, OneWay how) {
        FlowMode mode = how == OneWay.HOLD ? FlowMode.HOLD : FlowMode.DISCARD;
        modes[direction.ordinal()] = mode;
        if (mode == FlowMode.DISCARD) {
            // Bytes read before the cut and not yet delivered are lost with it.
            for (Connection c : connections) {
                Flow f = c.flow(direction);
                discarded[direction.ordinal()].addAndGet(f.queuedBytes);
                f.queue.clear();
                f.queuedBytes = 0;
                f.writeBlocked = false;
            }
        }
        describe();
        return null;
    }

    Void setDelay(Direction direction, Delay delay) {
        delays[direction.ordinal()] = delay;
        describe();
        return null;
    }

    Void setResetProbability(double probability) {
        resetProbability = probability;
        describe();
        return null;
    }

    Integer resetConnections() {
        return resetAll();
    }

    Void heal() {
        cut = null;
        modes[0] = FlowMode.FLOW;
        modes[1] = FlowMode.FLOW;
        delays[0] = Delay.NONE;
        delays[1] = Delay.NONE;
        resetProbability = 0;
        reconcileListener();
        describe();
        return null;
    }

    private void describe() {
        List<String> parts = new ArrayList<>();
        if (cut != null) {
            parts.add("cut (" + cut + ")");
        }
        for (Direction d : Direction.values()) {
            if (modes[d.ordinal()] != FlowMode.FLOW) {
                parts.add(d + " " + (modes[d.ordinal()] == FlowMode.HOLD ? "held" : "discarded"));
            }
            if (!delays[d.ordinal()].isNone()) {
                parts.add(d + " delayed " + delays[d.ordinal()]);
            }
        }
        if (resetProbability > 0) {
            parts.add("each chunk resets its connection with probability " + resetProbability);
        }
        faults = parts.isEmpty() ? "healed" : String.join(", ", parts);
    }

    // ---- the loop ----

    @Override
    public void run() {
        try {
            while (!closing) {
                // Keys left selected by a flush (see flushClosed) are handled without waiting.
                long wait = selector.selectedKeys().isEmpty() ? waitMillis(System.nanoTime()) : 0;
                if (wait < 0) {
                    selector.select();
                } else if (wait == 0) {
                    selector.selectNow();
                } else {
                    selector.select(wait);
                }
                if (closing) {
                    break;
                }
                runCommands();
                handleSelected();
                long now = System.nanoTime();
                serviceAll(now);
                probeTimers(now);
            }
        } catch (Throwable e) {
            failure = e;
            LOG.log(System.Logger.Level.ERROR, "proxy " + options.name() + " failed; it closes every connection", e);
        } finally {
            shutDown();
        }
    }

    /** Milliseconds until a timer is due: -1 for none, 0 for now. */
    private long waitMillis(long now) {
        long due = Long.MAX_VALUE;
        boolean any = false;
        for (Connection c : connections) {
            if (c.resetTicket > 0) {
                continue;
            }
            for (Flow f : c.flows) {
                if (!f.queue.isEmpty() && !f.writeBlocked && mode(f) != FlowMode.HOLD) {
                    due = any ? Math.min(due, f.queue.peek().releaseNanos) : f.queue.peek().releaseNanos;
                    any = true;
                }
            }
        }
        if (probe != null) {
            long probeDue = probeStartedNanos + PROBE_NANOS_MAX;
            due = any ? Math.min(due, probeDue) : probeDue;
            any = true;
        } else if (targetDown && target != null) {
            due = any ? Math.min(due, nextProbeNanos) : nextProbeNanos;
            any = true;
        }
        if (!any) {
            return -1;
        }
        long nanos = due - now;
        return nanos <= 0 ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos + 999_999));
    }

    private void runCommands() {
        List<Runnable> answers = new ArrayList<>();
        Command<?> command;
        while ((command = commands.poll()) != null) {
            answers.add(run(command));
        }
        if (!answers.isEmpty()) {
            // The resets and refusals a command asked for are on the wire before its caller returns.
            flushClosed();
            answers.forEach(Runnable::run);
        }
    }

    private static <T> Runnable run(Command<T> command) {
        try {
            T result = command.action().get();
            return () -> command.answer().complete(result);
        } catch (RuntimeException e) {
            return () -> command.answer().completeExceptionally(e);
        }
    }

    private void handleSelected() {
        Set<SelectionKey> selected = selector.selectedKeys();
        if (selected.isEmpty()) {
            return;
        }
        // A copy: handling a key may flush the selector (flushClosed), which adds to the set.
        List<SelectionKey> keys = new ArrayList<>(selected);
        selected.clear();
        for (SelectionKey key : keys) {
            if (!key.isValid()) {
                continue;
            }
            Object what = key.attachment();
            if (what == ACCEPT) {
                if (cut != Cut.STALL) {
                    acceptAll();
                }
            } else if (what == PROBE) {
                finishProbe();
            } else {
                Side side = (Side) what;
                if (side.connection.closed) {
                    continue;
                }
                if (side.server && key.isConnectable()) {
                    finishConnect(side.connection);
                    continue;
                }
                if (key.isReadable() && side.connection.resetTicket == 0) {
                    Flow from = side.server ? side.connection.down : side.connection.up;
                    if (canRead(from)) {
                        read(side.connection, from, System.nanoTime());
                    }
                }
                // Writable keys need nothing here: serviceAll flushes every connection.
            }
        }
    }

    private void serviceAll(long now) {
        // A copy: a connection ended while serviced leaves the list.
        for (Connection c : List.copyOf(connections)) {
            service(c, now);
        }
    }

    private void service(Connection c, long now) {
        if (c.closed) {
            return;
        }
        if (c.resetTicket > 0) {
            if (c.resetTicket <= probesAnswered) {
                resetConnection(c, true);
            }
            return;
        }
        if (!c.serverConnected) {
            return;
        }
        for (Flow f : c.flows) {
            if (!flush(c, f, now)) {
                return;
            }
        }
        if (c.up.sinkShut && c.down.sinkShut) {
            closeConnection(c);
            return;
        }
        setInterest(c.clientKey, (canRead(c.up) ? SelectionKey.OP_READ : 0)
                | (wantsWrite(c.down) ? SelectionKey.OP_WRITE : 0));
        setInterest(c.serverKey, (canRead(c.down) ? SelectionKey.OP_READ : 0)
                | (wantsWrite(c.up) ? SelectionKey.OP_WRITE : 0));
    }

    private static void setInterest(SelectionKey key, int ops) {
        if (key.isValid() && key.interestOps() != ops) {
            key.interestOps(ops);
        }
    }

    private FlowMode mode(Flow f) {
        return cut == Cut.STALL ? FlowMode.HOLD : modes[f.direction.ordinal()];
    }

    private boolean canRead(Flow f) {
        FlowMode mode = mode(f);
        return !f.sourceEnded && mode != FlowMode.HOLD
                && (mode == FlowMode.DISCARD || f.queuedBytes < options.queuedBytesMax());
    }

    private boolean wantsWrite(Flow f) {
        return f.writeBlocked && !f.sinkShut && mode(f) != FlowMode.HOLD;
    }

    // ---- accepting and connecting ----

    private void acceptAll() {
        while (listener != null) {
            SocketChannel client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "proxy " + options.name() + " could not accept: " + e);
                return;
            }
            if (client == null) {
                return;
            }
            accepted.incrementAndGet();
            if (connections.size() >= options.connectionsMax()) {
                LOG.log(System.Logger.Level.WARNING, "proxy " + options.name() + " holds " + connections.size()
                        + " connections, its connectionsMax: it resets the new one");
                refused.incrementAndGet();
                abort(client);
                continue;
            }
            open(client);
        }
    }

    private void open(SocketChannel client) {
        SocketChannel server = null;
        try {
            client.configureBlocking(false);
            client.setOption(StandardSocketOptions.TCP_NODELAY, true);
            server = SocketChannel.open();
            server.configureBlocking(false);
            server.setOption(StandardSocketOptions.TCP_NODELAY, true);
            Connection c = new Connection(++connectionIds, client, server);
            c.clientKey = client.register(selector, 0, new Side(c, false));
            boolean connected;
            try {
                connected = server.connect(target);
            } catch (ConnectException e) {
                c.serverKey = server.register(selector, 0, new Side(c, true));
                add(c);
                targetRefused(c);
                return;
            }
            c.serverKey = server.register(selector, connected ? 0 : SelectionKey.OP_CONNECT, new Side(c, true));
            c.serverConnected = connected;
            add(c);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "proxy " + options.name() + " could not open a connection to "
                    + target + ": " + e);
            refused.incrementAndGet();
            abort(client);
            closeQuietly(server);
        }
    }

    private void add(Connection c) {
        connections.add(c);
        active.incrementAndGet();
    }

    private void finishConnect(Connection c) {
        try {
            if (c.server.finishConnect()) {
                c.serverConnected = true;
                c.serverKey.interestOps(0);
            }
        } catch (ConnectException e) {
            targetRefused(c);
        } catch (IOException e) {
            // The target accepted, then reset the connection before the loop came to finish
            // connecting (its process died just then, say): as a failure of the server's side.
            LOG.log(System.Logger.Level.DEBUG, () -> "proxy " + options.name() + ": " + c + " to " + target
                    + " ended while connecting: " + e);
            sideFailed(c, true);
        }
    }

    /**
     * The target refused {@code c}: the client sees a reset, and later clients a refusal. The
     * listener is closed first, so that a client reconnecting as soon as it sees the reset is
     * refused.
     */
    private void targetRefused(Connection c) {
        LOG.log(System.Logger.Level.DEBUG, () -> "proxy " + options.name() + ": target " + target + " refused " + c);
        refused.incrementAndGet();
        if (options.mirrorTargetDown()) {
            markTargetDown();
        }
        resetConnection(c, false);
    }

    // ---- moving bytes ----

    private void read(Connection c, Flow f, long now) {
        ByteBuffer buffer = readBuffer.clear();
        FlowMode mode = mode(f);
        if (mode == FlowMode.FLOW) {
            buffer.limit(Math.min(READ_BYTES_MAX, options.queuedBytesMax() - f.queuedBytes));
        }
        int n;
        try {
            n = f.source.read(buffer);
        } catch (IOException e) {
            sideFailed(c, f.direction == Direction.SERVER_TO_CLIENT);
            return;
        }
        if (n < 0) {
            f.sourceEnded = true;
            if (f.direction == Direction.SERVER_TO_CLIENT) {
                // The target closed: pass that on only once a probe has said whether its process
                // is gone, so that a client reconnecting at once is refused if it is.
                f.endTicket = probeTicket();
            }
            return;
        }
        if (n == 0) {
            return;
        }
        if (mode == FlowMode.DISCARD) {
            discarded[f.direction.ordinal()].addAndGet(n);
            return;
        }
        if (resetProbability > 0 && random.nextDouble() < resetProbability) {
            resetConnection(c, true);
            return;
        }
        byte[] chunk = new byte[n];
        buffer.flip().get(chunk);
        Delay delay = delays[f.direction.ordinal()];
        long release = delay.isNone() ? now : now + delay.drawNanos(random);
        // Order within a connection: never before the chunk read before this one.
        if (!f.queue.isEmpty() && release - f.lastReleaseNanos < 0) {
            release = f.lastReleaseNanos;
        }
        f.lastReleaseNanos = release;
        f.queue.add(new Chunk(ByteBuffer.wrap(chunk), release));
        f.queuedBytes += n;
        if (f.queuedBytes > options.queuedBytesMax()) {
            throw new IllegalStateException("proxy " + options.name() + " holds " + f.queuedBytes + " bytes on a "
                    + "connection, over its queuedBytesMax " + options.queuedBytesMax());
        }
    }

    /** Writes what is due in {@code f}; false if that ended the connection. */
    private boolean flush(Connection c, Flow f, long now) {
        if (mode(f) == FlowMode.HOLD) {
            return true;
        }
        f.writeBlocked = false;
        while (!f.queue.isEmpty()) {
            Chunk chunk = f.queue.peek();
            if (chunk.releaseNanos - now > 0) {
                break;
            }
            int written;
            try {
                written = f.sink.write(chunk.bytes);
            } catch (IOException e) {
                sideFailed(c, f.direction == Direction.CLIENT_TO_SERVER);
                return false;
            }
            bytes[f.direction.ordinal()].addAndGet(written);
            f.queuedBytes -= written;
            if (chunk.bytes.hasRemaining()) {
                f.writeBlocked = true;
                break;
            }
            f.queue.poll();
        }
        if (f.queue.isEmpty() && f.sourceEnded && !f.sinkShut && f.endTicket <= probesAnswered) {
            try {
                f.sink.shutdownOutput();
            } catch (IOException e) {
                sideFailed(c, f.direction == Direction.CLIENT_TO_SERVER);
                return false;
            }
            f.sinkShut = true;
        }
        return true;
    }

    /**
     * Reading or writing one side of {@code c} failed: its peer reset the connection or is gone.
     * The other side is reset too; if the failing side is the target's, only after a probe has
     * said whether the target is gone.
     */
    private void sideFailed(Connection c, boolean serverSide) {
        if (serverSide && options.mirrorTargetDown()) {
            c.resetTicket = probeTicket();
            setInterest(c.clientKey, 0);
            setInterest(c.serverKey, 0);
        } else {
            resetConnection(c, true);
        }
    }

    // ---- probes of the target ----

    /** A ticket that a later probe answers; 0 (answered already) without mirroring. */
    private long probeTicket() {
        if (!options.mirrorTargetDown()) {
            return 0;
        }
        probeTickets++;
        if (probe == null) {
            startProbe();
        }
        return probeTickets;
    }

    private void startProbe() {
        InetSocketAddress to = target;
        probeCovers = probeTickets;
        probeStartedNanos = System.nanoTime();
        try {
            probe = SocketChannel.open();
            probe.configureBlocking(false);
            if (probe.connect(to)) {
                probeAnswered(false);
            } else {
                probeKey = probe.register(selector, SelectionKey.OP_CONNECT, PROBE);
            }
        } catch (ConnectException e) {
            probeAnswered(true);
        } catch (IOException e) {
            probeAnswered(false);
        }
    }

    private void finishProbe() {
        try {
            if (probe.finishConnect()) {
                probeAnswered(false);
            }
        } catch (ConnectException e) {
            probeAnswered(true);
        } catch (IOException e) {
            probeAnswered(false);
        }
    }

    private void probeAnswered(boolean targetRefused) {
        if (probeKey != null) {
            probeKey.cancel();
            probeKey = null;
        }
        closeQuietly(probe);
        probe = null;
        probesAnswered = probeCovers;
        if (targetRefused) {
            markTargetDown();
        } else if (targetDown) {
            targetDown = false;
            LOG.log(System.Logger.Level.INFO, "proxy " + options.name() + ": target " + target
                    + " accepts connections again, so does the proxy");
            reconcileListener();
        }
        if (probeTickets > probesAnswered) {
            startProbe();
        }
    }

    private void probeTimers(long now) {
        if (probe != null && now - probeStartedNanos >= PROBE_NANOS_MAX) {
            probeAnswered(false);
        } else if (probe == null && targetDown && target != null && now - nextProbeNanos >= 0) {
            startProbe();
        }
    }

    private void markTargetDown() {
        nextProbeNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(options.probeIntervalMillis());
        if (!targetDown) {
            targetDown = true;
            LOG.log(System.Logger.Level.INFO, "proxy " + options.name() + ": target " + target
                    + " refuses connections, so does the proxy until it accepts again");
            reconcileListener();
        }
    }

    // ---- the listener ----

    /** Opens or closes the listener as the target and the cut say, and sets its interest. */
    private void reconcileListener() {
        boolean wanted = !closing && target != null && !targetDown && cut != Cut.REFUSE;
        if (!wanted && listener != null) {
            listenerKey.cancel();
            closeQuietly(listener);
            listener = null;
            listenerKey = null;
            // Refused from now on, not once the loop comes round to select again: a client told
            // of the target's end right after this must not find the port still listening.
            flushClosed();
        } else if (wanted && listener == null) {
            ServerSocketChannel l = null;
            try {
                l = ServerSocketChannel.open();
                l.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                l.bind(address, options.acceptBacklog());
                l.configureBlocking(false);
                listenerKey = l.register(selector, 0, ACCEPT);
                listener = l;
            } catch (IOException e) {
                closeQuietly(l);
                throw new UncheckedIOException("proxy " + options.name() + " could not listen on " + address
                        + " again", e);
            }
        }
        if (listener != null) {
            setInterest(listenerKey, cut == Cut.STALL ? 0 : SelectionKey.OP_ACCEPT);
        }
    }

    /**
     * A registered channel that is closed keeps its socket until the selector deregisters it in
     * its next selection: do that now. Keys it finds ready stay selected for the next round.
     */
    private void flushClosed() {
        try {
            selector.selectNow();
        } catch (IOException e) {
            throw new UncheckedIOException("proxy " + options.name() + " could not flush its selector", e);
        }
    }

    // ---- ending connections ----

    private int resetAll() {
        int count = connections.size();
        for (Connection c : List.copyOf(connections)) {
            resetConnection(c, true);
        }
        return count;
    }

    /** Closes both sides with SO_LINGER 0: each peer sees a reset, not an orderly close. */
    private void resetConnection(Connection c, boolean count) {
        if (c.closed) {
            return;
        }
        c.closed = true;
        abort(c.client);
        abort(c.server);
        connections.remove(c);
        active.decrementAndGet();
        if (count) {
            reset.incrementAndGet();
        }
    }

    /** Both directions have ended in order: close both sides. */
    private void closeConnection(Connection c) {
        c.closed = true;
        closeQuietly(c.client);
        closeQuietly(c.server);
        connections.remove(c);
        active.decrementAndGet();
    }

    private static void abort(SocketChannel channel) {
        try {
            // Also while the connect is pending: the kernel may have completed it before the loop
            // called finishConnect, and an established socket closed without linger sends a FIN.
            channel.setOption(StandardSocketOptions.SO_LINGER, 0);
        } catch (IOException e) {
            // Closed already by its peer's reset: closing it is all that is left.
        }
        closeQuietly(channel);
    }

    private void shutDown() {
        closing = true;
        for (Connection c : List.copyOf(connections)) {
            resetConnection(c, false);
        }
        if (listener != null) {
            closeQuietly(listener);
            listener = null;
        }
        if (probe != null) {
            closeQuietly(probe);
            probe = null;
        }
        closeQuietly(portHolder);
        try {
            // Deregisters the channels closed above, which closes their sockets.
            selector.selectNow();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "proxy " + options.name() + " could not flush its selector: " + e);
        }
        closeQuietly(selector);
        Command<?> command;
        while ((command = commands.poll()) != null) {
            command.answer().completeExceptionally(new IllegalStateException("proxy " + options.name() + " is closed"));
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "closing " + closeable + ": " + e);
        }
    }

    // ---- state of one connection ----

    /** Bytes read from one side and not yet written to the other, with when each chunk may go. */
    private record Chunk(ByteBuffer bytes, long releaseNanos) {
    }

    /** One direction of a connection. */
    private static final class Flow {
        final Direction direction;
        final SocketChannel source;
        final SocketChannel sink;
        final ArrayDeque<Chunk> queue = new ArrayDeque<>();
        /** Invariant: the bytes left in {@link #queue}, at most queuedBytesMax. */
        int queuedBytes;
        long lastReleaseNanos;
        /** The last write did not take the whole chunk: wait for the sink to be writable. */
        boolean writeBlocked;
        boolean sourceEnded;
        /** The probe ticket the end of the source waits for before it is passed on. */
        long endTicket;
        boolean sinkShut;

        Flow(Direction direction, SocketChannel source, SocketChannel sink) {
            this.direction = direction;
            this.source = source;
            this.sink = sink;
        }
    }

    private static final class Connection {
        final long id;
        final SocketChannel client;
        final SocketChannel server;
        final Flow up;
        final Flow down;
        final Flow[] flows;
        SelectionKey clientKey;
        SelectionKey serverKey;
        boolean serverConnected;
        /** When positive, the connection is reset once this probe ticket is answered. */
        long resetTicket;
        boolean closed;

        Connection(long id, SocketChannel client, SocketChannel server) {
            this.id = id;
            this.client = client;
            this.server = server;
            this.up = new Flow(Direction.CLIENT_TO_SERVER, client, server);
            this.down = new Flow(Direction.SERVER_TO_CLIENT, server, client);
            this.flows = new Flow[] {up, down};
        }

        Flow flow(Direction direction) {
            return direction == Direction.CLIENT_TO_SERVER ? up : down;
        }

        @Override
        public String toString() {
            return "connection " + id;
        }
    }

    private record Side(Connection connection, boolean server) {
    }
}
