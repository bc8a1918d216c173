package org.vostok.testing.linearizability;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Objects;

/**
 * The Wing–Gong linearizability search with Lowe's memoization, for one partition's history.
 *
 * <p>The events of the history form a doubly linked list in time order. The search walks it from
 * the front. At a call event it tries to linearize that operation next: the model must give the
 * recorded output, and the resulting configuration (operations linearized, state) must be new to
 * the {@link SearchCache}. If so, it pushes the operation on a stack, unlinks its call and return
 * events ("lifts" it) and starts again from the front. Reaching a return event means that
 * operation should have been linearized by now and was not, so the search backtracks: it pops the
 * last operation, relinks its events (undoing the unlinks in reverse order, as in Knuth's dancing
 * links) and tries the next call after it.
 *
 * <p>Open operations have no return event, so the search never has to linearize them, and may
 * linearize one anywhere after its call. The history is linearizable as soon as every completed
 * operation has been linearized: the open ones left never took effect. Running out of operations
 * to pop means no linearization exists.
 *
 * <p>Three reductions keep the search small without losing linearizations. Without them a key
 * that 20 clients hammer at once cannot be checked at all; with them it takes a few states per
 * operation.
 * <ul>
 *   <li>A completed operation whose output says it changed nothing, whatever the state
 *   ({@link Model#leavesStateUnchanged}: a read, a compare-and-set that did not swap), and whose
 *   output fits now is linearized at once, and the alternative of linearizing it later is never
 *   tried: any linearization that places it later stays one when it is moved to now, because it
 *   changes nothing where it was, gives the same output now, and every operation still to come
 *   was invoked before it returned. Without this, k reads overlapping each other give 2^k
 *   configurations. (It must not change anything at its later place either: a delete that
 *   finds nothing now may delete something later, so it does not qualify.)</li>
 *   <li>An open operation that would leave the state as it is is not linearized: doing so
 *   changes nothing, and it never has to be.</li>
 *   <li>A configuration is dead when an operation still to be linearized needs a state other
 *   than the current one ({@link Model#stateNeeded}: a read needs the value it returned) and
 *   no operation still to be linearized can set that state ({@link Model#stateLeftBy}). The
 *   search never enters one. The plain search would only find out when the stranded operation
 *   returns, after trying every order of everything concurrent with it: the usual way a wrong
 *   guess, such as a write linearized too early, becomes exponential.</li>
 * </ul>
 *
 * <p>See Wing and Gong, "Testing and verifying concurrent objects" (1993), and Lowe, "Testing for
 * linearizability" (2017), §3 and §4.
 */
final class PartitionSearch<S, I, O> {

    /**
     * The verdict for one partition, the number of configurations explored, and the longest
     * partial linearization found (a complete one when linearizable; otherwise the one with the
     * most completed operations), as operation indices in linearization order.
     */
    record Result(Verdict verdict, long statesExplored, int[] longestLinearization) {
    }

    /** In {@link #settableState}: the operation may set any state. */
    private static final int ANY_STATE = -2;

    private final Model<S, I, O> model;
    private final PartitionHistory<I, O> history;
    private final long statesMax;

    /** The event list: events 0..eventCount-1 between a head and a tail sentinel. */
    private final int head;
    private final int tail;
    private final int[] next;
    private final int[] prev;

    private final boolean[] open;
    /** Completed operations whose output says they changed nothing: see the class comment. */
    private final boolean[] unchanging;
    private final I[] inputs;
    private final Object[] outputs;

    // The states operations need or may set, numbered; for each operation the state it needs
    // (-1: none) and may set (-1: none, ANY_STATE); and for each state how many operations not
    // yet linearized need it or may set it.
    private final HashMap<Object, Integer> stateIds = new HashMap<>();
    private final int[] neededState;
    private final int[] settableState;
    private int[] needers = new int[0];
    private int[] setters = new int[0];
    private int anySetters;
    /** The number of states that some operation needs and none can set ("orphans"). */
    private int orphans;

    private final SearchCache cache;
    // Invariant: stackOperation[0..depth) is the current partial linearization, stackState[i] is
    // the state before stackOperation[i] took effect, and stackForced[i] says it was the only
    // choice worth trying at that point.
    private final int[] stackOperation;
    private final Object[] stackState;
    private final boolean[] stackForced;
    private int depth;
    private S state;
    private int unlinearizedCompleted;

    private int[] longest = new int[0];
    private int longestCompleted;

