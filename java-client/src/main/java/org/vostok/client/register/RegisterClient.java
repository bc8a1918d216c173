package org.vostok.client.register;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.vostok.client.CallOptions;
import org.vostok.client.ErrorCode;
import org.vostok.client.Replies;
import org.vostok.client.ServiceClient;
import org.vostok.client.VostokClient;
import org.vostok.client.VostokException;
import org.vostok.client.proto.Reply;
import org.vostok.client.proto.register.CasReply;
import org.vostok.client.proto.register.CasRequest;
import org.vostok.client.proto.register.DeleteRequest;
import org.vostok.client.proto.register.ReadReply;
import org.vostok.client.proto.register.ReadRequest;
import org.vostok.client.proto.register.WriteRequest;

/**
 * The typed client of the example register service: a linearizable map from keys to values
 * with read, write, delete and compare-and-set. Every method has an asynchronous form
 * ({@code ...Async}, a {@link CompletableFuture}) and a blocking one that throws
 * {@link VostokException}. Updates are exactly-once: a write, delete or compare-and-set takes
 * effect at most once however many times the client retries it.
 */
public final class RegisterClient {

    public static final String READ = "register.read";
    public static final String WRITE = "register.write";
    public static final String DELETE = "register.delete";
    public static final String CAS = "register.cas";

    private final ServiceClient service;
    private final CallOptions options;

    private RegisterClient(ServiceClient service, CallOptions options) {
        this.service = service;
        this.options = options;
    }

    public static RegisterClient of(VostokClient client, long serviceId) {
        return new RegisterClient(client.service(serviceId), client.defaultOptions());
    }

    /** The same client with other call options (deadline, retry budget, back-off). */
    public RegisterClient withOptions(CallOptions o) {
        return new RegisterClient(service, Objects.requireNonNull(o, "options"));
    }

    public ServiceClient service() {
        return service;
    }

    /** What a compare-and-set found: whether it swapped, and the value it found when it did not. */
    public record CasResult(boolean swapped, Optional<byte[]> current) {
    }

    public CompletableFuture<Optional<byte[]>> readAsync(byte[] key) {
        return service.call(READ, ReadRequest.newBuilder().setKey(ByteString.copyFrom(key)).build(), false, options)
                .thenApply(r -> {
                    ReadReply rr = parse(r, ReadReply::parseFrom);
                    return rr.getFound() ? Optional.of(rr.getValue().toByteArray()) : Optional.empty();
                });
    }

    public CompletableFuture<Void> writeAsync(byte[] key, byte[] value) {
        return service.call(WRITE, WriteRequest.newBuilder().setKey(ByteString.copyFrom(key))
                .setValue(ByteString.copyFrom(value)).build(), true, options).thenApply(r -> null);
    }

    public CompletableFuture<Void> deleteAsync(byte[] key) {
        return service.call(DELETE, DeleteRequest.newBuilder().setKey(ByteString.copyFrom(key)).build(), true, options)
                .thenApply(r -> null);
    }

    /**
     * Sets {@code key} to {@code value} (or deletes it when {@code value} is empty) if it holds
     * {@code expected} (or nothing, when {@code expected} is empty).
     */
    public CompletableFuture<CasResult> casAsync(byte[] key, Optional<byte[]> expected, Optional<byte[]> value) {
        CasRequest.Builder b = CasRequest.newBuilder().setKey(ByteString.copyFrom(key));
        expected.ifPresentOrElse(e -> b.setExpected(ByteString.copyFrom(e)), () -> b.setExpectAbsent(true));
        value.ifPresentOrElse(v -> b.setValue(ByteString.copyFrom(v)), () -> b.setDelete(true));
        return service.call(CAS, b.build(), true, options).thenApply(r -> {
            if (r.getDuplicate()) {
                // A retry of a compare-and-set that had committed: it swapped (a failed
                // comparison commits nothing, so its retry runs again instead).
                return new CasResult(true, Optional.empty());
            }
            CasReply cr = parse(r, CasReply::parseFrom);
            return new CasResult(cr.getSwapped(), cr.getFound() ? Optional.of(cr.getCurrent().toByteArray())
                    : Optional.empty());
        });
    }

    public Optional<byte[]> read(byte[] key) {
        return join(readAsync(key));
    }

    public void write(byte[] key, byte[] value) {
        join(writeAsync(key, value));
    }

    public void delete(byte[] key) {
        join(deleteAsync(key));
    }

    public CasResult cas(byte[] key, Optional<byte[]> expected, Optional<byte[]> value) {
        return join(casAsync(key, expected, value));
    }

    @FunctionalInterface
    private interface Parser<T> {
        T parse(ByteString bytes) throws InvalidProtocolBufferException;
    }

    private static <T> T parse(Reply r, Parser<T> parser) {
        try {
            return parser.parse(r.getBody());
        } catch (InvalidProtocolBufferException e) {
            throw new VostokException(ErrorCode.PROTOCOL, "a malformed register reply: " + e.getMessage());
        }
    }

    static <T> T join(CompletableFuture<T> f) {
        return Replies.join(f);
    }
}
