package org.vostok.rdb.model;

import java.util.Objects;
import java.util.UUID;

/**
 * The identity of a request, for exactly-once updates: the client (a session that lives as long
 * as the client does) and the request's sequence number in it. A client numbers its requests
 * upwards and never reuses a number; a retry of a request carries the same id.
 *
 * <p>rdb keeps one small record per client and the requests' records under the client's number
 * and the sequence, so the records of one client lie side by side in the store: a new one goes
 * where the last one went.
 *
 * @param client   the client's id, random and unique per client
 * @param sequence the request's number within the client (unsigned)
 */
public record RequestId(UUID client, long sequence) {

    public RequestId {
        Objects.requireNonNull(client, "client");
    }

    @Override
    public String toString() {
        return client + "#" + Long.toUnsignedString(sequence);
    }
}
