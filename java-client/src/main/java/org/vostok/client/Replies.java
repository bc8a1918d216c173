package org.vostok.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.vostok.client.proto.Reply;

/** What typed clients share: parsing reply bodies and waiting for a call in the blocking forms. */
public final class Replies {

    private Replies() {
    }

    /** Parses a reply body. */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(ByteString bytes) throws InvalidProtocolBufferException;
    }

    /** The reply's body, parsed; PROTOCOL when it does not parse. */
    public static <T> T parse(Reply r, Parser<T> parser) {
        try {
            return parser.parse(r.getBody());
        } catch (InvalidProtocolBufferException e) {
            throw new VostokException(ErrorCode.PROTOCOL, "a malformed reply: " + e.getMessage());
        }
    }

    /** Waits for {@code f}; its failure is thrown as the {@link VostokException} it is. */
    public static <T> T join(CompletableFuture<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VostokException(ErrorCode.CLOSED, "interrupted while waiting for the reply");
        } catch (ExecutionException e) {
            throw unwrap(e);
        }
    }

    /** The {@link VostokException} under completion wrappers, or one saying what else failed. */
    public static VostokException unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof VostokException v) {
            return v;
        }
        return new VostokException(ErrorCode.INTERNAL, String.valueOf(c), Optional.empty(), false, c);
    }
}