    @SuppressWarnings("unchecked")
    private PartitionSearch(Model<S, I, O> model, PartitionHistory<I, O> history, long statesMax) {
        this.model = model;
        this.history = history;
        this.statesMax = statesMax;
        int eventCount = history.eventCount();
        head = eventCount;
        tail = eventCount + 1;
        next = new int[eventCount + 2];
        prev = new int[eventCount + 2];
        next[head] = 0;
        prev[0] = head;
        for (int e = 0; e < eventCount; e++) {
            next[e] = e + 1;
            prev[e + 1] = e;
        }
        prev[tail] = eventCount == 0 ? head : eventCount - 1;
        next[prev[tail]] = tail;

        int size = history.size();
        open = new boolean[size];
        unchanging = new boolean[size];
        inputs = (I[]) new Object[size];
        outputs = new Object[size];
        neededState = new int[size];
        settableState = new int[size];
        for (int op = 0; op < size; op++) {
            Operation<I, O> operation = history.operations.get(op);
            open[op] = operation.isOpen();
            inputs[op] = operation.input();
            outputs[op] = operation.output().orElse(null);
            unchanging[op] = !open[op] && model.leavesStateUnchanged(operation.input(), operation.output().get());
            neededState[op] = open[op] ? -1
                    : model.stateNeeded(operation.input(), operation.output().get()).map(this::stateId).orElse(-1);
            Model.StateLeft<S> left = model.stateLeftBy(operation.input(), operation.output());
            settableState[op] = left.anything() ? ANY_STATE : left.state().map(this::stateId).orElse(-1);
            count(op, 1);
        }
        cache = new SearchCache(history.completedCount, history.openCount());
        stackOperation = new int[size];
        stackState = new Object[size];
        stackForced = new boolean[size];
        state = model.initialState();
        unlinearizedCompleted = history.completedCount;
    }

    static <S, I, O> Result run(Model<S, I, O> model, PartitionHistory<I, O> history, long statesMax) {
        return new PartitionSearch<>(model, history, statesMax).search();
    }

    private Result search() {
        if (unlinearizedCompleted == 0) {
            return new Result(Verdict.LINEARIZABLE, 0, new int[0]);
        }
        if (isDead(state)) {
            return new Result(Verdict.NOT_LINEARIZABLE, 0, new int[0]);
        }
        boolean entered = true;
        int event = head;
        while (true) {
            if (cache.size() > statesMax) {
                return new Result(Verdict.UNKNOWN, cache.size(), longest);
            }
            if (entered) {
                // A new configuration: take its forced operation if it has one, else scan its calls.
                entered = false;
                int forced = forcedOperation();
                if (forced >= 0) {
                    if (tryLinearize(forced, state, true)) {
                        if (unlinearizedCompleted == 0) {
                            return linearizable();
                        }
                        entered = true;
                        continue;
                    }
                    // The only choice worth trying was explored before, so this configuration fails too.
                    event = backtrack();
                    if (event < 0) {
                        return new Result(Verdict.NOT_LINEARIZABLE, cache.size(), longest);
                    }
                    continue;
                }
                event = next[head];
            }
            if (event == tail) {
                // Every completed operation not yet linearized still has its return event in the
                // list, after the calls walked so far; reaching the tail would mean none is left.
                throw new IllegalStateException("linearizability search of " + history.partition
                        + " reached the end of the history with " + unlinearizedCompleted + " operations left");
            }
            int op = history.eventOperation[event];
            if (!history.eventIsCall[event]) {
                // The operation returned without being linearized: undo the last choice.
                event = backtrack();
                if (event < 0) {
                    return new Result(Verdict.NOT_LINEARIZABLE, cache.size(), longest);
                }
                continue;
            }
            Model.Step<S, O> step = model.step(state, inputs[op]);
            boolean fits = open[op] ? !step.next().equals(state) : Objects.equals(step.output(), outputs[op]);
            if (fits && tryLinearize(op, step.next(), false)) {
                if (unlinearizedCompleted == 0) {
                    return linearizable();
                }
                entered = true;
                continue;
            }
            event = next[event];
        }
    }

    /**
     * A completed operation that may go next, changes nothing and gives its recorded output now;
     * or -1. The candidates are the calls before the first return still in the list.
     */
    private int forcedOperation() {
        for (int event = next[head]; event != tail && history.eventIsCall[event]; event = next[event]) {
            int op = history.eventOperation[event];
            if (unchanging[op]) {
                Model.Step<S, O> step = model.step(state, inputs[op]);
                if (Objects.equals(step.output(), outputs[op])) {
                    if (!step.next().equals(state)) {
                        throw new IllegalStateException("the model says " + inputs[op] + " -> " + outputs[op]
                                + " changes nothing, but it changed " + model.describeState(state) + " to "
                                + model.describeState(step.next()) + "; fix Model.leavesStateUnchanged");
                    }
                    return op;
                }
            }
        }
        return -1;
    }

