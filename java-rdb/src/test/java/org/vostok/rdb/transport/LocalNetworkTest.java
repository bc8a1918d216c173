package org.vostok.rdb.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vostok.raft.Message;

/** The in-process network delivers copies, and drops, delays, duplicates and cuts as told. */
class LocalNetworkTest {

    private LocalNetwork network;
    private final BlockingQueue<Message> at1 = new LinkedBlockingQueue<>();
    private final BlockingQueue<Message> at2 = new LinkedBlockingQueue<>();
    private final BlockingQueue<Message> at3 = new LinkedBlockingQueue<>();
    private RaftTransport one;
    private RaftTransport two;
    private RaftTransport three;

    @BeforeEach
    void setUp() {
        network = new LocalNetwork(42);
        one = network.endpoint(1);
        two = network.endpoint(2);
        three = network.endpoint(3);
        one.start(at1::add);
        two.start(at2::add);
        three.start(at3::add);
    }

    @AfterEach
    void tearDown() {
        network.close();
    }

    private static Message.Heartbeat hb(long from, long to, long round) {
        return new Message.Heartbeat(from, to, 1, 0, round);
    }

    @Test
    void messagesArriveAsCopies() throws InterruptedException {
        Message.AppendRequest sent = new Message.AppendRequest(1, 2, 1, 0, 0,
                List.of(new org.vostok.raft.Entry(1, 1, org.vostok.raft.EntryType.NORMAL, new byte[] {5})), 0);
        one.send(sent);
        Message got = at2.poll(10, TimeUnit.SECONDS);
        assertEquals(sent, got);
        assertNotSame(sent.entries().get(0).data(), ((Message.AppendRequest) got).entries().get(0).data());
        assertEquals(1, network.delivered());
    }

    @Test
    void aPartitionCutsBothWaysAndHealRestoresIt() throws InterruptedException {
        network.isolate(3);
        one.send(hb(1, 3, 1));
        three.send(hb(3, 1, 1));
        one.send(hb(1, 2, 1));
        assertEquals(hb(1, 2, 1), at2.poll(10, TimeUnit.SECONDS));
        assertTrue(at3.isEmpty());
        assertTrue(at1.isEmpty());
        assertEquals(2, network.dropped());
        network.heal();
        three.send(hb(3, 1, 2));
        assertEquals(hb(3, 1, 2), at1.poll(10, TimeUnit.SECONDS));
    }

    @Test
    void aOneWayCutLetsTheOtherDirectionThrough() throws InterruptedException {
        network.cut(1, 2);
        one.send(hb(1, 2, 1));
        two.send(hb(2, 1, 1));
        assertEquals(hb(2, 1, 1), at1.poll(10, TimeUnit.SECONDS));
        assertTrue(at2.isEmpty());
        assertEquals(1, network.dropped());
    }

    @Test
    void dropsDuplicatesAndDelaysFollowTheLinkFaults() throws InterruptedException {
        network.setFaults(1, 2, LinkFaults.drop(1.0));
        network.setFaults(1, 3, LinkFaults.duplicate(1.0));
        one.send(hb(1, 2, 1));
        one.send(hb(1, 3, 1));
        assertEquals(hb(1, 3, 1), at3.poll(10, TimeUnit.SECONDS));
        assertEquals(hb(1, 3, 1), at3.poll(10, TimeUnit.SECONDS));
        assertTrue(at2.isEmpty());
        network.setFaults(2, 1, LinkFaults.delay(20, 40));
        for (int i = 0; i < 20; i++) {
            two.send(hb(2, 1, i));
        }
        for (int i = 0; i < 20; i++) {
            assertEquals(1, ((Message.Heartbeat) at1.poll(30, TimeUnit.SECONDS)).term());
        }
        network.reset();
        one.send(hb(1, 2, 9));
        assertEquals(hb(1, 2, 9), at2.poll(10, TimeUnit.SECONDS));
    }

    @Test
    void aClosedEndpointNeitherSendsNorReceives() throws InterruptedException {
        two.close();
        one.send(hb(1, 2, 1));
        two.send(hb(2, 1, 1));
        one.send(hb(1, 3, 1));
        assertEquals(hb(1, 3, 1), at3.poll(10, TimeUnit.SECONDS));
        assertTrue(at1.isEmpty() && at2.isEmpty());
        // The replica can rejoin with a new endpoint, as after a restart.
        RaftTransport again = network.endpoint(2);
        again.start(at2::add);
        one.send(hb(1, 2, 2));
        assertEquals(hb(1, 2, 2), at2.poll(10, TimeUnit.SECONDS));
        assertThrows(IllegalStateException.class, () -> network.endpoint(2).start(m -> { }));
        assertThrows(IllegalArgumentException.class, () -> one.send(hb(2, 1, 1)));
    }
}
