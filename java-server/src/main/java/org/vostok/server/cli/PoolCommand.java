package org.vostok.server.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.vostok.client.mgmt.MgmtClient;
import org.vostok.client.pool.PoolClient;
import org.vostok.client.proto.mgmt.PoolEntry;
import org.vostok.client.proto.pool.PoolInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;

/**
 * {@code vostok pool ...}: create, destroy, list and query pools, and change their properties,
 * access-control lists and attributes. A pool is named by its label or its uuid.
 */
@Command(name = "pool", description = "Create, destroy, list and query pools; their properties, ACLs and attributes.",
        mixinStandardHelpOptions = true, scope = ScopeType.INHERIT, synopsisSubcommandLabel = "COMMAND",
        exitCodeListHeading = ExitCodes.HEADING,
        exitCodeList = {ExitCodes.LINE_OK, ExitCodes.LINE_OTHER, ExitCodes.LINE_USAGE, ExitCodes.LINE_NOT_FOUND,
                ExitCodes.LINE_PERMISSION, ExitCodes.LINE_UNREACHABLE, ExitCodes.LINE_EXISTS, ExitCodes.LINE_IN_USE})
public final class PoolCommand {

    static final int READ = PoolClient.READ;

    @Command(name = "create", description = {"Create a pool: its own replicated pool service, on nodes the"
            + " management service chooses (or --nodes). The principal (--principal) owns it: it gets every"
            + " permission unless --acl says otherwise."})
    int create(@Mixin ConnectionOptions conn, @Mixin OutputOptions out, @Mixin PrincipalOption who,
               @Parameters(paramLabel = "LABEL", description = "The pool's label, unique in the system.") String label,
               @Option(names = "--nodes", split = ",", paramLabel = "ID",
                       description = "The nodes of its replicas (comma-separated node ids).") List<Long> nodes,
               @Option(names = "--replicas", paramLabel = "N", defaultValue = "0",
                       description = "How many replicas when the service places them (default: 3, or every node"
                               + " when fewer).") int replicas,
               @Option(names = "--prop", paramLabel = "NAME=VALUE",
                       description = "A property to create it with. Repeatable.") Map<String, String> props,
               @Option(names = "--acl", paramLabel = "PRINCIPAL=PERMS",
                       description = "An access-control entry to create it with (PERMS: r, w, a, e.g. rw)."
                               + " Repeatable.") Map<String, String> acl) {
        Map<String, Integer> entries = new LinkedHashMap<>();
        if (acl != null) {
            acl.forEach((p, perms) -> entries.put(p, Permissions.parse(perms)));
        }
        if (replicas < 0) {
            throw new CliFailure(ExitCodes.USAGE, "--replicas must not be negative");
        }
        try (Admin a = conn.connect()) {
            PoolEntry e = a.join(a.mgmt().createPool(new MgmtClient.PoolSpec(label, nodes == null ? List.of() : nodes,
                    replicas, props == null ? Map.of() : props, entries, who.principal())), "creating pool '"
                    + label + "'");
            out.done(Views.pool(e), "created pool " + e.getLabel() + " (" + MgmtClient.uuid(e.getUuid())
                    + ") as service " + e.getServiceId() + " on nodes " + e.getReplicaNodesList());
        }
        return ExitCodes.OK;
    }

    @Command(name = "destroy", description = "Destroy a pool: its service's replicas and everything in it.")
    int destroy(@Mixin ConnectionOptions conn, @Mixin OutputOptions out,
                @Parameters(paramLabel = "POOL", description = "The pool's label or uuid.") String pool) {
        try (Admin a = conn.connect()) {
            a.join(a.mgmt().destroyPool(MgmtClient.ref(pool)), "destroying pool '" + pool + "'");
            out.done(Map.of("destroyed", pool), "destroyed pool " + pool);
        }
        return ExitCodes.OK;
    }

