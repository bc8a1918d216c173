package org.vostok.server.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.vostok.client.mgmt.MgmtClient;
import org.vostok.client.pool.PoolClient;
import org.vostok.client.proto.pool.ContInfo;
import org.vostok.client.proto.pool.Snapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;

/**
 * {@code vostok cont ...}: the containers of a pool, their properties, attributes and snapshots.
 * A pool is named by its label or uuid, a container by its label or uuid within it.
 */
@Command(name = "cont", description = "Create, destroy, list and query a pool's containers; their properties,"
        + " attributes and snapshots.",
        mixinStandardHelpOptions = true, scope = ScopeType.INHERIT, synopsisSubcommandLabel = "COMMAND",
        exitCodeListHeading = ExitCodes.HEADING,
        exitCodeList = {ExitCodes.LINE_OK, ExitCodes.LINE_OTHER, ExitCodes.LINE_USAGE, ExitCodes.LINE_NOT_FOUND,
                ExitCodes.LINE_PERMISSION, ExitCodes.LINE_UNREACHABLE, ExitCodes.LINE_EXISTS, ExitCodes.LINE_IN_USE})
public final class ContCommand {

    private static final int READ = PoolClient.READ;
    private static final int READ_WRITE = PoolClient.READ | PoolClient.WRITE;

    @Command(name = "create", description = "Create a container in a pool. Needs the w (write) permission.")
    int create(@Mixin ConnectionOptions conn, @Mixin OutputOptions out, @Mixin PrincipalOption who,
               @Parameters(paramLabel = "POOL") String pool,
               @Parameters(paramLabel = "LABEL", description = "The container's label, unique in the pool.")
               String label,
               @Option(names = "--prop", paramLabel = "NAME=VALUE",
                       description = "A property to create it with. Repeatable.") Map<String, String> props) {
        try (Admin a = conn.connect()) {
            ContInfo c = a.withHandle(pool, who.principal(), READ_WRITE, "creating container '" + label + "' in pool '"
                    + pool + "'", h -> h.createContainer(label, props == null ? Map.of() : props));
            out.done(Views.container(c), "created container " + c.getLabel() + " (" + MgmtClient.uuid(c.getUuid())
                    + ") in pool " + pool);
        }
        return ExitCodes.OK;
    }

    @Command(name = "destroy", description = "Destroy a container and its snapshots. Needs the w (write) permission;"
            + " fails while the container is open.")
    int destroy(@Mixin ConnectionOptions conn, @Mixin OutputOptions out, @Mixin PrincipalOption who,
                @Parameters(paramLabel = "POOL") String pool, @Parameters(paramLabel = "CONT") String cont) {
        try (Admin a = conn.connect()) {
            a.withHandle(pool, who.principal(), READ_WRITE, "destroying container '" + cont + "' of pool '" + pool
                    + "'", h -> h.destroyContainer(cont));
            out.done(Map.of("destroyed", cont), "destroyed container " + cont);
        }
        return ExitCodes.OK;
    }

    @Command(name = "list", description = "List a pool's containers.")
    int list(@Mixin ConnectionOptions conn, @Mixin OutputOptions out, @Mixin PrincipalOption who,
             @Parameters(paramLabel = "POOL") String pool) {
        try (Admin a = conn.connect()) {
            List<ContInfo> all = a.withHandle(pool, who.principal(), READ, "listing the containers of pool '" + pool
                    + "'", PoolClient.Handle::listContainers);
            List<Object> json = new ArrayList<>();
            Table t = new Table("", "LABEL", "UUID", "OPEN", "SNAPSHOTS", "CREATED");
            for (ContInfo c : all) {
                json.add(Views.container(c));
                t.row(c.getLabel().isEmpty() ? "-" : c.getLabel(), MgmtClient.uuid(c.getUuid()), c.getOpenHandles(),
                        c.getSnapshots(), Views.time(c.getCreatedMs()));
            }
            out.print(Map.of("containers", json), () -> {
                if (t.isEmpty()) {
                    out.out().println("no containers in pool " + pool);
                } else {
                    t.print(out.out());
                }
            });
        }
        return ExitCodes.OK;
    }

