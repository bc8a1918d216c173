package org.vostok.rdb;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Array;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.vostok.rdb.testing.TestPools;
import org.vostok.vos.Pool;
import org.vostok.vos.VosException;

/**
 * The native library's power cut for WAL pools ({@code native/src/wal_powerloss.h}), reached by
 * name on the loaded {@code libvostok-vos.so}: once installed, every WAL pool file opened from
 * then on is recorded, and a pool can lose what its file system had not synced, as a machine
 * that loses power does. Test only: the bindings never call these functions.
 *
 * <p>The library is the one the FFM bindings loaded (found in /proc/self/maps). The calls go
 * through {@code java.lang.foreign} by reflection because the tests are compiled for Java 17
 * (they also run on the JNI bindings, in a Java 17 JVM, which does not run the simulation): the
 * simulator needs the FFM bindings and a JVM of 22 or later.
 *
 * <p>Thread-safety: the native side serializes its calls; {@link #install} once per JVM.
 */
final class PowerLoss {

    private static final String LIBRARY = "libvostok-vos.so";

    private final java.lang.reflect.Method ofAuto;
    private final java.lang.reflect.Method allocateFrom;
    private final MethodHandle cut;
    private final MethodHandle restore;

    private static PowerLoss installed;

    private PowerLoss() throws ReflectiveOperationException {
        Class<?> arenaClass = Class.forName("java.lang.foreign.Arena");
        Class<?> lookupClass = Class.forName("java.lang.foreign.SymbolLookup");
        Class<?> linkerClass = Class.forName("java.lang.foreign.Linker");
        Class<?> segmentClass = Class.forName("java.lang.foreign.MemorySegment");
        Class<?> layoutClass = Class.forName("java.lang.foreign.MemoryLayout");
        Class<?> valueLayoutClass = Class.forName("java.lang.foreign.ValueLayout");
        Class<?> descriptorClass = Class.forName("java.lang.foreign.FunctionDescriptor");
        Class<?> optionClass = Class.forName("java.lang.foreign.Linker$Option");
        Class<?> allocatorClass = Class.forName("java.lang.foreign.SegmentAllocator");
        Object arena = arenaClass.getMethod("global").invoke(null);
        ofAuto = arenaClass.getMethod("ofAuto");
        allocateFrom = allocatorClass.getMethod("allocateFrom", String.class);
        Object lookup = lookupClass.getMethod("libraryLookup", Path.class, arenaClass).invoke(null, loaded(), arena);
        Object linker = linkerClass.getMethod("nativeLinker").invoke(null);
        Object jint = valueLayoutClass.getField("JAVA_INT").get(null);
        Object jlong = valueLayoutClass.getField("JAVA_LONG").get(null);
        Object address = valueLayoutClass.getField("ADDRESS").get(null);
        java.lang.reflect.Method find = lookupClass.getMethod("find", String.class);
        java.lang.reflect.Method of = descriptorClass.getMethod("of", layoutClass, layoutClass.arrayType());
        java.lang.reflect.Method downcall = linkerClass.getMethod("downcallHandle", segmentClass, descriptorClass,
                optionClass.arrayType());
        Object noOptions = Array.newInstance(optionClass, 0);
        MethodHandle[] handles = new MethodHandle[3];
        String[] names = {"vos_test_powerloss_install", "vos_test_powerloss_cut", "vos_test_powerloss_restore"};
        Object[][] args = {{}, {address}, {address, jlong}};
        for (int i = 0; i < names.length; i++) {
            Optional<?> symbol = (Optional<?>) find.invoke(lookup, names[i]);
            if (symbol.isEmpty()) {
                throw new IllegalStateException(LIBRARY + " has no " + names[i] + ": rebuild it (./mvnw -pl bindings/ffm"
                        + " -am install -DskipTests)");
            }
            Object layouts = Array.newInstance(layoutClass, args[i].length);
            for (int a = 0; a < args[i].length; a++) {
                Array.set(layouts, a, args[i][a]);
            }
            handles[i] = (MethodHandle) downcall.invoke(linker, symbol.get(), of.invoke(null, jint, layouts),
                    noOptions);
        }
        cut = handles[1];
        restore = handles[2];
        int rc = call(handles[0]);
        if (rc != 0) {
            throw new IllegalStateException("vos_test_powerloss_install failed: " + rc);
        }
    }

    /**
     * Has the bindings load the library: an open of a pool that cannot exist (it fails, and
     * writes nothing) is the one way the API offers.
     */
    private static void loadLibrary() {
        try (Pool p = TestPools.open(Path.of("/proc/vostok-no-such-dir/no-such.pool"))) {
            throw new IllegalStateException("a pool opened at " + p.path());
        } catch (VosException expected) {
            // loaded, and refused as it should be
        }
    }

    /** The file of the library the bindings loaded, as the process maps it (dlopen finds it loaded). */
    private static Path loaded() {
        try (java.util.stream.Stream<String> maps = Files.lines(Path.of("/proc/self/maps"))) {
            return maps.map(l -> l.substring(l.indexOf('/') < 0 ? l.length() : l.indexOf('/')))
                    .filter(f -> f.endsWith("/" + LIBRARY)).findFirst().map(Path::of)
                    .orElseThrow(() -> new IllegalStateException("the VOS bindings have not loaded " + LIBRARY
                            + " (this process maps no file of that name): the simulator needs the FFM bindings"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self/maps to find " + LIBRARY, e);
        }
    }

    /**
     * Installs the power cut in the native library (before any pool is created, so that every
     * WAL pool file is recorded) and returns it; the same one on later calls.
     */
    static synchronized PowerLoss install() {
        if (installed == null) {
            if ("jni".equals(System.getProperty("vostok.vos.provider"))) {
                throw new IllegalStateException("the simulator's power cut needs the FFM bindings (Java 22+): run it"
                        + " without -Dvostok.vos.provider=jni");
            }
            loadLibrary();
            try {
                installed = new PowerLoss();
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot reach " + LIBRARY + "'s power cut through java.lang.foreign"
                        + " (a JVM of 22 or later with --enable-native-access=ALL-UNNAMED): " + e, e);
            }
        }
        return installed;
    }

    /** Cuts the power of the WAL pool at {@code poolPath}: nothing more reaches its files. */
    void cut(String poolPath) {
        int rc = call(cut, path(poolPath));
        if (rc < 0) {
            throw new IllegalStateException("cannot cut the power of " + poolPath + " (is it a WAL pool opened after"
                    + " the power cut was installed, and not cut already?)");
        }
    }

    /**
     * Puts the cut pool's files back as the power loss could have left them, the choices drawn
     * from {@code seed}; returns how many of its files (and 1 for its names) lost something.
     */
    int restore(String poolPath, long seed) {
        int rc = call(restore, path(poolPath), seed);
        if (rc < 0) {
            throw new IllegalStateException("cannot restore " + poolPath + " after its power cut (see errno in"
                    + " the native library's message)");
        }
        return rc;
    }

    private Object path(String p) {
        try {
            // An automatic arena: the string is freed once the call has returned and it is unreachable.
            return allocateFrom.invoke(ofAuto.invoke(null), p);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot pass " + p + " to the native library: " + e, e);
        }
    }

    private static int call(MethodHandle h, Object... args) {
        try {
            return (int) h.invokeWithArguments(args);
        } catch (Throwable t) {
            throw new IllegalStateException("the native power cut failed: " + t, t);
        }
    }
}