    @Command(name = "list", description = "List the pools.")
    int list(@Mixin ConnectionOptions conn, @Mixin OutputOptions out) {
        try (Admin a = conn.connect()) {
            List<PoolEntry> pools = a.join(a.mgmt().listPools(), "listing the pools");
            List<Object> json = new ArrayList<>();
            Table t = new Table("", "LABEL", "UUID", "SERVICE", "NODES", "STATE", "CREATED");
            for (PoolEntry e : pools) {
                json.add(Views.pool(e));
                t.row(e.getLabel(), MgmtClient.uuid(e.getUuid()), e.getServiceId(), join(e.getReplicaNodesList()),
                        Views.pool(e).get("state"), Views.time(e.getCreatedMs()));
            }
            out.print(Map.of("pools", json), () -> {
                if (t.isEmpty()) {
                    out.out().println("no pools");
                } else {
                    t.print(out.out());
                }
            });
        }
        return ExitCodes.OK;
    }

    @Command(name = "query", description = "Show a pool: where its service runs, its properties, handles and"
            + " containers.")
    int query(@Mixin ConnectionOptions conn, @Mixin OutputOptions out, @Mixin PrincipalOption who,
              @Parameters(paramLabel = "POOL", description = "The pool's label or uuid.") String pool) {
        try (Admin a = conn.connect()) {
            PoolEntry e = a.join(a.mgmt().getPool(MgmtClient.ref(pool)), "finding pool '" + pool + "'");
            PoolInfo info = a.withHandle(pool, who.principal(), READ, "querying pool '" + pool + "'",
                    PoolClient.Handle::query);
            out.print(Views.pool(e, info), () -> {
                Table t = new Table("", "pool", e.getLabel());
                t.row("uuid", MgmtClient.uuid(e.getUuid()));
                t.row("service", e.getServiceId() + " on nodes " + join(e.getReplicaNodesList()));
                t.row("state", Views.pool(e).get("state"));
                t.row("created", Views.time(e.getCreatedMs()));
                t.row("containers", info.getContainers());
                t.row("handles", info.getHandles() + " (this query's included)");
                t.row("properties", Views.properties(info.getPropertiesMap()));
                t.print(out.out());
            });
        }
        return ExitCodes.OK;
    }

    @Command(name = "set-prop", description = "Set a pool property (an empty VALUE removes it). Needs the a"
            + " (admin) permission.")
    int setProp(@Mixin ConnectionOptions conn, @Mixin OutputOptions out, @Mixin PrincipalOption who,
                @Parameters(paramLabel = "POOL") String pool, @Parameters(paramLabel = "NAME") String name,
                @Parameters(paramLabel = "VALUE") String value) {
        try (Admin a = conn.connect()) {
            a.withHandle(pool, who.principal(), READ | PoolClient.ADMIN, "setting property " + name + " of pool '"
                    + pool + "'", h -> h.setProperty(name, value));
            out.done(Map.of("name", name, "value", value), value.isEmpty() ? "removed property " + name
                    : "set property " + name + "=" + value);
        }
        return ExitCodes.OK;
    }

