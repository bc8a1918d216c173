package org.vostok.client.pool;

import com.google.protobuf.ByteString;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.vostok.client.CallOptions;
import org.vostok.client.ReplicaAddress;
import org.vostok.client.Replies;
import org.vostok.client.ServiceClient;
import org.vostok.client.VostokClient;
import org.vostok.client.mgmt.MgmtClient;
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
import org.vostok.client.proto.pool.PoolInfo;
import org.vostok.client.proto.pool.SetAttrRequest;
import org.vostok.client.proto.pool.SetPropertyRequest;
import org.vostok.client.proto.pool.Snapshot;
import org.vostok.client.proto.pool.SnapshotList;
import org.vostok.client.proto.pool.SnapshotRequest;

/**
 * The typed client of one pool's service: connect to get a {@link Handle}, then query the pool,
 * change its properties, access-control list and attributes, and work with its containers. Every
 * update is exactly-once. Find a pool's service with {@link MgmtClient#openPool}.
 */
public final class PoolClient {

    public static final String STATUS = "pool.status";
    public static final String CONNECT = "pool.connect";
    public static final String DISCONNECT = "pool.disconnect";
    public static final String QUERY = "pool.query";
    public static final String SET_PROPERTY = "pool.set_property";
    public static final String GET_ACL = "pool.get_acl";
    public static final String SET_ACL = "pool.set_acl";
    public static final String SET_ATTR = "pool.set_attr";
    public static final String DELETE_ATTR = "pool.delete_attr";
    public static final String GET_ATTR = "pool.get_attr";
    public static final String LIST_ATTRS = "pool.list_attrs";
    public static final String CONT_CREATE = "cont.create";
    public static final String CONT_DESTROY = "cont.destroy";
    public static final String CONT_LIST = "cont.list";
    public static final String CONT_QUERY = "cont.query";
    public static final String CONT_OPEN = "cont.open";
    public static final String CONT_CLOSE = "cont.close";
    public static final String CONT_SET_PROPERTY = "cont.set_property";
    public static final String SNAP_CREATE = "cont.snap_create";
    public static final String SNAP_DESTROY = "cont.snap_destroy";
    public static final String SNAP_LIST = "cont.snap_list";

    /** Permission bits (as {@code pool.proto}'s Permission). */
    public static final int READ = 1;
    public static final int WRITE = 2;
    public static final int ADMIN = 4;

    private final ServiceClient pool;

    private PoolClient(ServiceClient pool) {
        this.pool = pool;
    }

    /** The pool whose service is {@code serviceId}, with its replicas' addresses. */
    public static PoolClient of(VostokClient client, long serviceId, List<ReplicaAddress> replicas) {
        return new PoolClient(client.service(serviceId, replicas));
    }

    public ServiceClient service() {
        return pool;
    }

    /** Completes once the pool service answers (its leader is up), or fails at the deadline. */
    public static CompletableFuture<Void> awaitUp(ServiceClient pool, CallOptions options) {
        return pool.call(STATUS, Empty.getDefaultInstance(), false, options).thenApply(r -> null);
    }

    public CompletableFuture<PoolInfo> status() {
        return pool.call(STATUS, Empty.getDefaultInstance(), false).thenApply(r -> Replies.parse(r, PoolInfo::parseFrom));
    }

    /** Connects as {@code principal} with {@code permissions}; NOPERM when the ACL does not allow them. */
    public CompletableFuture<Handle> connect(String principal, int permissions) {
        UUID handle = UUID.randomUUID();
        ByteString h = MgmtClient.uuidBytes(handle);
        return pool.call(CONNECT, ConnectRequest.newBuilder().setHandle(h).setPrincipal(principal)
                .setPermissions(permissions).build(), true).thenApply(r -> {
                    ConnectReply c = r.getDuplicate() ? ConnectReply.newBuilder().setPermissions(permissions).build()
                            : Replies.parse(r, ConnectReply::parseFrom);
                    return new Handle(h, c.getPermissions());
                });
    }

    /** A connection to the pool: every call names it, and may do what its permissions allow. */
    public final class Handle {
        private final ByteString handle;
        private final int permissions;

        Handle(ByteString handle, int permissions) {
            this.handle = handle;
            this.permissions = permissions;
        }

