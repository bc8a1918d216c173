package org.vostok.rsvc.register;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.vostok.client.ErrorCode;
import org.vostok.client.VostokException;
import org.vostok.client.proto.register.CasReply;
import org.vostok.client.proto.register.CasRequest;
import org.vostok.client.proto.register.DeleteReply;
import org.vostok.client.proto.register.DeleteRequest;
import org.vostok.client.proto.register.ReadReply;
import org.vostok.client.proto.register.ReadRequest;
import org.vostok.client.proto.register.WriteReply;
import org.vostok.client.proto.register.WriteRequest;
import org.vostok.client.register.RegisterClient;
import org.vostok.rdb.model.KvsPath;
import org.vostok.rdb.Replica;
import org.vostok.rdb.Tx;
import org.vostok.rsvc.CallContext;
import org.vostok.rsvc.Method;
import org.vostok.rsvc.RsvcClass;
import org.vostok.rsvc.ServiceContext;
import org.vostok.rsvc.StepUp;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;

/**
 * The example replicated service: a linearizable register of keys and values (read, write,
 * delete, compare-and-set), written only against the public rsvc API. It is how to write a
 * service:
 *
 * <ol>
 *   <li>a class ({@link RsvcClass}) with a name, a service object per replica
 *       ({@link #allocate}), a bootstrap that initialises the database (here: the root KVS that
 *       holds the keys), and a step-up that says whether the database is initialised;</li>
 *   <li>methods: reads run at a linearizable read epoch and take no lock; updates are
 *       serialized per key by the framework from their first query until their commit, so a
 *       compare-and-set's read and write are atomic; writes and deletes read nothing, so they
 *       are declared blind and skip the read epoch; the framework commits and answers;</li>
 *   <li>requests and replies in protobuf ({@code register.proto} in java-client), and a typed
 *       client ({@link RegisterClient}).</li>
 * </ol>
 *
 * The framework makes every update exactly-once: a retried write or compare-and-set that had
 * committed is answered with its original outcome instead of being applied again.
 */
public final class RegisterService implements RsvcClass<RegisterService.Replica> {

    public static final String NAME = "register";
    /** The largest key, in bytes (a VOS lexical key). */
    public static final int KEY_BYTES_MAX = 4096;

    private static final KvsPath ROOT = KvsPath.root();

    /** The service object of one replica: nothing but the rdb replica it serves from. */
    public record Replica(org.vostok.rdb.Replica rdb) {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Replica allocate(ServiceContext context) {
        return new Replica(context.replica());
    }

    @Override
    public void bootstrap(Replica service, Tx tx, ByteString arguments) {
        tx.createRoot(KeyOrder.LEXICAL);
    }

    @Override
    public StepUp stepUp(Replica service, long term) {
        org.vostok.rdb.Replica r = service.rdb();
        try (Tx tx = r.begin(term)) {
            return tx.kvsOrder(ROOT).isPresent() ? StepUp.UP : StepUp.UP_EMPTY;
        }
    }

    @Override
    public List<Method<Replica, ?>> methods() {
        return List.of(
                Method.read(RegisterClient.READ, ReadRequest::parseFrom, RegisterService::read),
                // Writes and compare-and-sets carry values: parsed sharing the request's bytes.
                Method.blindUpdatePerKey(RegisterClient.WRITE, Method.Parser.sharing(WriteRequest.parser()),
                        WriteRequest::getKey, RegisterService::write),
                Method.blindUpdatePerKey(RegisterClient.DELETE, DeleteRequest::parseFrom, DeleteRequest::getKey,
                        RegisterService::delete),
                Method.updatePerKey(RegisterClient.CAS, Method.Parser.sharing(CasRequest.parser()),
                        CasRequest::getKey, RegisterService::cas));
    }

    private static Key key(ByteString bytes) {
        if (bytes.isEmpty() || bytes.size() > KEY_BYTES_MAX) {
            throw new VostokException(ErrorCode.INVAL, "a register key is 1 .. " + KEY_BYTES_MAX + " bytes, got "
                    + bytes.size());
        }
        return Key.of(bytes.toByteArray());
    }

    private static ReadReply read(Replica s, CallContext ctx, ReadRequest q) {
        Optional<byte[]> v = ctx.tx().lookup(ROOT, key(q.getKey()));
        // The array is this call's own (a lookup returns a new one): wrapped, not copied.
        return v.map(b -> ReadReply.newBuilder().setFound(true).setValue(UnsafeByteOperations.unsafeWrap(b)).build())
                .orElse(ReadReply.getDefaultInstance());
    }

    private static WriteReply write(Replica s, CallContext ctx, WriteRequest q) {
        ctx.tx().update(ROOT, key(q.getKey()), q.getValue().asReadOnlyByteBuffer());
        return WriteReply.getDefaultInstance();
    }

    private static DeleteReply delete(Replica s, CallContext ctx, DeleteRequest q) {
        ctx.tx().delete(ROOT, key(q.getKey()));
        return DeleteReply.getDefaultInstance();
    }

    private static CasReply cas(Replica s, CallContext ctx, CasRequest q) {
        Key key = key(q.getKey());
        Optional<byte[]> current = ctx.tx().lookup(ROOT, key);
        boolean matches = q.getExpectAbsent() ? current.isEmpty()
                : current.isPresent() && Arrays.equals(current.get(), q.getExpected().toByteArray());
        if (!matches) {
            CasReply.Builder b = CasReply.newBuilder().setSwapped(false);
            current.ifPresent(c -> b.setFound(true).setCurrent(UnsafeByteOperations.unsafeWrap(c)));
            return b.build();
        }
        if (q.getDelete()) {
            ctx.tx().delete(ROOT, key);
        } else {
            ctx.tx().update(ROOT, key, q.getValue().asReadOnlyByteBuffer());
        }
        return CasReply.newBuilder().setSwapped(true).build();
    }
}
