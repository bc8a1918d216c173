package org.vostok.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.vostok.client.proto.Reply;

/**
 * Calls to one replicated service, wherever its leader is: each call goes to the replica the
 * {@link LeaderSearch} picks, follows hints, and retries with back-off under the call's
 * deadline and budget ({@link CallOptions}). Updates carry the client id and a sequence
 * number, the same on every retry, so the service applies each at most once. Typed clients
 * (e.g. {@code RegisterClient}) are built on {@link #call}.
 */
public final class ServiceClient {

    private final VostokClient client;
    private final long serviceId;
    private final LeaderSearch search;

    ServiceClient(VostokClient client, long serviceId, List<ReplicaAddress> candidates) {
        this.client = client;
        this.serviceId = serviceId;
        this.search = new LeaderSearch(candidates, ThreadLocalRandom.current().nextLong());
    }

    public long serviceId() {
        return serviceId;
    }

    /** The leader this client believes alive, if any. */
    public Optional<ReplicaAddress> leader() {
        return search.leader();
    }

    /** The candidates this client knows now. */
    public List<ReplicaAddress> candidates() {
        return search.candidates();
    }

    LeaderSearch search() {
        return search;
    }

    VostokClient client() {
        return client;
    }

    /**
     * Calls {@code method} with {@code body}. An {@code update} is made exactly-once (its
     * retries carry the same sequence number); a read is not numbered. The future completes with
     * the successful reply (its body, or {@code duplicate} for a retried update that had
     * committed already), or fails with a {@link VostokException}.
     */
    public CompletableFuture<Reply> call(String method, MessageLite body, boolean update, CallOptions options) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(options, "options");
        ByteString bytes = body.toByteString();
        long seq = update ? client.nextSequence() : 0;
        Call c = new Call(this, method, bytes, update, seq, options);
        c.start();
        return c.future();
    }

    public CompletableFuture<Reply> call(String method, MessageLite body, boolean update) {
        return call(method, body, update, client.defaultOptions());
    }
}