        public int permissions() {
            return permissions;
        }

        public UUID uuid() {
            return MgmtClient.uuid(handle);
        }

        private HandleRequest req() {
            return HandleRequest.newBuilder().setHandle(handle).build();
        }

        public CompletableFuture<Void> disconnect() {
            return pool.call(DISCONNECT, req(), true).thenApply(r -> null);
        }

        public CompletableFuture<PoolInfo> query() {
            return pool.call(QUERY, req(), false).thenApply(r -> Replies.parse(r, PoolInfo::parseFrom));
        }

        /** Sets a pool property; an empty value removes it. Needs ADMIN. */
        public CompletableFuture<Void> setProperty(String name, String value) {
            return pool.call(SET_PROPERTY, SetPropertyRequest.newBuilder().setHandle(handle).setName(name)
                    .setValue(value).build(), true).thenApply(r -> null);
        }

        public CompletableFuture<Map<String, Integer>> acl() {
            return pool.call(GET_ACL, req(), false).thenApply(r -> Replies.parse(r, Acl::parseFrom).getEntriesMap());
        }

        /** Sets {@code principal}'s permissions (0 removes the entry). Needs ADMIN. */
        public CompletableFuture<Void> setAcl(String principal, int perms) {
            return pool.call(SET_ACL, AclEntryRequest.newBuilder().setHandle(handle).setPrincipal(principal)
                    .setPermissions(perms).build(), true).thenApply(r -> null);
        }

        public CompletableFuture<Void> setAttr(String name, byte[] value) {
            return setAttr(ByteString.EMPTY, name, value);
        }

        CompletableFuture<Void> setAttr(ByteString container, String name, byte[] value) {
            return pool.call(SET_ATTR, SetAttrRequest.newBuilder().setHandle(handle).setContainer(container)
                    .setName(name).setValue(ByteString.copyFrom(value)).build(), true).thenApply(r -> null);
        }

        public CompletableFuture<Void> deleteAttr(String name) {
            return deleteAttr(ByteString.EMPTY, name);
        }

        CompletableFuture<Void> deleteAttr(ByteString container, String name) {
            return pool.call(DELETE_ATTR, AttrRequest.newBuilder().setHandle(handle).setContainer(container)
                    .setName(name).build(), true).thenApply(r -> null);
        }

        public CompletableFuture<java.util.Optional<byte[]>> getAttr(String name) {
            return getAttr(ByteString.EMPTY, name);
        }

        CompletableFuture<java.util.Optional<byte[]>> getAttr(ByteString container, String name) {
            return pool.call(GET_ATTR, AttrRequest.newBuilder().setHandle(handle).setContainer(container)
                    .setName(name).build(), false).thenApply(r -> {
                        AttrReply a = Replies.parse(r, AttrReply::parseFrom);
                        return a.getFound() ? java.util.Optional.of(a.getValue().toByteArray())
                                : java.util.Optional.<byte[]>empty();
                    });
        }

        public CompletableFuture<Map<String, ByteString>> listAttrs() {
            return listAttrs(ByteString.EMPTY);
        }

        CompletableFuture<Map<String, ByteString>> listAttrs(ByteString container) {
            return pool.call(LIST_ATTRS, AttrRequest.newBuilder().setHandle(handle).setContainer(container).build(),
                    false).thenApply(r -> Replies.parse(r, AttrList::parseFrom).getAttrsMap());
        }

        /** Creates a container (label may be empty). Needs WRITE. */
        public CompletableFuture<ContInfo> createContainer(String label, Map<String, String> properties) {
            ByteString id = MgmtClient.uuidBytes(UUID.randomUUID());
            return pool.call(CONT_CREATE, ContCreateRequest.newBuilder().setHandle(handle).setContainer(id)
                    .setLabel(label).putAllProperties(properties).build(), true).thenCompose(r -> r.getDuplicate()
                    ? queryContainer(ContRef.newBuilder().setHandle(handle).setContainer(id).build())
                    : CompletableFuture.completedFuture(Replies.parse(r, ContInfo::parseFrom)));
        }

        public CompletableFuture<Void> destroyContainer(String labelOrUuid) {
            return pool.call(CONT_DESTROY, ref(labelOrUuid), true).thenApply(r -> null);
        }