    @Command(name = "get-acl", description = "Show a pool's access-control list.")
    int getAcl(@Mixin ConnectionOptions conn, @Mixin OutputOptions out, @Mixin PrincipalOption who,
               @Parameters(paramLabel = "POOL") String pool) {
        try (Admin a = conn.connect()) {
            Map<String, Integer> acl = new TreeMap<>(a.withHandle(pool, who.principal(), READ,
                    "reading the ACL of pool '" + pool + "'", PoolClient.Handle::acl));
            List<Object> json = new ArrayList<>();
            Table t = new Table("", "PRINCIPAL", "PERMISSIONS");
            acl.forEach((p, bits) -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("principal", p);
                m.put("permissions", Permissions.format(bits));
                m.put("bits", bits);
                json.add(m);
                t.row(p, Permissions.format(bits));
            });
            out.print(Map.of("entries", json), () -> t.print(out.out()));
        }
        return ExitCodes.OK;
    }

    @Command(name = "set-acl", description = "Set a principal's permissions on a pool: r (read), w (write), a (admin),"
            + " or none to remove the entry. Needs the a (admin) permission.")
    int setAcl(@Mixin ConnectionOptions conn, @Mixin OutputOptions out, @Mixin PrincipalOption who,
               @Parameters(paramLabel = "POOL") String pool, @Parameters(paramLabel = "PRINCIPAL") String principal,
               @Parameters(paramLabel = "PERMS") String perms) {
        int bits = Permissions.parse(perms);
        try (Admin a = conn.connect()) {
            a.withHandle(pool, who.principal(), READ | PoolClient.ADMIN, "setting the ACL entry of " + principal
                    + " on pool '" + pool + "'", h -> h.setAcl(principal, bits));
            out.done(Map.of("principal", principal, "permissions", Permissions.format(bits), "bits", bits),
                    bits == 0 ? "removed " + principal + " from the ACL" : principal + " may now: "
                            + Permissions.format(bits));
        }
        return ExitCodes.OK;
    }

    @Command(name = "set-attr", description = "Set a pool attribute. Needs the w (write) permission.")
    int setAttr(@Mixin ConnectionOptions conn, @Mixin OutputOptions out, @Mixin PrincipalOption who,
                @Parameters(paramLabel = "POOL") String pool, @Parameters(paramLabel = "NAME") String name,
                @Parameters(paramLabel = "VALUE") String value) {
        try (Admin a = conn.connect()) {
            a.withHandle(pool, who.principal(), READ | PoolClient.WRITE, "setting attribute " + name + " of pool '"
                    + pool + "'", h -> h.setAttr(name, value.getBytes(UTF_8)));
            out.done(Views.attribute(name, value.getBytes(UTF_8)), "set attribute " + name);
        }
        return ExitCodes.OK;
    }

    @Command(name = "get-attr", description = "Print a pool attribute's value.")
    int getAttr(@Mixin ConnectionOptions conn, @Mixin OutputOptions out, @Mixin PrincipalOption who,
                @Parameters(paramLabel = "POOL") String pool, @Parameters(paramLabel = "NAME") String name) {
        try (Admin a = conn.connect()) {
            Optional<byte[]> v = a.withHandle(pool, who.principal(), READ, "reading attribute " + name + " of pool '"
                    + pool + "'", h -> h.getAttr(name));
            byte[] value = v.orElseThrow(() -> new CliFailure(ExitCodes.NOT_FOUND, "pool '" + pool + "' has no"
                    + " attribute " + name + " (vostok pool list-attrs " + pool + " lists them)"));
            out.print(Views.attribute(name, value), () -> out.out().println(Views.printable(value)));
        }
        return ExitCodes.OK;
    }

    @Command(name = "list-attrs", description = "List a pool's attributes and their values.")
    int listAttrs(@Mixin ConnectionOptions conn, @Mixin OutputOptions out, @Mixin PrincipalOption who,
                  @Parameters(paramLabel = "POOL") String pool) {
        try (Admin a = conn.connect()) {
            var attrs = a.withHandle(pool, who.principal(), READ, "listing the attributes of pool '" + pool + "'",
                    PoolClient.Handle::listAttrs);
            printAttributes(out, attrs);
        }
        return ExitCodes.OK;
    }

    @Command(name = "del-attr", description = "Delete a pool attribute. Needs the w (write) permission.")
    int delAttr(@Mixin ConnectionOptions conn, @Mixin OutputOptions out, @Mixin PrincipalOption who,
                @Parameters(paramLabel = "POOL") String pool, @Parameters(paramLabel = "NAME") String name) {
        try (Admin a = conn.connect()) {
            a.withHandle(pool, who.principal(), READ | PoolClient.WRITE, "deleting attribute " + name + " of pool '"
                    + pool + "'", h -> h.deleteAttr(name));
            out.done(Map.of("deleted", name), "deleted attribute " + name);
        }
        return ExitCodes.OK;
    }

    static void printAttributes(OutputOptions out, Map<String, com.google.protobuf.ByteString> attrs) {
        Table t = new Table("", "NAME", "VALUE");
        new TreeMap<>(attrs).forEach((k, v) -> t.row(k, Views.printable(v.toByteArray())));
        out.print(Map.of("attributes", Views.attributes(attrs)), () -> {
            if (t.isEmpty()) {
                out.out().println("no attributes");
            } else {
                t.print(out.out());
            }
        });
    }

    static String join(List<Long> ids) {
        StringBuilder b = new StringBuilder();
        for (long id : ids) {
            b.append(b.isEmpty() ? "" : ",").append(id);
        }
        return b.isEmpty() ? "-" : b.toString();
    }
}
