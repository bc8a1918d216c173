package org.vostok.hw.probe;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;

/**
 * The persistent-memory probes of {@code libvostok-vos} ({@code vostok/hw_probe.h}), called
 * through FFM: whether a directory's files map with {@code MAP_SYNC}, and the latency of
 * persisting writes of a given size through libpmem.
 *
 * <p>The library is the one the VOS bindings use: the file named by {@code -Dvostok.vos.library},
 * else the copy inside the {@code vostok-vos-ffm} jar, extracted to an owner-only temporary
 * directory that is deleted as soon as the library is loaded (a loaded library stays mapped).
 * {@link #close()} unloads it.
 *
 * <p>Thread-safety: safe for concurrent use until closed.
 */
public final class PersistProbe implements AutoCloseable {
    /** The system property the VOS bindings read for an explicit library file. */
    public static final String LIBRARY_PROPERTY = "vostok.vos.library";
    /** A persist run's sample count is bounded by the native side's limit. */
    public static final int SAMPLES_MAX = 1 << 24;

    private static final String FILE_NAME = "libvostok-vos.so";
    private static final String RESOURCE_ROOT = "org/vostok/vos/ffm/native/";
    private static final StructLayout INFO = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("mapped_bytes"),
            ValueLayout.JAVA_LONG.withName("elapsed_ns"),
            ValueLayout.JAVA_INT.withName("is_pmem"),
            ValueLayout.JAVA_INT.withName("auto_flush"),
            MemoryLayout.sequenceLayout(2, ValueLayout.JAVA_LONG).withName("reserved"));
    private static final VarHandle ELAPSED = INFO.varHandle(MemoryLayout.PathElement.groupElement("elapsed_ns"));
    private static final VarHandle IS_PMEM = INFO.varHandle(MemoryLayout.PathElement.groupElement("is_pmem"));
    private static final VarHandle AUTO_FLUSH = INFO.varHandle(MemoryLayout.PathElement.groupElement("auto_flush"));

    private final Arena library;
    private final MethodHandle mapSync;
    private final MethodHandle persist;
    private final MethodHandle lastMessage;
    private final Path path;

    private PersistProbe(Arena library, SymbolLookup lookup, Path path) {
        this.library = library;
        this.path = path;
        Linker linker = Linker.nativeLinker();
        this.mapSync = linker.downcallHandle(symbol(lookup, "vos_hw_map_sync"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
        this.persist = linker.downcallHandle(symbol(lookup, "vos_hw_persist"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        this.lastMessage = linker.downcallHandle(symbol(lookup, "vos_last_message"),
                FunctionDescriptor.of(ValueLayout.ADDRESS));
    }

    /**
     * Loads the library.
     *
     * @throws ProbeException when there is none, it does not load, or it lacks the probes
     */
    public static PersistProbe load() {
        String explicit = System.getProperty(LIBRARY_PROPERTY, "");
        Arena arena = Arena.ofShared();
        try {
            if (!explicit.isEmpty()) {
                Path file = Path.of(explicit);
                if (!Files.isRegularFile(file)) {
                    throw new ProbeException("-D" + LIBRARY_PROPERTY + "=" + explicit + " names no file: point it at a "
                            + FILE_NAME + " or remove it to use the copy in the vostok-vos-ffm jar");
                }
                return new PersistProbe(arena, open(file, arena), file);
            }
            return extractAndOpen(arena);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Copies the library in the vostok-vos-ffm jar to {@code target}, for child processes that
     * should load it from a place this run removes (the VOS bindings' own extraction outlives a
     * child killed with SIGKILL until some later process tidies it).
     */
    public static void copyBundledLibrary(Path target) {
        String resource = RESOURCE_ROOT + platform() + "/" + FILE_NAME;
        try (InputStream in = PersistProbe.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new ProbeException("no " + FILE_NAME + " for " + platform() + " on the class path (resource "
                        + resource + " of vostok-vos-ffm)");
            }
            Files.copy(in, target);
        } catch (IOException e) {
            throw new ProbeException("cannot copy " + FILE_NAME + " to " + target + ": " + e.getMessage(), e);
        }
    }

    private static PersistProbe extractAndOpen(Arena arena) {
        String resource = RESOURCE_ROOT + platform() + "/" + FILE_NAME;
        try (InputStream in = PersistProbe.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new ProbeException("no " + FILE_NAME + " for " + platform() + " on the class path (resource "
                        + resource + " of vostok-vos-ffm): build it with ./mvnw -pl bindings/ffm -am package, or set -D"
                        + LIBRARY_PROPERTY);
            }
            Path dir = Files.createTempDirectory("vostok-hw-probe-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path file = dir.resolve(FILE_NAME);
            try {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                return new PersistProbe(arena, open(file, arena), Path.of("vostok-vos-ffm.jar!/" + resource));
            } finally {
                Files.deleteIfExists(file);
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new ProbeException("cannot extract " + FILE_NAME + " to " + System.getProperty("java.io.tmpdir")
                    + ": " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("restricted")
    private static SymbolLookup open(Path file, Arena arena) {
        try {
            return SymbolLookup.libraryLookup(file, arena);
        } catch (IllegalArgumentException | IllegalCallerException e) {
            throw new ProbeException("cannot load " + file + " (" + e.getMessage() + "): it needs libpmem1 and "
                    + "libpmemobj1, and the JVM needs --enable-native-access=ALL-UNNAMED", e);
        }
    }

    private static MemorySegment symbol(SymbolLookup lookup, String name) {
        return lookup.find(name).orElseThrow(() -> new ProbeException("the VOS library has no " + name
                + ": it is older than hw-check; rebuild it with ./mvnw -pl bindings/ffm -am package"));
    }

    private static String platform() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        arch = arch.equals("amd64") ? "x86_64" : arch.equals("arm64") ? "aarch64" : arch;
        return "linux-" + arch;
    }

    /** Which library file was loaded, for the report. */
    public Path library() {
        return path;
    }

    /**
     * Whether a file made in {@code file}'s directory maps with {@code MAP_SYNC}: creates
     * {@code file} with {@code bytes} allocated, maps it, removes it.
     */
    public boolean mapSync(Path file, long bytes) {
        try (Arena call = Arena.ofConfined()) {
            int rc = (int) mapSync.invokeExact(call.allocateFrom(file.toString()), bytes);
            if (rc < 0) {
                throw failure("the MAP_SYNC probe of " + file, rc);
            }
            return rc == 1;
        } catch (ProbeException e) {
            throw e;
        } catch (Throwable t) {
            throw new ProbeException("the MAP_SYNC probe of " + file + " failed: " + t, t);
        }
    }

    /**
     * Creates {@code file} of {@code fileBytes}, maps it with libpmem and times {@code samples}
     * persists of {@code writeBytes}; the caller deletes the file.
     */
    public PersistRun persist(Path file, long fileBytes, int writeBytes, int samples) {
        if (samples <= 0 || samples > SAMPLES_MAX) {
            throw new IllegalArgumentException("samples must be 1 .. " + SAMPLES_MAX + ", not " + samples);
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment latencies = call.allocate(ValueLayout.JAVA_LONG, samples);
            MemorySegment info = call.allocate(INFO);
            int rc = (int) persist.invokeExact(call.allocateFrom(file.toString()), fileBytes, writeBytes, samples,
                    latencies, info);
            if (rc < 0) {
                throw failure("the persist probe of " + file, rc);
            }
            return new PersistRun(writeBytes, latencies.toArray(ValueLayout.JAVA_LONG), (long) ELAPSED.get(info, 0L),
                    (int) IS_PMEM.get(info, 0L) == 1, (int) AUTO_FLUSH.get(info, 0L));
        } catch (ProbeException e) {
            throw e;
        } catch (Throwable t) {
            throw new ProbeException("the persist probe of " + file + " failed: " + t, t);
        }
    }

    @SuppressWarnings("restricted")
    private ProbeException failure(String what, int rc) throws Throwable {
        MemorySegment message = (MemorySegment) lastMessage.invokeExact();
        String text = message.equals(MemorySegment.NULL) ? "" : message.reinterpret(1024).getString(0);
        return new ProbeException(what + " failed (code " + rc + "): " + (text.isEmpty() ? "no message" : text));
    }

    @Override
    public void close() {
        library.close();
    }
}