        public CompletableFuture<List<ContInfo>> listContainers() {
            return pool.call(CONT_LIST, req(), false).thenApply(r -> Replies.parse(r, ContList::parseFrom)
                    .getContainersList());
        }

        public CompletableFuture<ContInfo> queryContainer(String labelOrUuid) {
            return queryContainer(ref(labelOrUuid));
        }

        CompletableFuture<ContInfo> queryContainer(ContRef ref) {
            return pool.call(CONT_QUERY, ref, false).thenApply(r -> Replies.parse(r, ContInfo::parseFrom));
        }

        private ContRef ref(String labelOrUuid) {
            ContRef.Builder b = ContRef.newBuilder().setHandle(handle);
            try {
                b.setContainer(MgmtClient.uuidBytes(UUID.fromString(labelOrUuid)));
            } catch (IllegalArgumentException notAUuid) {
                b.setLabel(labelOrUuid);
            }
            return b.build();
        }

        /** Opens a container with {@code perms} (within this handle's). */
        public CompletableFuture<Container> openContainer(String labelOrUuid, int perms) {
            ByteString ch = MgmtClient.uuidBytes(UUID.randomUUID());
            ContRef ref = ref(labelOrUuid);
            return pool.call(CONT_OPEN, ContOpenRequest.newBuilder().setHandle(handle).setContainer(ref)
                    .setContainerHandle(ch).setPermissions(perms).build(), true).thenCompose(r -> r.getDuplicate()
                    ? queryContainer(ref) : CompletableFuture.completedFuture(Replies.parse(r, ContInfo::parseFrom)))
                    .thenApply(info -> new Container(info, ch));
        }

        /** An open container. */
        public final class Container {
            private final ContInfo info;
            private final ByteString containerHandle;

            Container(ContInfo info, ByteString containerHandle) {
                this.info = info;
                this.containerHandle = containerHandle;
            }

            public ContInfo info() {
                return info;
            }

            public UUID uuid() {
                return MgmtClient.uuid(info.getUuid());
            }

            public CompletableFuture<Void> close() {
                return pool.call(CONT_CLOSE, ContHandleRequest.newBuilder().setHandle(handle)
                        .setContainerHandle(containerHandle).build(), true).thenApply(r -> null);
            }

            public CompletableFuture<Void> setProperty(String name, String value) {
                return pool.call(CONT_SET_PROPERTY, ContSetPropertyRequest.newBuilder().setHandle(handle)
                        .setContainer(info.getUuid()).setName(name).setValue(value).build(), true).thenApply(r -> null);
            }

            public CompletableFuture<Void> setAttr(String name, byte[] value) {
                return Handle.this.setAttr(info.getUuid(), name, value);
            }

            public CompletableFuture<Void> deleteAttr(String name) {
                return Handle.this.deleteAttr(info.getUuid(), name);
            }

            public CompletableFuture<java.util.Optional<byte[]>> getAttr(String name) {
                return Handle.this.getAttr(info.getUuid(), name);
            }

            public CompletableFuture<Map<String, ByteString>> listAttrs() {
                return Handle.this.listAttrs(info.getUuid());
            }

            /** Names the container's current epoch {@code name}. */
            public CompletableFuture<Snapshot> createSnapshot(String name) {
                return pool.call(SNAP_CREATE, snap(name), true).thenCompose(r -> r.getDuplicate()
                        ? listSnapshots().thenApply(l -> l.stream().filter(s -> s.getName().equals(name)).findFirst()
                        .orElseThrow())
                        : CompletableFuture.completedFuture(Replies.parse(r, Snapshot::parseFrom)));
            }

            public CompletableFuture<Void> destroySnapshot(String name) {
                return pool.call(SNAP_DESTROY, snap(name), true).thenApply(r -> null);
            }

            public CompletableFuture<List<Snapshot>> listSnapshots() {
                return pool.call(SNAP_LIST, snap(""), false).thenApply(r -> Replies.parse(r, SnapshotList::parseFrom)
                        .getSnapshotsList());
            }

            private SnapshotRequest snap(String name) {
                return SnapshotRequest.newBuilder().setHandle(handle).setContainer(info.getUuid()).setName(name).build();
            }
        }
    }
}
