package org.vostok.vos.ffm;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.vos.VosUnavailableException;

/**
 * Finds and loads {@code libvostok-vos.so}: from the path in the system property
 * {@value #PATH_PROPERTY} if it is set, else from this jar (the build packages it under
 * {@code org/vostok/vos/ffm/native/<platform>/}), extracted to a private temporary directory that
 * only this user can read and that is deleted when the JVM exits. Then checks that the library is
 * the one these bindings were written for ({@code vos_abi_version()}). Every failure says what was
 * wrong and what to do; no {@code LD_LIBRARY_PATH} is involved.
 *
 * <p>Thread-safety: static methods without shared state; {@link VosNative}'s class initializer
 * calls {@link #load} once per JVM.
 */
final class NativeLibrary {
    /** The system property naming the library file explicitly. */
    static final String PATH_PROPERTY = "vostok.vos.library";
    /** The library's file name. */
    static final String FILE_NAME = "libvostok-vos.so";
    /** The ABI version ({@code VOS_ABI_VERSION}) the bindings were written against. */
    static final int ABI_VERSION = 3;

    private static final Logger LOG = LoggerFactory.getLogger(NativeLibrary.class);
    /** Extraction directories are named vostok-vos-<pid>-<random>. */
    private static final String EXTRACT_PREFIX = "vostok-vos-";
    private static final Pattern EXTRACT_NAME = Pattern.compile(Pattern.quote(EXTRACT_PREFIX) + "([0-9]+)-[0-9]+");
    private static final String RESOURCE_ROOT = "org/vostok/vos/ffm/native/";

    private NativeLibrary() {
    }

    /**
     * Loads the library into the global arena (it stays loaded for the life of the JVM) and
     * checks its ABI version and that it has every symbol in {@code symbols}.
     */
    static SymbolLookup load(List<String> symbols) {
        Path path = locate(System.getProperty(PATH_PROPERTY, ""));
        SymbolLookup lookup = open(path, Arena.global());
        check(path, lookup, symbols);
        LOG.debug("loaded {} (ABI version {})", path, ABI_VERSION);
        return lookup;
    }

