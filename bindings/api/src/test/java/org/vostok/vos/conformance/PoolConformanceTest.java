package org.vostok.vos.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.vostok.vos.Container;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.Pool;
import org.vostok.vos.PoolInfo;
import org.vostok.vos.VosError;
import org.vostok.vos.VosException;
import org.vostok.vos.VosLimits;

/** Pools: create, open, close, destroy, query, and every wrong file or path a user can hand in. */
public abstract class PoolConformanceTest extends VosConformance {

    @Test
    void createdPoolReportsItsSpaceAndReopens() {
        Path path = dir.resolve("a.pool");
        Pool pool = closeAfter(createPool(path, 32L << 20));
        assertTrue(pool.isOpen());
        assertEquals(path, pool.path());
        PoolInfo info = pool.query();
        assertTrue(info.totalBytes() > 16L << 20 && info.totalBytes() <= 32L << 20, () -> "total " + info);
        assertTrue(info.freeBytes() > 0 && info.freeBytes() <= info.totalBytes(), () -> "free " + info);
        assertTrue(info.layoutVersion() >= 1);
        assertEquals(0, info.containers());
        assertEquals(poolOptions().backend(), info.backend());
        pool.close();
        assertFalse(pool.isOpen());
        Pool again = openPool(path);
        PoolInfo reopened = again.query();
        assertEquals(info.totalBytes(), reopened.totalBytes());
        assertEquals(info.layoutVersion(), reopened.layoutVersion());
        assertEquals(info.backend(), reopened.backend());
    }

    @Test
    void createOverAnExistingFileIsExistAndLeavesTheFile() throws IOException {
        Path path = dir.resolve("taken");
        Files.write(path, utf8("someone's data"));
        VosException e = assertVos(VosError.EXIST, () -> createPool(path, POOL_BYTES));
        assertTrue(e.getMessage().contains(path.toString()), e::getMessage);
        assertArrayEquals(utf8("someone's data"), Files.readAllBytes(path));

        Pool pool = newPool("p");
        pool.close();
        assertVos(VosError.EXIST, () -> createPool(pool.path(), POOL_BYTES));
        openPool(pool.path()).query();
    }

    @Test
    void poolSmallerThanTheMinimumIsRefusedAndNoFileIsLeft() {
        Path path = dir.resolve("tiny");
        VosException e = assertThrows(VosException.class,
                () -> createPool(path, VosLimits.POOL_BYTES_MIN - 1));
        assertTrue(Set.of(VosError.TOOBIG, VosError.INVAL).contains(e.error()), e::getMessage);
        assertFalse(Files.exists(path), "a refused create must leave no file behind");
    }

    @Test
    void openingAMissingFileIsNonexist() {
        Path path = dir.resolve("missing.pool");
        VosException e = assertVos(VosError.NONEXIST, () -> provider().openPool(path));
        assertTrue(e.getMessage().contains(path.toString()), e::getMessage);
    }

    @Test
    void aPathInAMissingDirectoryIsAClearError() {
        Path path = dir.resolve("no/such/dir/a.pool");
        VosException open = assertThrows(VosException.class, () -> provider().openPool(path));
        assertEquals(VosError.NONEXIST, open.error(), open::getMessage);
        VosException create = assertThrows(VosException.class, () -> createPool(path, POOL_BYTES));
        assertTrue(Set.of(VosError.NONEXIST, VosError.IO).contains(create.error()), create::getMessage);
        assertTrue(create.getMessage().contains(path.toString()), create::getMessage);
    }

    @Test
    void aDirectoryIsNotAPool() {
        VosException e = assertThrows(VosException.class, () -> provider().openPool(dir));
        assertTrue(Set.of(VosError.NOTPOOL, VosError.IO, VosError.INVAL).contains(e.error()), e::getMessage);
    }

