package org.vostok.rdb;

/**
 * What a replica runs on: its clock, its lanes of work, and whether it runs its own threads.
 * In production ({@link #THREADS}) the replica starts an owner thread that calls
 * {@code ReplicaLoop.doWork} whenever something is queued or a tick is due, and a maintenance
 * thread; the clock is {@link System#nanoTime()}. A simulator supplies its own: a clock it
 * advances, lanes it runs, and no threads (it calls {@code doWork} and the maintenance itself),
 * so a whole cluster runs in one thread from a seed.
 */
interface ReplicaRuntime {

    /** Threads of the replica's own and the system clock. */
    ReplicaRuntime THREADS = new ReplicaRuntime() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public Lane lane(String threadName) {
            return new ThreadLane(threadName);
        }

        @Override
        public boolean startsThreads() {
            return true;
        }
    };

    /** The replica's clock: monotonic nanoseconds. */
    long nanoTime();

    /** A new lane of work, named {@code threadName} when it runs on a thread of its own. */
    Lane lane(String threadName);

    /**
     * Whether the replica starts its owner and maintenance threads; when not, its host drives it
     * ({@code Replica.doWork}, {@code Replica.runMaintenance}).
     */
    boolean startsThreads();
}
