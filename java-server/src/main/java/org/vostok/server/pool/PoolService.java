package org.vostok.server.pool;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.vostok.client.ErrorCode;
import org.vostok.client.VostokException;
import org.vostok.client.pool.PoolClient;
import org.vostok.client.proto.pool.Acl;
import org.vostok.client.proto.pool.AclEntryRequest;
import org.vostok.client.proto.pool.AttrList;
import org.vostok.client.proto.pool.AttrReply;
import org.vostok.client.proto.pool.AttrRequest;
import org.vostok.client.proto.pool.ConnectReply;
import org.vostok.client.proto.pool.ConnectRequest;
import org.vostok.client.proto.pool.ContCreateRequest;
import org.vostok.client.proto.pool.ContHandleRequest;
import org.vostok.client.proto.pool.ContInfo;
import org.vostok.client.proto.pool.ContList;
import org.vostok.client.proto.pool.ContOpenRequest;
import org.vostok.client.proto.pool.ContRef;
import org.vostok.client.proto.pool.ContSetPropertyRequest;
import org.vostok.client.proto.pool.Empty;
import org.vostok.client.proto.pool.HandleRequest;
import org.vostok.client.proto.pool.Permission;
import org.vostok.client.proto.pool.PoolBootstrap;
import org.vostok.client.proto.pool.PoolInfo;
import org.vostok.client.proto.pool.SetAttrRequest;
import org.vostok.client.proto.pool.SetPropertyRequest;
import org.vostok.client.proto.pool.Snapshot;
import org.vostok.client.proto.pool.SnapshotList;
import org.vostok.client.proto.pool.SnapshotRequest;
import org.vostok.rdb.model.KvsPath;
import org.vostok.rdb.model.KvsRecord;
import org.vostok.rdb.model.KvsScan;
import org.vostok.rdb.Tx;
import org.vostok.rsvc.CallContext;
import org.vostok.rsvc.Method;
import org.vostok.rsvc.RsvcClass;
import org.vostok.rsvc.ServiceContext;
import org.vostok.rsvc.StepUp;
import org.vostok.server.mgmt.Records;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;

/**
 * A pool's service (one per pool, its own Raft group, as DAOS's pool service): the pool's
 * properties, access-control list, user attributes and connection handles, and its containers
 * with their properties, attributes, open handles and snapshots.
 *
 * <p>Access: a client connects with a principal and the permissions it wants
 * ({@link Permission}); the access-control list (principal → permission bits, with
 * {@code EVERYONE@} for anyone) decides, and the granted permissions are recorded with the
 * handle. Every later call names its handle and is refused with NOPERM when the handle lacks
 * the permission. There is no authentication yet: the principal is what the client says.
 *
 * <p>State, in the service's rdb: {@code info} (the bootstrap record), {@code props},
 * {@code acl}, {@code attrs}, {@code handles} (handle → principal and permissions),
 * {@code conts} (container UUID → {@link ContInfo}), {@code cont-labels}, and per container a
 * KVS {@code c/<uuid>} holding {@code props}, {@code attrs}, {@code snaps} and {@code handles}.
 * Updates are serialized with each other (one lock per pool service).
 */
public final class PoolService implements RsvcClass<PoolService.Replica> {

    public static final String NAME = "pool";
    public static final String EVERYONE = "EVERYONE@";
    private static final int READ = Permission.PERMISSION_READ_VALUE;
    private static final int WRITE = Permission.PERMISSION_WRITE_VALUE;
    private static final int ADMIN = Permission.PERMISSION_ADMIN_VALUE;
    private static final int ALL = READ | WRITE | ADMIN;