    @Command(name = "query", description = "Show a container: its properties, open handles and snapshots.")
    int query(@Mixin ConnectionOptions conn, @Mixin OutputOptions out, @Mixin PrincipalOption who,
              @Parameters(paramLabel = "POOL") String pool, @Parameters(paramLabel = "CONT") String cont) {
        try (Admin a = conn.connect()) {
            ContInfo c = a.withHandle(pool, who.principal(), READ, "querying container '" + cont + "' of pool '"
                    + pool + "'", h -> h.queryContainer(cont));
            out.print(Views.container(c), () -> {
                Table t = new Table("", "container", c.getLabel().isEmpty() ? "-" : c.getLabel());
                t.row("uuid", MgmtClient.uuid(c.getUuid()));
                t.row("pool", pool);
                t.row("created", Views.time(c.getCreatedMs()));
                t.row("open handles", c.getOpenHandles());
                t.row("snapshots", c.getSnapshots());
                t.row("properties", Views.properties(c.getPropertiesMap()));
                t.print(out.out());
            });
        }
        return ExitCodes.OK;
    }

    @Command(name = "set-prop", description = "Set a container property (an empty VALUE removes it). Needs the w"
            + " (write) permission.")
    int setProp(@Mixin ConnectionOptions conn, @Mixin OutputOptions out, @Mixin PrincipalOption who,
                @Parameters(paramLabel = "POOL") String pool, @Parameters(paramLabel = "CONT") String cont,
                @Parameters(paramLabel = "NAME") String name, @Parameters(paramLabel = "VALUE") String value) {
        try (Admin a = conn.connect()) {
            a.withHandle(pool, who.principal(), READ_WRITE, "setting property " + name + " of container '" + cont
                    + "'", h -> a.withContainer(h, cont, READ_WRITE, c -> c.setProperty(name, value)));
            out.done(Map.of("name", name, "value", value), value.isEmpty() ? "removed property " + name
                    : "set property " + name + "=" + value);
        }
        return ExitCodes.OK;
    }

    @Command(name = "set-attr", description = "Set a container attribute. Needs the w (write) permission.")
    int setAttr(@Mixin ConnectionOptions conn, @Mixin OutputOptions out, @Mixin PrincipalOption who,
                @Parameters(paramLabel = "POOL") String pool, @Parameters(paramLabel = "CONT") String cont,
                @Parameters(paramLabel = "NAME") String name, @Parameters(paramLabel = "VALUE") String value) {
        try (Admin a = conn.connect()) {
            a.withHandle(pool, who.principal(), READ_WRITE, "setting attribute " + name + " of container '" + cont
                    + "'", h -> a.withContainer(h, cont, READ_WRITE, c -> c.setAttr(name, value.getBytes(UTF_8))));
            out.done(Views.attribute(name, value.getBytes(UTF_8)), "set attribute " + name);
        }
        return ExitCodes.OK;
    }

    @Command(name = "get-attr", description = "Print a container attribute's value.")
    int getAttr(@Mixin ConnectionOptions conn, @Mixin OutputOptions out, @Mixin PrincipalOption who,
                @Parameters(paramLabel = "POOL") String pool, @Parameters(paramLabel = "CONT") String cont,
                @Parameters(paramLabel = "NAME") String name) {
        try (Admin a = conn.connect()) {
            Optional<byte[]> v = a.withHandle(pool, who.principal(), READ, "reading attribute " + name
                    + " of container '" + cont + "'", h -> a.withContainer(h, cont, READ, c -> c.getAttr(name)));
            byte[] value = v.orElseThrow(() -> new CliFailure(ExitCodes.NOT_FOUND, "container '" + cont + "' has no"
                    + " attribute " + name + " (vostok cont list-attrs " + pool + " " + cont + " lists them)"));
            out.print(Views.attribute(name, value), () -> out.out().println(Views.printable(value)));
        }
        return ExitCodes.OK;
    }