    /** The library file to load: the explicit path if one is given, else the jar's copy, extracted. */
    static Path locate(String explicitPath) {
        if (!explicitPath.isEmpty()) {
            Path path = Path.of(explicitPath);
            if (!Files.isRegularFile(path)) {
                throw new VosUnavailableException("the VOS native library named by -D" + PATH_PROPERTY + "="
                        + explicitPath + " does not exist or is not a file: point it at a libvostok-vos.so "
                        + "(the build leaves one in bindings/ffm/target/native/), or remove the property to "
                        + "use the copy inside the vostok-vos-ffm jar");
            }
            return path;
        }
        String resource = RESOURCE_ROOT + platform() + "/" + FILE_NAME;
        try (InputStream in = NativeLibrary.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new VosUnavailableException("the vostok-vos-ffm jar carries no native library for "
                        + platform() + " (no resource " + resource + "): build it on this platform with "
                        + "./mvnw -pl bindings/ffm -am package, or set -D" + PATH_PROPERTY
                        + "=/path/to/libvostok-vos.so");
            }
            return extract(in);
        } catch (IOException e) {
            throw new VosUnavailableException("could not extract the VOS native library to a temporary "
                    + "directory (" + e + "): check that java.io.tmpdir (" + System.getProperty("java.io.tmpdir")
                    + ") is writable, or set -D" + PATH_PROPERTY + "=/path/to/libvostok-vos.so", e);
        }
    }

    /** The resource folder for this machine, as the build names it: {@code linux-x86_64}. */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (os.startsWith("linux")) {
            os = "linux";
        } else if (os.startsWith("mac")) {
            os = "macos";
        }
        if (arch.equals("amd64") || arch.equals("x86_64")) {
            arch = "x86_64";
        } else if (arch.equals("arm64")) {
            arch = "aarch64";
        }
        return os + "-" + arch;
    }

    /**
     * Copies the library into a new directory readable only by this user (so no one else can
     * swap the file before it is loaded), both deleted when the JVM exits. A loaded library stays
     * mapped after its file is deleted, so the deletion is safe. A JVM that is killed or halts
     * skips that deletion, so the directory's name carries the process id and each extraction
     * first removes the directories of processes that are gone.
     */
    private static Path extract(InputStream in) throws IOException {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        removeStaleExtractions(tmp);
        Path dir = Files.createTempDirectory(tmp, EXTRACT_PREFIX + ProcessHandle.current().pid() + "-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        dir.toFile().deleteOnExit();
        Path file = dir.resolve(FILE_NAME);
        file.toFile().deleteOnExit(); // registered after the directory, so deleted before it
        Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r-x------"));
        return file;
    }

    /**
     * Deletes the extraction directories in {@code tmp} that belong to this user and to
     * processes no longer running. Best effort: anything it cannot delete stays.
     */
    static int removeStaleExtractions(Path tmp) {
        int removed = 0;
        String me = System.getProperty("user.name", "");
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tmp, EXTRACT_PREFIX + "*")) {
            for (Path dir : dirs) {
                Matcher m = EXTRACT_NAME.matcher(dir.getFileName().toString());
                if (!m.matches() || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
                        || !me.equals(Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).getName())) {
                    continue;
                }
                long pid = Long.parseLong(m.group(1));
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    continue;
                }
                try {
                    Files.deleteIfExists(dir.resolve(FILE_NAME));
                    Files.delete(dir);
                    removed++;
                } catch (IOException e) {
                    LOG.debug("could not remove the stale extraction {}: {}", dir, e.toString());
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("could not look for stale extractions in {}: {}", tmp, e.toString());
        }
        return removed;
    }

    /** Opens the library file; a missing dependency (libpmemobj) is named with the fix. */
    @SuppressWarnings("restricted")
    static SymbolLookup open(Path path, Arena arena) {
        try {
            return SymbolLookup.libraryLookup(path, arena);
        } catch (IllegalArgumentException | IllegalCallerException e) {
            throw new VosUnavailableException("could not load the VOS native library " + path + " (" + e.getMessage()
                    + "). It needs PMDK's libpmemobj (Debian: apt-get install libpmemobj1) and a JVM started with "
                    + "--enable-native-access=ALL-UNNAMED; if the file is damaged, rebuild with "
                    + "./mvnw -pl bindings/ffm -am package", e);
        }
    }

    /** Checks that the library is libvostok-vos of the ABI version these bindings expect. */
    @SuppressWarnings("restricted")
    static void check(Path path, SymbolLookup lookup, List<String> symbols) {
        Optional<MemorySegment> abi = lookup.find("vos_abi_version");
        if (abi.isEmpty()) {
            throw new VosUnavailableException(path + " is not the VOS native library (it has no vos_abi_version "
                    + "symbol): point -D" + PATH_PROPERTY + " at libvostok-vos.so, or remove the property");
        }
        MethodHandle version = Linker.nativeLinker().downcallHandle(abi.get(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT), Linker.Option.critical(false));
        int found;
        try {
            found = (int) version.invokeExact();
        } catch (Throwable t) {
            throw new VosUnavailableException("vos_abi_version() of " + path + " failed: " + t, t);
        }
        checkAbiVersion(path, found);
        for (String symbol : symbols) {
            if (lookup.find(symbol).isEmpty()) {
                throw new VosUnavailableException(path + " has ABI version " + found + " but lacks the function "
                        + symbol + ": it is damaged or from a different build; rebuild it with "
                        + "./mvnw -pl bindings/ffm -am package");
            }
        }
    }

    static void checkAbiVersion(Path path, int found) {
        if (found != ABI_VERSION) {
            throw new VosUnavailableException(path + " has VOS ABI version " + found + ", but these bindings "
                    + "(vostok-vos-ffm) need version " + ABI_VERSION + ": use the library and the jar of the same "
                    + "build (the jar carries a matching one; remove -D" + PATH_PROPERTY
                    + " to use it), or rebuild both with ./mvnw -pl bindings/ffm -am package");
        }
    }
}