    private static final KvsPath ROOT = KvsPath.root();
    private static final Key INFO = Key.ofUtf8("info");
    private static final KvsPath PROPS = ROOT.child("props");
    private static final KvsPath ACL = ROOT.child("acl");
    private static final KvsPath ATTRS = ROOT.child("attrs");
    private static final KvsPath HANDLES = ROOT.child("handles");
    private static final KvsPath CONTS = ROOT.child("conts");
    private static final KvsPath CONT_LABELS = ROOT.child("cont-labels");
    private static final KvsPath CONT_DATA = ROOT.child("c");

    /** A replica's service object. */
    public record Replica(ServiceContext context) {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Replica allocate(ServiceContext context) {
        return new Replica(context);
    }

    @Override
    public void bootstrap(Replica service, Tx tx, ByteString arguments) {
        PoolBootstrap b;
        try {
            b = PoolBootstrap.parseFrom(arguments);
        } catch (InvalidProtocolBufferException e) {
            throw new VostokException(ErrorCode.INVAL, "a pool's bootstrap arguments do not parse: " + e.getMessage());
        }
        tx.createRoot(KeyOrder.LEXICAL);
        for (String kvs : List.of("props", "acl", "attrs", "handles", "conts", "cont-labels", "c")) {
            tx.createKvs(ROOT, Key.ofUtf8(kvs), KeyOrder.LEXICAL);
        }
        tx.update(ROOT, INFO, b.toByteArray());
        b.getPropertiesMap().forEach((k, v) -> tx.update(PROPS, Records.name(k, "a property"), utf8(v)));
        b.getAclMap().forEach((k, v) -> tx.update(ACL, Records.name(k, "an ACL principal"), u32(v)));
    }

    @Override
    public StepUp stepUp(Replica service, long term) {
        try (Tx tx = service.context().replica().begin(term)) {
            return tx.kvsOrder(ROOT).isPresent() && tx.lookup(ROOT, INFO).isPresent() ? StepUp.UP : StepUp.UP_EMPTY;
        }
    }

    @Override
    public List<Method<Replica, ?>> methods() {
        return List.of(
                Method.read(PoolClient.STATUS, Empty::parseFrom, (s, c, q) -> status(c.tx())),
                Method.update(PoolClient.CONNECT, ConnectRequest::parseFrom, PoolService::connect),
                Method.update(PoolClient.DISCONNECT, HandleRequest::parseFrom, PoolService::disconnect),
                Method.read(PoolClient.QUERY, HandleRequest::parseFrom, PoolService::query),
                Method.update(PoolClient.SET_PROPERTY, SetPropertyRequest::parseFrom, PoolService::setProperty),
                Method.read(PoolClient.GET_ACL, HandleRequest::parseFrom, PoolService::getAcl),
                Method.update(PoolClient.SET_ACL, AclEntryRequest::parseFrom, PoolService::setAcl),
                Method.update(PoolClient.SET_ATTR, SetAttrRequest::parseFrom, PoolService::setAttr),
                Method.update(PoolClient.DELETE_ATTR, AttrRequest::parseFrom, PoolService::deleteAttr),
                Method.read(PoolClient.GET_ATTR, AttrRequest::parseFrom, PoolService::getAttr),
                Method.read(PoolClient.LIST_ATTRS, AttrRequest::parseFrom, PoolService::listAttrs),
                Method.update(PoolClient.CONT_CREATE, ContCreateRequest::parseFrom, PoolService::createContainer),
                Method.update(PoolClient.CONT_DESTROY, ContRef::parseFrom, PoolService::destroyContainer),
                Method.read(PoolClient.CONT_LIST, HandleRequest::parseFrom, PoolService::listContainers),
                Method.read(PoolClient.CONT_QUERY, ContRef::parseFrom, PoolService::queryContainer),
                Method.update(PoolClient.CONT_OPEN, ContOpenRequest::parseFrom, PoolService::openContainer),
                Method.update(PoolClient.CONT_CLOSE, ContHandleRequest::parseFrom, PoolService::closeContainer),
                Method.update(PoolClient.CONT_SET_PROPERTY, ContSetPropertyRequest::parseFrom,
                        PoolService::setContainerProperty),
                Method.update(PoolClient.SNAP_CREATE, SnapshotRequest::parseFrom, PoolService::createSnapshot),
                Method.update(PoolClient.SNAP_DESTROY, SnapshotRequest::parseFrom, PoolService::destroySnapshot),
                Method.read(PoolClient.SNAP_LIST, SnapshotRequest::parseFrom, PoolService::listSnapshots));
    }

