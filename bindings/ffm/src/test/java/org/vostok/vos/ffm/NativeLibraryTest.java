package org.vostok.vos.ffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.vos.VosProvider;
import org.vostok.vos.VosUnavailableException;

/** Finding and checking the native library: each way it can be wrong gives a message that says what to do. */
class NativeLibraryTest {

    @Test
    void theProviderIsFoundByServiceLoader() {
        assertInstanceOf(FfmVosProvider.class, VosProvider.load());
        assertInstanceOf(FfmVosProvider.class, VosProvider.load("ffm"));
        VosUnavailableException e = assertThrows(VosUnavailableException.class, () -> VosProvider.load("jni"));
        assertTrue(e.getMessage().contains("ffm"), e::getMessage);
    }

    @Test
    void theJarsCopyIsExtractedToAPrivateDirectory() throws IOException {
        Path path = NativeLibrary.locate("");
        assertEquals(NativeLibrary.FILE_NAME, path.getFileName().toString());
        assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_EXECUTE), Files.getPosixFilePermissions(path.getParent()));
        assertTrue(Files.size(path) > 10_000);
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup lookup = NativeLibrary.open(path, arena);
            NativeLibrary.check(path, lookup, List.of("vos_fetch", "vos_tx_apply"));
        }
    }

    /** Before this existed, every killed or halted JVM left its extracted copy in the temporary directory. */
    @Test
    void extractionsOfProcessesThatAreGoneAreRemoved(@TempDir Path tmp) throws Exception {
        Process finished = new ProcessBuilder("true").start();
        finished.waitFor();
        Path stale = Files.createDirectory(tmp.resolve("vostok-vos-" + finished.pid() + "-123"));
        Files.writeString(stale.resolve(NativeLibrary.FILE_NAME), "left by a killed JVM");
        Path live = Files.createDirectory(tmp.resolve("vostok-vos-" + ProcessHandle.current().pid() + "-456"));
        Path unrelated = Files.createDirectory(tmp.resolve("vostok-vos-notes"));
        assertEquals(1, NativeLibrary.removeStaleExtractions(tmp));
        assertTrue(Files.notExists(stale));
        assertTrue(Files.isDirectory(live));
        assertTrue(Files.isDirectory(unrelated));
    }

    @Test
    void aMissingExplicitPathSaysWhatToDo(@TempDir Path dir) {
        String missing = dir.resolve("nowhere/libvostok-vos.so").toString();
        VosUnavailableException e = assertThrows(VosUnavailableException.class, () -> NativeLibrary.locate(missing));
        assertTrue(e.getMessage().contains(missing), e::getMessage);
        assertTrue(e.getMessage().contains(NativeLibrary.PATH_PROPERTY), e::getMessage);
    }

    @Test
    void aFileThatIsNoLibraryIsRefused(@TempDir Path dir) throws IOException {
        Path junk = dir.resolve("libvostok-vos.so");
        Files.writeString(junk, "not an ELF file");
        try (Arena arena = Arena.ofConfined()) {
            VosUnavailableException e = assertThrows(VosUnavailableException.class, () -> NativeLibrary.open(junk, arena));
            assertTrue(e.getMessage().contains(junk.toString()), e::getMessage);
        }
    }

    @Test
    void anotherLibraryIsNotTakenForTheStore() {
        Path libc = Path.of("/lib/x86_64-linux-gnu/libc.so.6");
        if (!Files.exists(libc)) {
            libc = Path.of("/usr/lib/x86_64-linux-gnu/libc.so.6");
        }
        Path path = libc;
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup lookup = NativeLibrary.open(path, arena);
            VosUnavailableException e = assertThrows(VosUnavailableException.class,
                    () -> NativeLibrary.check(path, lookup, List.of()));
            assertTrue(e.getMessage().contains("vos_abi_version"), e::getMessage);
        }
    }

    @Test
    void aMismatchedAbiVersionSaysWhichAndWhatToDo() {
        Path path = Path.of("/opt/old/libvostok-vos.so");
        VosUnavailableException e = assertThrows(VosUnavailableException.class,
                () -> NativeLibrary.checkAbiVersion(path, NativeLibrary.ABI_VERSION + 1));
        assertTrue(e.getMessage().contains("version " + (NativeLibrary.ABI_VERSION + 1)), e::getMessage);
        assertTrue(e.getMessage().contains("need version " + NativeLibrary.ABI_VERSION), e::getMessage);
        NativeLibrary.checkAbiVersion(path, NativeLibrary.ABI_VERSION);
    }

    @Test
    void thePlatformIsNamedAsTheBuildNamesIt() {
        String platform = NativeLibrary.platform();
        assertTrue(platform.matches("[a-z]+-[a-z0-9_]+"), platform);
    }
}
