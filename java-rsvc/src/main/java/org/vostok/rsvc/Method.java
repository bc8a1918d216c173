package org.vostok.rsvc;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.vostok.client.wire.FrameCodec;

/**
 * A method a service serves: its name on the wire, how its request is parsed, its handler, and
 * whether it is a read or an update. An update is serialized by the framework with the other
 * updates of its service (or of its key, when it declares one) from its first query until its
 * commit completes, and is made exactly-once through the caller's request id; a read takes no
 * lock and commits nothing.
 *
 * @param <S> the service object
 * @param <Q> the request message
 */
public final class Method<S, Q extends MessageLite> {

    /** Parses a request body. */
    @FunctionalInterface
    public interface Parser<Q> {
        Q parse(ByteString body) throws InvalidProtocolBufferException;

        /**
         * A parser of {@code parser}'s messages whose {@code bytes} fields share the body's bytes
         * instead of copying them (as {@code WriteRequest::parseFrom} would): for requests that
         * carry large values. The framework never changes a request's bytes once received, so
         * the shared fields stay as they were parsed.
         */
        static <Q> Parser<Q> sharing(com.google.protobuf.Parser<Q> parser) {
            Objects.requireNonNull(parser, "parser");
            return body -> FrameCodec.parseSharing(body, parser);
        }
    }

    /** Serves one request; the reply may come later (asynchronous handlers return an unfinished stage). */
    @FunctionalInterface
    public interface Handler<S, Q> {
        CompletionStage<? extends MessageLite> handle(S service, CallContext context, Q request) throws Exception;
    }

    /** Serves one request at once. */
    @FunctionalInterface
    public interface SyncHandler<S, Q> {
        MessageLite handle(S service, CallContext context, Q request) throws Exception;
    }

    private static final Object SERVICE_LOCK = new Object();

    private final String name;
    private final Parser<Q> parser;
    private final Handler<S, Q> handler;
    private final boolean update;
    private final boolean blind;
    private final Function<Q, Object> lockKey;

    private Method(String name, Parser<Q> parser, Handler<S, Q> handler, boolean update, boolean blind,
                   Function<Q, Object> lockKey) {
        this.name = Objects.requireNonNull(name, "name");
        this.parser = Objects.requireNonNull(parser, "parser");
        this.handler = Objects.requireNonNull(handler, "handler");
        this.update = update;
        this.blind = blind;
        this.lockKey = lockKey;
    }

    /** A read: no lock, nothing committed. */
    public static <S, Q extends MessageLite> Method<S, Q> read(String name, Parser<Q> parser, SyncHandler<S, Q> h) {
        return new Method<>(name, parser, sync(h), false, false, null);
    }

    /** An update serialized with every other update of the service. */
    public static <S, Q extends MessageLite> Method<S, Q> update(String name, Parser<Q> parser, SyncHandler<S, Q> h) {
        return new Method<>(name, parser, sync(h), true, false, q -> SERVICE_LOCK);
    }

    /** An update serialized only with the updates of the same key ({@code key} must have equals and hashCode). */
    public static <S, Q extends MessageLite> Method<S, Q> updatePerKey(String name, Parser<Q> parser,
                                                                    Function<Q, Object> key, SyncHandler<S, Q> h) {
        return new Method<>(name, parser, sync(h), true, false, Objects.requireNonNull(key, "key"));
    }

    /**
     * A blind update of one key: its handler only queues updates and deletes (it reads nothing
     * and creates no KVS), so it needs no read epoch before it runs. Exactly-once still holds:
     * rdb refuses a second entry with the same request id (EXIST), and the framework then looks
     * the request up and answers with its original outcome. It saves the read-index round every
     * other update makes before its handler.
     */
    public static <S, Q extends MessageLite> Method<S, Q> blindUpdatePerKey(String name, Parser<Q> parser,
                                                                         Function<Q, Object> key, SyncHandler<S, Q> h) {
        return new Method<>(name, parser, sync(h), true, true, Objects.requireNonNull(key, "key"));
    }

    /** An update with an asynchronous handler, serialized with every other update of the service. */
    public static <S, Q extends MessageLite> Method<S, Q> updateAsync(String name, Parser<Q> parser,
                                                                   Handler<S, Q> h) {
        return new Method<>(name, parser, h, true, false, q -> SERVICE_LOCK);
    }

    /** A read with an asynchronous handler. */
    public static <S, Q extends MessageLite> Method<S, Q> readAsync(String name, Parser<Q> parser, Handler<S, Q> h) {
        return new Method<>(name, parser, h, false, false, null);
    }

    private static <S, Q> Handler<S, Q> sync(SyncHandler<S, Q> h) {
        Objects.requireNonNull(h, "handler");
        return (s, c, q) -> CompletableFuture.completedFuture(h.handle(s, c, q));
    }

    public String name() {
        return name;
    }

    public boolean isUpdate() {
        return update;
    }

    /** An update that reads nothing: its request id is checked by rdb at commit instead of before the handler. */
    public boolean isBlind() {
        return blind;
    }

    Q parse(ByteString body) throws InvalidProtocolBufferException {
        return parser.parse(body);
    }

    CompletionStage<? extends MessageLite> handle(S service, CallContext context, Q request) throws Exception {
        return handler.handle(service, context, request);
    }

    /** The lock an update takes for {@code request}; empty for a read. */
    Optional<Object> lockKey(Q request) {
        return lockKey == null ? Optional.empty() : Optional.of(lockKey.apply(request));
    }
}
