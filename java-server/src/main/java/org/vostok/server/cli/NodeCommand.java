package org.vostok.server.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.vostok.client.proto.mgmt.NodeInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;

/** {@code vostok node ...}: the system's nodes as the management service knows them. */
@Command(name = "node", description = "List the system's nodes; exclude one.",
        mixinStandardHelpOptions = true, scope = ScopeType.INHERIT, synopsisSubcommandLabel = "COMMAND",
        exitCodeListHeading = ExitCodes.HEADING,
        exitCodeList = {ExitCodes.LINE_OK, ExitCodes.LINE_OTHER, ExitCodes.LINE_USAGE, ExitCodes.LINE_NOT_FOUND,
                ExitCodes.LINE_UNREACHABLE})
public final class NodeCommand {

    @Command(name = "list", description = "List the nodes that ever joined: address, state (joined, stopped,"
            + " excluded), how many times each joined.")
    int list(@Mixin ConnectionOptions conn, @Mixin OutputOptions out) {
        try (Admin a = conn.connect()) {
            List<NodeInfo> nodes = a.join(a.mgmt().listNodes(), "listing the nodes");
            List<Object> json = new ArrayList<>();
            Table t = new Table("", "NODE", "ADDRESS", "STATE", "INCARNATION", "JOINED");
            for (NodeInfo n : nodes) {
                json.add(Views.node(n));
                t.row(n.getNodeId(), n.getAddress(), Views.nodeState(n), n.getIncarnation(),
                        Views.time(n.getJoinedMs()));
            }
            out.print(Map.of("nodes", json), () -> t.print(out.out()));
        }
        return ExitCodes.OK;
    }

    @Command(name = "exclude", description = {"Exclude a node from the system: the management service moves its"
            + " replicas to other nodes and gives it no new ones. It cannot join again under the same id.",
            "Use it for a node that is gone for good."})
    int exclude(@Mixin ConnectionOptions conn, @Mixin OutputOptions out,
                @Parameters(paramLabel = "NODE_ID", description = "The node's id.") long nodeId) {
        try (Admin a = conn.connect()) {
            a.join(a.mgmt().excludeNode(nodeId), "excluding node " + nodeId);
            out.done(Map.of("excluded", nodeId), "excluded node " + nodeId + "; its replicas move to other nodes");
        }
        return ExitCodes.OK;
    }
}