    @Test
    void aFileThatIsNotAPoolIsNotpoolAndUntouched() throws IOException {
        Path text = dir.resolve("notes.txt");
        Files.write(text, utf8("not a pool, just a few words"));
        assertVos(VosError.NOTPOOL, () -> provider().openPool(text));
        assertArrayEquals(utf8("not a pool, just a few words"), Files.readAllBytes(text));

        Path noise = dir.resolve("noise.bin");
        byte[] bytes = pattern(7, 20 << 20);
        Files.write(noise, bytes);
        assertVos(VosError.NOTPOOL, () -> provider().openPool(noise));
        assertArrayEquals(bytes, Files.readAllBytes(noise), "a failed open must not change the file");

        Path zeros = dir.resolve("zeros.bin");
        Files.write(zeros, new byte[20 << 20]);
        assertVos(VosError.NOTPOOL, () -> provider().openPool(zeros));
    }

    @Test
    void aPoolOpenAlreadyIsBusyAndTheOpenOneKeepsWorking() {
        Pool pool = newPool("busy");
        Container c = newContainer(pool);
        c.createObject(1, KeyOrder.INTEGER, 1);
        c.update(1, org.vostok.vos.Key.of(1), 1, utf8("kept"));
        VosException e = assertVos(VosError.BUSY, () -> provider().openPool(pool.path()));
        assertTrue(e.getMessage().contains(pool.path().toString()), e::getMessage);
        assertEquals("kept", text(c.fetch(1, 1, 1)));
    }

    @Test
    void destroyRemovesAClosedPool() throws IOException {
        Pool pool = newPool("gone");
        Path path = pool.path();
        pool.close();
        provider().destroyPool(path);
        assertFalse(Files.exists(path));
        try (var left = Files.list(dir)) { // no file of the pool (a WAL pool's log segments too)
            assertEquals(List.of(), left.filter(f -> f.getFileName().toString().startsWith("gone")).toList());
        }
        assertVos(VosError.NONEXIST, () -> provider().openPool(path));
        assertVos(VosError.NONEXIST, () -> provider().destroyPool(path));
    }

    @Test
    void destroyRefusesAFileThatIsNotAPool() throws IOException {
        Path text = dir.resolve("precious.txt");
        Files.write(text, utf8("keep me"));
        assertVos(VosError.NOTPOOL, () -> provider().destroyPool(text));
        assertArrayEquals(utf8("keep me"), Files.readAllBytes(text));
    }

    @Test
    void destroyRefusesAnOpenPool() {
        Pool pool = newPool("open");
        Container c = newContainer(pool);
        assertVos(VosError.BUSY, () -> provider().destroyPool(pool.path()));
        assertTrue(Files.exists(pool.path()));
        assertEquals(1, pool.query().containers());
        assertTrue(c.isOpen());
    }

    @Test
    void aClosedPoolRefusesEveryCallAndClosesAgainQuietly() {
        Pool pool = newPool("closed");
        UUID uuid = UUID.randomUUID();
        pool.createContainer(uuid);
        pool.close();
        pool.close();
        assertFalse(pool.isOpen());
        VosException e = assertVos(VosError.BADHANDLE, pool::query);
        assertTrue(e.getMessage().contains("closed"), e::getMessage);
        assertVos(VosError.BADHANDLE, () -> pool.createContainer(UUID.randomUUID()));
        assertVos(VosError.BADHANDLE, () -> pool.destroyContainer(uuid));
        assertVos(VosError.BADHANDLE, pool::listContainers);
        assertVos(VosError.BADHANDLE, () -> pool.openContainer(uuid));
        assertVos(VosError.BADHANDLE, pool::newTransaction);
        // Nothing was lost by any of that.
        Pool again = openPool(pool.path());
        assertEquals(List.of(uuid), again.listContainers());
    }

    @Test
    void queryCountsContainers() {
        Pool pool = newPool("count");
        for (int i = 0; i < 5; i++) {
            pool.createContainer(UUID.randomUUID());
        }
        assertEquals(5, pool.query().containers());
    }
}
