package org.vostok.rsvc;

import com.google.protobuf.ByteString;
import java.nio.file.Path;
import java.util.List;
import org.vostok.rdb.Tx;

/**
 * A class of replicated service (DAOS's {@code ds_rsvc_class}): the callbacks the framework
 * calls through a replica's life, and the methods it serves. One object of type {@code S} (the
 * service object) exists per replica of a service on a node.
 *
 * <p>Leadership: when the replica becomes leader, {@link #stepUp} runs (it may read the
 * database); {@link StepUp#UP_EMPTY} says the database is not initialised, and if the replica
 * was created with bootstrap arguments the framework then runs {@link #bootstrap} in the new
 * term and steps up again. When the leadership is lost, the framework calls {@link #drain},
 * waits until no request still holds the leader, then calls {@link #stepDown}. These run one at
 * a time, in order, on the replica's event thread; a step-up that throws gives the leadership to
 * another replica.
 *
 * <p>Requests: only the leader in state {@link RsvcState#UP} runs a {@link Method}'s handler,
 * off the network threads. Update methods are serialized (per service or per key, as each
 * declares) from their first query until their commit completes, and made exactly-once.
 */
public interface RsvcClass<S> {

    /** A short stable name ("register", "mgmt", "pool"): recorded with each replica on disk. */
    String name();

    /** Where a replica of {@code serviceId} keeps its database, under the node's data directory. */
    default Path locate(Path dataDirectory, long serviceId) {
        return dataDirectory.resolve("services").resolve(name() + "-" + Long.toHexString(serviceId));
    }

    /** Makes the service object of a replica that is starting. */
    S allocate(ServiceContext context);

    /** The replica stopped: let go of what the service object holds. */
    default void free(S service) {
    }

    /**
     * Initialises the database of a new service in its first leader's term: queue the updates on
     * {@code tx} (the framework commits it). {@code arguments} are those the service was created
     * with.
     */
    default void bootstrap(S service, Tx tx, ByteString arguments) {
    }

    /** The replica leads {@code term}: load what the service needs; UP_EMPTY if the database is not initialised. */
    StepUp stepUp(S service, long term);

    /** The replica no longer leads {@code term}; no request of that term runs any more. */
    default void stepDown(S service, long term) {
    }

    /** The replica is losing the leadership of {@code term}: stop starting new work (requests already running finish). */
    default void drain(S service, long term) {
    }

    /**
     * Distributes the service's map (what the service knows of the system) while it leads
     * {@code term}; called after step-up and again after each failure, with back-off, until it
     * returns true. The default has nothing to distribute.
     */
    default boolean distributeMap(S service, long term) {
        return true;
    }

    /** The methods the service serves. */
    List<Method<S, ?>> methods();
}