    // ----------------------------------------------------------------------------------------
    // Small helpers

    private static byte[] utf8(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String utf8(byte[] b) {
        return new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static byte[] u32(int v) {
        return java.nio.ByteBuffer.allocate(4).putInt(v).array();
    }

    private static int u32(byte[] b) {
        if (b.length != 4) {
            throw new VostokException(ErrorCode.CORRUPT, "an ACL entry of " + b.length + " bytes (expected 4)");
        }
        return java.nio.ByteBuffer.wrap(b).getInt();
    }

    private static PoolBootstrap info(Tx tx) {
        return Records.get(tx, ROOT, INFO, PoolBootstrap::parseFrom).orElseThrow(() -> new VostokException(
                ErrorCode.CORRUPT, "the pool service has no info record"));
    }

    private static Map<String, String> strings(Tx tx, KvsPath kvs) {
        Map<String, String> out = new java.util.TreeMap<>();
        tx.iterate(kvs, KvsScan.forward(), r -> {
            if (r instanceof KvsRecord.Value v) {
                out.put(((Key.LexicalKey) v.key()).utf8(), utf8(v.value()));
            }
            return true;
        });
        return out;
    }

    private static int count(Tx tx, KvsPath kvs) {
        int[] n = {0};
        tx.iterate(kvs, KvsScan.forward(), r -> {
            n[0]++;
            return true;
        });
        return n[0];
    }

    /** The permissions a handle holds; NONEXIST without it, NOPERM when it lacks {@code needed}. */
    private static int requireHandle(Tx tx, ByteString handle, int needed) {
        UUID h = Records.uuid(handle, "the pool handle");
        byte[] rec = tx.lookup(HANDLES, Records.key(h)).orElseThrow(() -> new VostokException(ErrorCode.NONEXIST,
                "no pool handle " + h + ": connect to the pool first (or again, after a disconnect)"));
        int perms = u32(java.util.Arrays.copyOfRange(rec, 0, 4));
        if ((perms & needed) != needed) {
            throw new VostokException(ErrorCode.NOPERM, "pool handle " + h + " may " + describe(perms)
                    + ", and this needs " + describe(needed));
        }
        return perms;
    }

    static String describe(int perms) {
        List<String> out = new ArrayList<>();
        if ((perms & READ) != 0) {
            out.add("read");
        }
        if ((perms & WRITE) != 0) {
            out.add("write");
        }
        if ((perms & ADMIN) != 0) {
            out.add("admin");
        }
        return out.isEmpty() ? "nothing" : String.join("+", out);
    }

    // ----------------------------------------------------------------------------------------
    // The pool

    private static PoolInfo status(Tx tx) {
        PoolBootstrap b = info(tx);
        return PoolInfo.newBuilder().setUuid(b.getUuid()).setLabel(b.getLabel()).setCreatedMs(b.getCreatedMs()).build();
    }

    private static ConnectReply connect(Replica s, CallContext ctx, ConnectRequest q) {
        Tx tx = ctx.tx();
        UUID handle = Records.uuid(q.getHandle(), "the pool handle");
        if (q.getPrincipal().isEmpty()) {
            throw new VostokException(ErrorCode.INVAL, "a connection names its principal (e.g. user@host)");
        }
        int asked = q.getPermissions() == 0 ? READ : q.getPermissions();
        if ((asked & ~ALL) != 0) {
            throw new VostokException(ErrorCode.INVAL, "unknown permission bits " + Integer.toHexString(asked & ~ALL));
        }
        int allowed = 0;
        Optional<byte[]> own = tx.lookup(ACL, Records.name(q.getPrincipal(), "the principal"));
        Optional<byte[]> everyone = tx.lookup(ACL, Key.ofUtf8(EVERYONE));
        allowed |= own.map(PoolService::u32).orElse(0);
        allowed |= everyone.map(PoolService::u32).orElse(0);
        PoolBootstrap info = info(tx);
        if ((asked & allowed) != asked) {
            throw new VostokException(ErrorCode.NOPERM, "principal '" + q.getPrincipal() + "' may " + describe(allowed)
                    + " in pool '" + info.getLabel() + "', and asked to " + describe(asked)
                    + "; an administrator grants more with the pool's ACL");
        }
        byte[] principal = utf8(q.getPrincipal());
        byte[] rec = java.nio.ByteBuffer.allocate(4 + principal.length).putInt(asked).put(principal).array();
        tx.update(HANDLES, Records.key(handle), rec);
        return ConnectReply.newBuilder().setUuid(info.getUuid()).setLabel(info.getLabel()).setPermissions(asked).build();
    }

    private static Empty disconnect(Replica s, CallContext ctx, HandleRequest q) {
        UUID h = Records.uuid(q.getHandle(), "the pool handle");
        ctx.tx().delete(HANDLES, Records.key(h));
        return Empty.getDefaultInstance();
    }

    private static PoolInfo query(Replica s, CallContext ctx, HandleRequest q) {
        Tx tx = ctx.tx();
        requireHandle(tx, q.getHandle(), READ);
        PoolBootstrap b = info(tx);
        return PoolInfo.newBuilder().setUuid(b.getUuid()).setLabel(b.getLabel()).setCreatedMs(b.getCreatedMs())
                .putAllProperties(strings(tx, PROPS)).setHandles(count(tx, HANDLES)).setContainers(count(tx, CONTS))
                .build();
    }

    private static Empty setProperty(Replica s, CallContext ctx, SetPropertyRequest q) {
        requireHandle(ctx.tx(), q.getHandle(), ADMIN);
        Key name = Records.name(q.getName(), "a property");
        if (q.getValue().isEmpty()) {
            ctx.tx().delete(PROPS, name);
        } else {
            ctx.tx().update(PROPS, name, utf8(q.getValue()));
        }
        return Empty.getDefaultInstance();
    }

    private static Acl getAcl(Replica s, CallContext ctx, HandleRequest q) {
        Tx tx = ctx.tx();
        requireHandle(tx, q.getHandle(), READ);
        Acl.Builder b = Acl.newBuilder();
        tx.iterate(ACL, KvsScan.forward(), r -> {
            if (r instanceof KvsRecord.Value v) {
                b.putEntries(((Key.LexicalKey) v.key()).utf8(), u32(v.value()));
            }
            return true;
        });
        return b.build();
    }

    private static Empty setAcl(Replica s, CallContext ctx, AclEntryRequest q) {
        requireHandle(ctx.tx(), q.getHandle(), ADMIN);
        Key principal = Records.name(q.getPrincipal(), "an ACL principal");
        if ((q.getPermissions() & ~ALL) != 0) {
            throw new VostokException(ErrorCode.INVAL, "unknown permission bits "
                    + Integer.toHexString(q.getPermissions() & ~ALL));
        }
        if (q.getPermissions() == 0) {
            ctx.tx().delete(ACL, principal);
        } else {
            ctx.tx().update(ACL, principal, u32(q.getPermissions()));
        }
        return Empty.getDefaultInstance();
    }

    // ----------------------------------------------------------------------------------------
    // Attributes (of the pool, or of a container)

    private static KvsPath attrsOf(Tx tx, ByteString container) {
        if (container.isEmpty()) {
            return ATTRS;
        }
        UUID c = requireContainer(tx, container);
        return CONT_DATA.child(Records.key(c)).child("attrs");
    }

    private static Empty setAttr(Replica s, CallContext ctx, SetAttrRequest q) {
        requireHandle(ctx.tx(), q.getHandle(), WRITE);
        ctx.tx().update(attrsOf(ctx.tx(), q.getContainer()), Records.name(q.getName(), "an attribute"),
                q.getValue().toByteArray());
        return Empty.getDefaultInstance();
    }

    private static Empty deleteAttr(Replica s, CallContext ctx, AttrRequest q) {
        requireHandle(ctx.tx(), q.getHandle(), WRITE);
        ctx.tx().delete(attrsOf(ctx.tx(), q.getContainer()), Records.name(q.getName(), "an attribute"));
        return Empty.getDefaultInstance();
    }

    private static AttrReply getAttr(Replica s, CallContext ctx, AttrRequest q) {
        requireHandle(ctx.tx(), q.getHandle(), READ);
        Optional<byte[]> v = ctx.tx().lookup(attrsOf(ctx.tx(), q.getContainer()), Records.name(q.getName(),
                "an attribute"));
        return v.map(b -> AttrReply.newBuilder().setFound(true).setValue(ByteString.copyFrom(b)).build())
                .orElse(AttrReply.getDefaultInstance());
    }

    private static AttrList listAttrs(Replica s, CallContext ctx, AttrRequest q) {
        Tx tx = ctx.tx();
        requireHandle(tx, q.getHandle(), READ);
        AttrList.Builder b = AttrList.newBuilder();
        tx.iterate(attrsOf(tx, q.getContainer()), KvsScan.forward(), r -> {
            if (r instanceof KvsRecord.Value v) {
                b.putAttrs(((Key.LexicalKey) v.key()).utf8(), ByteString.copyFrom(v.value()));
            }
            return true;
        });
        return b.build();
    }

    // ----------------------------------------------------------------------------------------
    // Containers

    private static UUID requireContainer(Tx tx, ByteString container) {
        UUID c = Records.uuid(container, "the container");
        if (tx.lookup(CONTS, Records.key(c)).isEmpty()) {
            throw new VostokException(ErrorCode.NONEXIST, "no container " + c + " in this pool");
        }
        return c;
    }

    /** The container a reference names, by uuid or by label. */
    private static UUID resolve(Tx tx, ContRef ref) {
        if (!ref.getContainer().isEmpty()) {
            return requireContainer(tx, ref.getContainer());
        }
        if (ref.getLabel().isEmpty()) {
            throw new VostokException(ErrorCode.INVAL, "name the container by uuid or label");
        }
        byte[] id = tx.lookup(CONT_LABELS, Key.ofUtf8(ref.getLabel())).orElseThrow(() -> new VostokException(
                ErrorCode.NONEXIST, "no container is labelled '" + ref.getLabel() + "' in this pool"));
        return Records.uuid(ByteString.copyFrom(id), "a stored container uuid");
    }

    private static ContInfo createContainer(Replica s, CallContext ctx, ContCreateRequest q) {
        Tx tx = ctx.tx();
        requireHandle(tx, q.getHandle(), WRITE);
        UUID c = Records.uuid(q.getContainer(), "the container");
        if (tx.lookup(CONTS, Records.key(c)).isPresent()) {
            throw new VostokException(ErrorCode.EXIST, "container " + c + " exists already");
        }
        String label = q.getLabel().isEmpty() ? "" : Records.label(q.getLabel(), "the container's");
        if (!label.isEmpty() && tx.lookup(CONT_LABELS, Key.ofUtf8(label)).isPresent()) {
            throw new VostokException(ErrorCode.EXIST, "a container labelled '" + label + "' exists already");
        }
        ContInfo info = ContInfo.newBuilder().setUuid(q.getContainer()).setLabel(label)
                .setCreatedMs(System.currentTimeMillis()).build();
        Records.put(tx, CONTS, Records.key(c), info);
        if (!label.isEmpty()) {
            tx.update(CONT_LABELS, Key.ofUtf8(label), Records.bytes(c).toByteArray());
        }
        KvsPath data = CONT_DATA.child(Records.key(c));
        tx.createKvs(CONT_DATA, Records.key(c), KeyOrder.LEXICAL);
        for (String kvs : List.of("props", "attrs", "snaps", "handles")) {
            tx.createKvs(data, Key.ofUtf8(kvs), KeyOrder.LEXICAL);
        }
        q.getPropertiesMap().forEach((k, v) -> tx.update(data.child("props"), Records.name(k, "a property"), utf8(v)));
        return info.toBuilder().putAllProperties(q.getPropertiesMap()).build();
    }

    private static ContInfo destroyContainer(Replica s, CallContext ctx, ContRef q) {
        Tx tx = ctx.tx();
        requireHandle(tx, q.getHandle(), WRITE);
        UUID c = resolve(tx, q);
        ContInfo info = Records.get(tx, CONTS, Records.key(c), ContInfo::parseFrom).orElseThrow();
        int open = count(tx, CONT_DATA.child(Records.key(c)).child("handles"));
        if (open > 0) {
            throw new VostokException(ErrorCode.INUSE, "container '" + info.getLabel() + "' (" + c + ") has " + open
                    + " open handles; close them first");
        }
        tx.destroyKvs(CONT_DATA, Records.key(c));
        tx.delete(CONTS, Records.key(c));
        if (!info.getLabel().isEmpty()) {
            tx.delete(CONT_LABELS, Key.ofUtf8(info.getLabel()));
        }
        return info;
    }

    private static ContInfo fullInfo(Tx tx, UUID c) {
        ContInfo info = Records.get(tx, CONTS, Records.key(c), ContInfo::parseFrom).orElseThrow(() ->
                new VostokException(ErrorCode.NONEXIST, "no container " + c));
        KvsPath data = CONT_DATA.child(Records.key(c));
        return info.toBuilder().putAllProperties(strings(tx, data.child("props")))
                .setOpenHandles(count(tx, data.child("handles"))).setSnapshots(count(tx, data.child("snaps"))).build();
    }

    private static ContList listContainers(Replica s, CallContext ctx, HandleRequest q) {
        Tx tx = ctx.tx();
        requireHandle(tx, q.getHandle(), READ);
        List<UUID> ids = new ArrayList<>();
        tx.iterate(CONTS, KvsScan.forward(), r -> {
            if (r instanceof KvsRecord.Value v) {
                ids.add(Records.uuid(ByteString.copyFrom(((Key.LexicalKey) v.key()).bytes()), "a container key"));
            }
            return true;
        });
        ContList.Builder b = ContList.newBuilder();
        for (UUID c : ids) {
            b.addContainers(fullInfo(tx, c));
        }
        return b.build();
    }

    private static ContInfo queryContainer(Replica s, CallContext ctx, ContRef q) {
        requireHandle(ctx.tx(), q.getHandle(), READ);
        return fullInfo(ctx.tx(), resolve(ctx.tx(), q));
    }

    private static ContInfo openContainer(Replica s, CallContext ctx, ContOpenRequest q) {
        Tx tx = ctx.tx();
        int perms = requireHandle(tx, q.getHandle(), READ);
        int asked = q.getPermissions() == 0 ? READ : q.getPermissions();
        if ((asked & perms) != asked) {
            throw new VostokException(ErrorCode.NOPERM, "the pool handle may " + describe(perms)
                    + ", and the container was opened to " + describe(asked));
        }
        UUID c = resolve(tx, q.getContainer());
        UUID ch = Records.uuid(q.getContainerHandle(), "the container handle");
        tx.update(CONT_DATA.child(Records.key(c)).child("handles"), Records.key(ch), u32(asked));
        return fullInfo(tx, c);
    }

    private static Empty closeContainer(Replica s, CallContext ctx, ContHandleRequest q) {
        Tx tx = ctx.tx();
        requireHandle(tx, q.getHandle(), READ);
        UUID ch = Records.uuid(q.getContainerHandle(), "the container handle");
        // A container handle is recorded under its container: find it.
        List<UUID> ids = new ArrayList<>();
        tx.iterate(CONTS, KvsScan.forward(), r -> {
            ids.add(Records.uuid(ByteString.copyFrom(((Key.LexicalKey) r.key()).bytes()), "a container key"));
            return true;
        });
        for (UUID c : ids) {
            KvsPath handles = CONT_DATA.child(Records.key(c)).child("handles");
            if (tx.lookup(handles, Records.key(ch)).isPresent()) {
                tx.delete(handles, Records.key(ch));
            }
        }
        return Empty.getDefaultInstance();
    }

    private static Empty setContainerProperty(Replica s, CallContext ctx, ContSetPropertyRequest q) {
        Tx tx = ctx.tx();
        requireHandle(tx, q.getHandle(), WRITE);
        UUID c = requireContainer(tx, q.getContainer());
        KvsPath props = CONT_DATA.child(Records.key(c)).child("props");
        Key name = Records.name(q.getName(), "a property");
        if (q.getValue().isEmpty()) {
            tx.delete(props, name);
        } else {
            tx.update(props, name, utf8(q.getValue()));
        }
        return Empty.getDefaultInstance();
    }

    // ----------------------------------------------------------------------------------------
    // Snapshots: named epochs of a container

    private static Snapshot createSnapshot(Replica s, CallContext ctx, SnapshotRequest q) {
        Tx tx = ctx.tx();
        requireHandle(tx, q.getHandle(), WRITE);
        UUID c = requireContainer(tx, q.getContainer());
        KvsPath snaps = CONT_DATA.child(Records.key(c)).child("snaps");
        Key name = Records.name(q.getName(), "a snapshot");
        if (tx.lookup(snaps, name).isPresent()) {
            throw new VostokException(ErrorCode.EXIST, "container " + c + " has a snapshot named '" + q.getName()
                    + "' already");
        }
        Snapshot snap = Snapshot.newBuilder().setName(q.getName()).setEpoch(tx.readEpoch())
                .setCreatedMs(System.currentTimeMillis()).build();
        Records.put(tx, snaps, name, snap);
        return snap;
    }

    private static Empty destroySnapshot(Replica s, CallContext ctx, SnapshotRequest q) {
        Tx tx = ctx.tx();
        requireHandle(tx, q.getHandle(), WRITE);
        UUID c = requireContainer(tx, q.getContainer());
        KvsPath snaps = CONT_DATA.child(Records.key(c)).child("snaps");
        Key name = Records.name(q.getName(), "a snapshot");
        if (tx.lookup(snaps, name).isEmpty()) {
            throw new VostokException(ErrorCode.NONEXIST, "container " + c + " has no snapshot named '"
                    + q.getName() + "'");
        }
        tx.delete(snaps, name);
        return Empty.getDefaultInstance();
    }

    private static SnapshotList listSnapshots(Replica s, CallContext ctx, SnapshotRequest q) {
        Tx tx = ctx.tx();
        requireHandle(tx, q.getHandle(), READ);
        UUID c = requireContainer(tx, q.getContainer());
        SnapshotList.Builder b = SnapshotList.newBuilder();
        tx.iterate(CONT_DATA.child(Records.key(c)).child("snaps"), KvsScan.forward(), r -> {
            if (r instanceof KvsRecord.Value v) {
                try {
                    b.addSnapshots(Snapshot.parseFrom(v.value()));
                } catch (InvalidProtocolBufferException e) {
                    throw new VostokException(ErrorCode.CORRUPT, "a snapshot record does not parse: " + e.getMessage());
                }
            }
            return true;
        });
        return b.build();
    }
}
