package org.vostok.vos.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.vostok.vos.Container;
import org.vostok.vos.Iteration;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.Pool;
import org.vostok.vos.Transaction;
import org.vostok.vos.VosError;
import org.vostok.vos.VosException;

/** Containers: create, list, open, close, destroy, and what a closed handle does. */
public abstract class ContainerConformanceTest extends VosConformance {

    @Test
    void createdContainersAreListedAndOpen() {
        Pool pool = newPool("list");
        Set<UUID> created = new HashSet<>();
        for (int i = 0; i < 70; i++) { // more than a first listing buffer might hold
            UUID uuid = UUID.randomUUID();
            pool.createContainer(uuid);
            created.add(uuid);
        }
        List<UUID> listed = pool.listContainers();
        assertEquals(created.size(), listed.size());
        assertEquals(created, new HashSet<>(listed));
        UUID one = listed.get(0);
        Container c = closeAfter(pool.openContainer(one));
        assertEquals(one, c.uuid());
        assertTrue(c.isOpen());
        assertTrue(c.pool() == pool);
    }

    @Test
    void uuidsRoundTripExactly() {
        Pool pool = newPool("uuid");
        UUID odd = new UUID(0x8000_0000_0000_0001L, -1L);
        pool.createContainer(odd);
        assertEquals(List.of(odd), pool.listContainers());
        closeAfter(pool.openContainer(odd));
    }

    @Test
    void creatingAnExistingContainerIsExist() {
        Pool pool = newPool("exist");
        UUID uuid = UUID.randomUUID();
        pool.createContainer(uuid);
        VosException e = assertVos(VosError.EXIST, () -> pool.createContainer(uuid));
        assertTrue(e.getMessage().contains(uuid.toString()), e::getMessage);
        assertEquals(1, pool.listContainers().size());
    }

    @Test
    void openingOrDestroyingAMissingContainerIsNonexist() {
        Pool pool = newPool("missing");
        UUID uuid = UUID.randomUUID();
        assertVos(VosError.NONEXIST, () -> pool.openContainer(uuid));
        assertVos(VosError.NONEXIST, () -> pool.destroyContainer(uuid));
    }

    @Test
    void destroyingAnOpenContainerIsBusyAndKeepsItsData() {
        Pool pool = newPool("busy");
        Container c = newContainer(pool);
        c.createObject(1, KeyOrder.INTEGER, 1);
        c.update(1, Key.of(1), 1, utf8("data"));
        assertVos(VosError.BUSY, () -> pool.destroyContainer(c.uuid()));
        assertEquals("data", text(c.fetch(1, 1, 1)));
    }

    @Test
    void destroyRemovesTheContainerAndEverythingInIt() {
        Pool pool = newPool("destroy");
        Container c = newContainer(pool);
        UUID uuid = c.uuid();
        c.createObject(1, KeyOrder.INTEGER, 1);
        c.update(1, Key.of(1), 1, utf8("data"));
        c.close();
        pool.destroyContainer(uuid);
        assertEquals(List.of(), pool.listContainers());
        pool.createContainer(uuid);
        Container again = closeAfter(pool.openContainer(uuid));
        assertVos(VosError.NONEXIST, () -> again.fetch(1, 1, 1));
    }

    @Test
    void eachOpenGivesItsOwnHandle() {
        Pool pool = newPool("handles");
        Container a = newContainer(pool);
        Container b = closeAfter(pool.openContainer(a.uuid()));
        assertNotSame(a, b);
        a.createObject(1, KeyOrder.INTEGER, 1);
        a.update(1, Key.of(5), 1, utf8("seen by both"));
        a.close();
        assertEquals("seen by both", text(b.fetch(1, 5, 1)));
    }

    @Test
    void containersAreIsolated() {
        Pool pool = newPool("isolated");
        Container a = newContainer(pool);
        Container b = newContainer(pool);
        a.createObject(7, KeyOrder.INTEGER, 1);
        b.createObject(7, KeyOrder.LEXICAL, 1);
        a.update(7, Key.of(1), 2, utf8("in a"));
        b.update(7, Key.ofUtf8("k"), 2, utf8("in b"));
        assertEquals("in a", text(a.fetch(7, 1, 2)));
        assertEquals("in b", text(b.fetch(7, Key.ofUtf8("k"), 2)));
        assertVos(VosError.INVAL, () -> b.fetch(7, 1, 2));
    }

    @Test
    void aClosedContainerRefusesEveryCallAndThePoolGoesOn() {
        Pool pool = newPool("closed");
        Container c = newContainer(pool);
        c.createObject(1, KeyOrder.INTEGER, 1);
        c.update(1, Key.of(1), 1, utf8("v"));
        Transaction tx = closeAfter(pool.newTransaction());
        tx.update(c, 1, 2, 2, utf8("pending"));
        c.close();
        c.close();
        assertFalse(c.isOpen());
        VosException e = assertVos(VosError.BADHANDLE, () -> c.fetch(1, 1, 1));
        assertTrue(e.getMessage().contains(c.uuid().toString()), e::getMessage);
        assertVos(VosError.BADHANDLE, () -> c.fetch(List.of(org.vostok.vos.FetchRequest.of(1, 1, 1))));
        ByteBuffer into = ByteBuffer.allocate(8);
        assertVos(VosError.BADHANDLE, () -> c.fetch(1, 1, 1, into));
        assertEquals(0, into.position(), "a refused fetch wrote nothing");
        assertVos(VosError.BADHANDLE, () -> c.iterate(Iteration.forward(1, 1), r -> true));
        assertVos(VosError.BADHANDLE, () -> c.firstKey(1, 1));
        assertVos(VosError.BADHANDLE, () -> c.largestIntegerKey(1, 1));
        assertVos(VosError.BADHANDLE, () -> c.discard(1));
        assertVos(VosError.BADHANDLE, () -> c.aggregate(1));
        assertVos(VosError.BADHANDLE, () -> c.update(1, Key.of(3), 3, utf8("x")));
        assertVos(VosError.BADHANDLE, tx::commit);
        Container again = closeAfter(pool.openContainer(c.uuid()));
        assertEquals("v", text(again.fetch(1, 1, 1)));
        assertTrue(again.fetch(1, 2, 2).isEmpty(), "the refused commit changed nothing");
    }

    @Test
    void closingThePoolClosesItsContainers() {
        Pool pool = newPool("with-pool");
        Container c = newContainer(pool);
        pool.close();
        assertFalse(c.isOpen());
        VosException e = assertVos(VosError.BADHANDLE, () -> c.fetch(1, 1, 1));
        assertTrue(e.getMessage().contains("pool"), e::getMessage);
        c.close();
    }

    @Test
    void aTransactionRefusesAContainerOfAnotherPool() {
        Pool one = newPool("one");
        Pool two = newPool("two");
        Container foreign = newContainer(two);
        Transaction tx = closeAfter(one.newTransaction());
        assertVos(VosError.INVAL, () -> tx.createObject(foreign, 1, KeyOrder.INTEGER, 1));
        assertEquals(0, tx.size());
    }
}
