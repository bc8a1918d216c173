package org.vostok.rdb;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The runtime of one replica in a simulation: the simulator's clock, lanes the simulator runs,
 * and no threads of the replica's own (the simulator calls {@link Replica#doWork} and
 * {@link Replica#runMaintenance}).
 */
final class SimRuntime implements ReplicaRuntime {

    private final LongSupplier clock;
    private final List<SimLane> lanes = new ArrayList<>();

    SimRuntime(LongSupplier clock) {
        this.clock = clock;
    }

    @Override
    public long nanoTime() {
        return clock.getAsLong();
    }

    @Override
    public Lane lane(String threadName) {
        SimLane lane = new SimLane(threadName);
        lanes.add(lane);
        return lane;
    }

    @Override
    public boolean startsThreads() {
        return false;
    }

    /** The lanes this replica made, in the order it made them. */
    List<SimLane> lanes() {
        return lanes;
    }
}
