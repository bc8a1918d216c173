package org.vostok.rsvc.testing;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.util.Optional;
import org.vostok.client.VostokException;
import org.vostok.client.register.RegisterClient;
import org.vostok.testing.linearizability.KvOp;
import org.vostok.testing.linearizability.KvResult;
import org.vostok.testing.workload.KvClient;
import org.vostok.testing.workload.Reply;

/**
 * The register service as test-support's workload drives a key-value store: each operation is
 * one call of {@link RegisterClient} (which finds the leader and retries by itself, under the
 * call's deadline). A failed update is ambiguous only when the client says so
 * ({@link VostokException#outcomeUnknown()}); a failed read changed nothing.
 */
public final class RegisterKvClient implements KvClient {

    private final RegisterClient reg;

    public RegisterKvClient(RegisterClient reg) {
        this.reg = reg;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(ISO_8859_1);
    }

    @Override
    public Reply perform(KvOp op) {
        try {
            if (op instanceof KvOp.Read r) {
                return Reply.ok(KvResult.valueOf(reg.read(bytes(r.key())).map(b -> new String(b, ISO_8859_1))));
            } else if (op instanceof KvOp.Write w) {
                reg.write(bytes(w.key()), bytes(w.value()));
                return Reply.ok(KvResult.ok());
            } else if (op instanceof KvOp.Delete d) {
                reg.delete(bytes(d.key()));
                return Reply.ok(KvResult.ok());
            } else if (op instanceof KvOp.CompareAndSet c) {
                RegisterClient.CasResult r = reg.cas(bytes(c.key()), c.expected().map(RegisterKvClient::bytes),
                        Optional.of(bytes(c.newValue())));
                return Reply.ok(KvResult.swapped(r.swapped()));
            }
            throw new IllegalArgumentException("unknown operation " + op);
        } catch (VostokException e) {
            boolean update = !(op instanceof KvOp.Read);
            return update && e.outcomeUnknown() ? Reply.unknown(e.getMessage()) : Reply.failed(e.getMessage());
        }
    }
}
