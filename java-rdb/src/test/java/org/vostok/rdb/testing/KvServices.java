package org.vostok.rdb.testing;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.vostok.rdb.Replica;

/**
 * The {@link KvService} of each running replica of a test: one per {@link Replica} instance, so a
 * replica restarted from its pool gets a fresh service (and a fresh lock), as a restarted host
 * process would.
 */
public final class KvServices {

    private final Map<Replica, KvService> services = new ConcurrentHashMap<>();

    /** The service on {@code replica}, made on first use. */
    public KvService of(Replica replica) {
        return services.computeIfAbsent(replica, KvService::new);
    }
}
