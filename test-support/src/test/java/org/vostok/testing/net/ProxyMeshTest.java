package org.vostok.testing.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vostok.testing.net.Sockets.assertQuiet;
import static org.vostok.testing.net.Sockets.assertReceives;
import static org.vostok.testing.net.Sockets.assertReset;
import static org.vostok.testing.net.Sockets.connect;
import static org.vostok.testing.net.Sockets.send;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Three nodes, each a server the test plays itself, joined by a mesh of proxies: the test opens
 * a "node's" connections to its peers through the mesh and checks what crosses which link.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProxyMeshTest {

    private final Map<Long, LoopbackServer> nodes = new TreeMap<>();
    private final List<Socket> sockets = new ArrayList<>();
    private ProxyMesh mesh;

    /** A connection node {@code from} opened to node {@code to} through the mesh: both ends. */
    private record Link(Socket from, Socket to) {
    }

    @BeforeEach
    void start() throws IOException {
        for (long id = 1; id <= 3; id++) {
            nodes.put(id, LoopbackServer.handOver());
        }
        mesh = ProxyMesh.start(nodes.keySet());
        nodes.forEach((id, server) -> mesh.target(id, server.address()));
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
        mesh.close();
        for (LoopbackServer node : nodes.values()) {
            node.close();
        }
    }

    private Link open(long from, long to) throws Exception {
        Socket client = connect(mesh.address(from, to));
        sockets.add(client);
        Socket server = nodes.get(to).accepted();
        sockets.add(server);
        return new Link(client, server);
    }

    private static void assertFlows(Link link) throws IOException {
        send(link.from(), "there");
        assertReceives(link.to(), "there");
        send(link.to(), "back");
        assertReceives(link.from(), "back");
    }

    @Test
    void eachNodeReachesEveryPeerThroughItsOwnProxy() throws Exception {
        Map<Long, java.net.InetSocketAddress> peersOfTwo = mesh.peerAddresses(2);
        assertEquals(Set.of(1L, 3L), peersOfTwo.keySet());
        assertEquals(mesh.address(2, 1), peersOfTwo.get(1L));
        for (long from = 1; from <= 3; from++) {
            for (long to = 1; to <= 3; to++) {
                if (from != to) {
                    assertFlows(open(from, to));
                    assertEquals(1, mesh.proxy(from, to).counters().connectionsAccepted());
                }
            }
        }
        assertEquals("every link healed", mesh.faults());
    }

    @Test
    void aPartitionCutsTheSideFromTheRestBothWaysAndLeavesTheRestAlone() throws Exception {
        Link oneToTwo = open(1, 2);
        Link threeToOne = open(3, 1);
        Link twoToThree = open(2, 3);

        mesh.partition(Set.of(1L));
        send(oneToTwo.from(), "a");
        send(oneToTwo.to(), "b");
        send(threeToOne.from(), "c");
        assertQuiet(oneToTwo.to());
        assertQuiet(oneToTwo.from());
        assertQuiet(threeToOne.to());
        assertFlows(twoToThree);

        mesh.heal();
        assertReceives(oneToTwo.to(), "a");
        assertReceives(oneToTwo.from(), "b");
        assertReceives(threeToOne.to(), "c");
        assertFlows(oneToTwo);
    }

    @Test
    void aRefusingPartitionLooksLikeDeadPeers() throws Exception {
        Link twoToOne = open(2, 1);
        mesh.partition(Set.of(1L), Cut.REFUSE);
        assertReset(twoToOne.from());
        assertThrows(ConnectException.class, () -> connect(mesh.address(3, 1)));
        assertThrows(ConnectException.class, () -> connect(mesh.address(1, 2)));
        assertFlows(open(2, 3));
    }

    /**
     * A cut from 1 to 2 holds what 1 sends to 2 whichever node opened the connection: 1's
     * requests on its own connection, and 1's replies on the connection 2 opened.
     */
    @Test
    void aOneWayCutHoldsWhatOneNodeSendsToAnotherOnBothTheirLinks() throws Exception {
        Link opened1 = open(1, 2);
        Link opened2 = open(2, 1);

        mesh.cut(1, 2);
        send(opened1.from(), "request from 1");
        send(opened2.to(), "reply from 1");
        send(opened1.to(), "reply from 2");
        send(opened2.from(), "request from 2");
        assertReceives(opened1.from(), "reply from 2");
        assertReceives(opened2.to(), "request from 2");
        assertQuiet(opened1.to());
        assertQuiet(opened2.from());
        assertTrue(mesh.faults().contains("1->2: CLIENT_TO_SERVER held"), mesh.faults());
        assertTrue(mesh.faults().contains("2->1: SERVER_TO_CLIENT held"), mesh.faults());

        mesh.heal();
        assertReceives(opened1.to(), "request from 1");
        assertReceives(opened2.from(), "reply from 1");
    }

    @Test
    void resettingANodesConnectionsResetsEveryLinkToAndFromItOnly() throws Exception {
        Link oneToTwo = open(1, 2);
        Link threeToOne = open(3, 1);
        Link twoToThree = open(2, 3);

        assertEquals(2, mesh.resetConnections(1));
        assertReset(oneToTwo.from());
        assertReset(oneToTwo.to());
        assertReset(threeToOne.from());
        assertReset(threeToOne.to());
        assertFlows(twoToThree);
        assertFlows(open(1, 2));
    }

    @Test
    void untilANodesAddressIsKnownItsProxiesRefuse() throws Exception {
        try (ProxyMesh fresh = ProxyMesh.start(List.of(7L, 8L))) {
            assertThrows(ConnectException.class, () -> connect(fresh.address(7, 8)));
            fresh.target(8, nodes.get(1L).address());
            try (Socket client = connect(fresh.address(7, 8)); Socket server = nodes.get(1L).accepted()) {
                send(client, "hello 8");
                assertReceives(server, "hello 8");
            }
        }
    }

    @Test
    void badNodeIdsAreRefusedSayingWhy() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> mesh.address(1, 9));
        assertTrue(e.getMessage().contains("no link 1 -> 9"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> mesh.partition(Set.of(1L, 2L, 3L)));
        assertTrue(e.getMessage().contains("both sides"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ProxyMesh.start(List.of(1L)));
        assertTrue(e.getMessage().contains("at least two"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> mesh.resetConnections(4));
        assertTrue(e.getMessage().contains("no node 4"), e.getMessage());
    }
}