    @Command(name = "list-attrs", description = "List a container's attributes and their values.")
    int listAttrs(@Mixin ConnectionOptions conn, @Mixin OutputOptions out, @Mixin PrincipalOption who,
                  @Parameters(paramLabel = "POOL") String pool, @Parameters(paramLabel = "CONT") String cont) {
        try (Admin a = conn.connect()) {
            var attrs = a.withHandle(pool, who.principal(), READ, "listing the attributes of container '" + cont
                    + "'", h -> a.withContainer(h, cont, READ, PoolClient.Handle.Container::listAttrs));
            PoolCommand.printAttributes(out, attrs);
        }
        return ExitCodes.OK;
    }

    @Command(name = "del-attr", description = "Delete a container attribute. Needs the w (write) permission.")
    int delAttr(@Mixin ConnectionOptions conn, @Mixin OutputOptions out, @Mixin PrincipalOption who,
                @Parameters(paramLabel = "POOL") String pool, @Parameters(paramLabel = "CONT") String cont,
                @Parameters(paramLabel = "NAME") String name) {
        try (Admin a = conn.connect()) {
            a.withHandle(pool, who.principal(), READ_WRITE, "deleting attribute " + name + " of container '" + cont
                    + "'", h -> a.withContainer(h, cont, READ_WRITE, c -> c.deleteAttr(name)));
            out.done(Map.of("deleted", name), "deleted attribute " + name);
        }
        return ExitCodes.OK;
    }

    @Command(name = "snap-create", description = "Name the container's current epoch: a snapshot. Needs the w"
            + " (write) permission.")
    int snapCreate(@Mixin ConnectionOptions conn, @Mixin OutputOptions out, @Mixin PrincipalOption who,
                   @Parameters(paramLabel = "POOL") String pool, @Parameters(paramLabel = "CONT") String cont,
                   @Parameters(paramLabel = "NAME") String name) {
        try (Admin a = conn.connect()) {
            Snapshot s = a.withHandle(pool, who.principal(), READ_WRITE, "creating snapshot " + name + " of container '"
                    + cont + "'", h -> a.withContainer(h, cont, READ_WRITE, c -> c.createSnapshot(name)));
            out.done(Views.snapshot(s), "created snapshot " + s.getName() + " at epoch " + s.getEpoch());
        }
        return ExitCodes.OK;
    }

    @Command(name = "snap-list", description = "List a container's snapshots.")
    int snapList(@Mixin ConnectionOptions conn, @Mixin OutputOptions out, @Mixin PrincipalOption who,
                 @Parameters(paramLabel = "POOL") String pool, @Parameters(paramLabel = "CONT") String cont) {
        try (Admin a = conn.connect()) {
            List<Snapshot> all = a.withHandle(pool, who.principal(), READ, "listing the snapshots of container '"
                    + cont + "'", h -> a.withContainer(h, cont, READ, PoolClient.Handle.Container::listSnapshots));
            List<Object> json = new ArrayList<>();
            Table t = new Table("", "NAME", "EPOCH", "CREATED");
            for (Snapshot s : all) {
                json.add(Views.snapshot(s));
                t.row(s.getName(), s.getEpoch(), Views.time(s.getCreatedMs()));
            }
            out.print(Map.of("snapshots", json), () -> {
                if (t.isEmpty()) {
                    out.out().println("no snapshots of container " + cont);
                } else {
                    t.print(out.out());
                }
            });
        }
        return ExitCodes.OK;
    }

    @Command(name = "snap-destroy", description = "Destroy a container's snapshot. Needs the w (write) permission.")
    int snapDestroy(@Mixin ConnectionOptions conn, @Mixin OutputOptions out, @Mixin PrincipalOption who,
                    @Parameters(paramLabel = "POOL") String pool, @Parameters(paramLabel = "CONT") String cont,
                    @Parameters(paramLabel = "NAME") String name) {
        try (Admin a = conn.connect()) {
            a.withHandle(pool, who.principal(), READ_WRITE, "destroying snapshot " + name + " of container '" + cont
                    + "'", h -> a.withContainer(h, cont, READ_WRITE, c -> c.destroySnapshot(name)));
            out.done(Map.of("destroyed", name), "destroyed snapshot " + name);
        }
        return ExitCodes.OK;
    }
}