    /**
     * Linearizes {@code op} next, leading to {@code after}, unless that configuration was explored
     * or is dead (see {@link #isDead}).
     */
    private boolean tryLinearize(int op, S after, boolean forced) {
        count(op, -1);
        if (isDead(after)) {
            count(op, 1);
            return false;
        }
        flip(op);
        if (!cache.record(after)) {
            flip(op);
            count(op, 1);
            return false;
        }
        stackOperation[depth] = op;
        stackState[depth] = state;
        stackForced[depth] = forced;
        depth++;
        state = after;
        unlink(history.callEvent[op]);
        if (!open[op]) {
            unlink(history.returnEvent[op]);
            unlinearizedCompleted--;
        }
        return true;
    }

    /**
     * Undoes linearization choices up to and including the last one that had alternatives, and
     * returns the event after that operation's call, from where the alternatives are scanned;
     * or -1 when there is nothing left to undo.
     */
    @SuppressWarnings("unchecked")
    private int backtrack() {
        keepIfLongest();
        while (depth > 0) {
            depth--;
            int op = stackOperation[depth];
            state = (S) stackState[depth];
            stackState[depth] = null;
            flip(op);
            count(op, 1);
            if (!open[op]) {
                relink(history.returnEvent[op]);
                unlinearizedCompleted++;
            }
            relink(history.callEvent[op]);
            if (!stackForced[depth]) {
                return next[history.callEvent[op]];
            }
        }
        return -1;
    }

    /**
     * Whether a configuration in state {@code current}, with the operations counted now still to
     * be linearized, is dead: one of them needs a state other than {@code current}, and none of
     * them can set it. Then no order of the rest works.
     */
    private boolean isDead(S current) {
        if (orphans == 0 || anySetters > 0) {
            return false;
        }
        Integer id = stateIds.get(current);
        return orphans > (id != null && isOrphan(id) ? 1 : 0);
    }

    private boolean isOrphan(int id) {
        return needers[id] > 0 && setters[id] == 0;
    }

    /** Counts {@code op} in (delta 1) or out of (delta -1) the needers and setters of states. */
    private void count(int op, int delta) {
        if (neededState[op] >= 0) {
            int id = neededState[op];
            orphans -= isOrphan(id) ? 1 : 0;
            needers[id] += delta;
            orphans += isOrphan(id) ? 1 : 0;
        }
        if (settableState[op] >= 0) {
            int id = settableState[op];
            orphans -= isOrphan(id) ? 1 : 0;
            setters[id] += delta;
            orphans += isOrphan(id) ? 1 : 0;
        } else if (settableState[op] == ANY_STATE) {
            anySetters += delta;
        }
    }

    private int stateId(S needed) {
        Integer id = stateIds.get(needed);
        if (id == null) {
            id = stateIds.size();
            stateIds.put(needed, id);
            if (id == needers.length) {
                needers = Arrays.copyOf(needers, Math.max(8, 2 * id));
                setters = Arrays.copyOf(setters, needers.length);
            }
        }
        return id;
    }

    /**
     * Called where the partial linearization is at a local maximum. Keeps the best one: the most
     * completed operations, then the fewest open ones, since an explanation is clearest when it
     * rests on what clients actually saw.
     */
    private void keepIfLongest() {
        int completed = history.completedCount - unlinearizedCompleted;
        if (completed > longestCompleted || (completed == longestCompleted && depth < longest.length)) {
            longest = Arrays.copyOf(stackOperation, depth);
            longestCompleted = completed;
        }
    }

    private Result linearizable() {
        return new Result(Verdict.LINEARIZABLE, cache.size(), Arrays.copyOf(stackOperation, depth));
    }

    private void flip(int op) {
        if (open[op]) {
            cache.flipOpen(history.indexInKind[op]);
        } else {
            cache.flipCompleted(history.indexInKind[op]);
        }
    }

    private void unlink(int event) {
        next[prev[event]] = next[event];
        prev[next[event]] = prev[event];
    }

    private void relink(int event) {
        next[prev[event]] = event;
        prev[next[event]] = event;
    }
}
