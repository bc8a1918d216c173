package org.vostok.vos;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Finds {@link VosProvider}s with {@link ServiceLoader}; behind {@link VosProvider#load()}.
 *
 * <p>The default is the one named by {@value VosProvider#PROVIDER_PROPERTY} when that is set;
 * otherwise the Panama FFM implementation where this runtime can load it (JDK 22 and newer), then
 * the JNI one, then any other. An implementation whose classes this runtime cannot load (the FFM
 * jar on JDK 17 or 21) is skipped, and named with the reason if nothing else is found. The choice
 * is logged once, through {@link System.Logger} (so the API needs no logging library; with SLF4J,
 * {@code slf4j-jdk-platform-logging} routes it there).
 *
 * <p>Thread-safety: the default provider is found once, under this class's lock, and published
 * through a volatile field; {@link #find} uses a fresh ServiceLoader per call.
 */
final class ProviderLookup {
    /** The implementations in the order they are preferred when none is asked for. */
    static final List<String> PREFERENCE = List.of("ffm", "jni");

    /** Bounds the providers that fail to load, in case the loader keeps failing on the same one. */
    private static final int FAILURES_MAX = 16;

    private static final System.Logger LOG = System.getLogger(VosProvider.class.getName());

    private ProviderLookup() {
    }

    /** The default provider once found; a failed lookup is not cached, so it can be retried. */
    private static volatile VosProvider cached;

    /** The default provider, found on first use. */
    static VosProvider defaultProvider() {
        VosProvider provider = cached;
        if (provider == null) {
            synchronized (ProviderLookup.class) {
                provider = cached;
                if (provider == null) {
                    provider = findDefault();
                    cached = provider;
                }
            }
        }
        return provider;
    }

    static VosProvider findDefault() {
        String wanted = System.getProperty(VosProvider.PROVIDER_PROPERTY, "");
        if (!wanted.isEmpty()) {
            VosProvider provider = find(wanted);
            LOG.log(System.Logger.Level.INFO, "VOS bindings: {0} (asked for with -D{1}={0}; Java {2})",
                    provider.name(), VosProvider.PROVIDER_PROPERTY, System.getProperty("java.version"));
            return provider;
        }
        Found found = all();
        VosProvider chosen = choose(found.providers);
        if (chosen == null) {
            throw new VosUnavailableException("no VOS implementation can run on Java " + System.getProperty("java.version")
                    + (found.failures.isEmpty() ? " (none is on the class path)" : " (" + String.join("; ", found.failures) + ")")
                    + ": add org.vostok:vostok-vos-jni (JNI, Java 17 or newer) or org.vostok:vostok-vos-ffm "
                    + "(Panama FFM, Java 22 or newer) to the class path");
        }
        LOG.log(System.Logger.Level.INFO, "VOS bindings: {0} (chosen on Java {1} among {2}; -D{3}=ffm|jni picks one)",
                chosen.name(), System.getProperty("java.version"), names(found), VosProvider.PROVIDER_PROPERTY);
        return chosen;
    }

    /** The first of {@code providers} by {@link #PREFERENCE}, the first found if none is named there. */
    static VosProvider choose(List<VosProvider> providers) {
        for (String name : PREFERENCE) {
            for (VosProvider provider : providers) {
                if (provider.name().equals(name)) {
                    return provider;
                }
            }
        }
        return providers.isEmpty() ? null : providers.get(0);
    }

    static VosProvider find(String name) {
        Found found = all();
        for (VosProvider provider : found.providers) {
            if (provider.name().equals(name)) {
                return provider;
            }
        }
        throw new VosUnavailableException("no VOS implementation named '" + name + "' can run here (found "
                + names(found) + (found.failures.isEmpty() ? "" : "; " + String.join("; ", found.failures))
                + "); fix -D" + VosProvider.PROVIDER_PROPERTY + " or add the implementation's artifact (the FFM one "
                + "needs Java 22 or newer, the JNI one Java 17 or newer)");
    }

    private static String names(Found found) {
        List<String> names = new ArrayList<>();
        for (VosProvider provider : found.providers) {
            names.add(provider.name());
        }
        return names.isEmpty() ? "none" : String.join(", ", names);
    }

    /** The providers this runtime can load, and why the others cannot be. */
    private record Found(List<VosProvider> providers, List<String> failures) {
    }

    private static Found all() {
        List<VosProvider> providers = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        Iterator<VosProvider> it = ServiceLoader.load(VosProvider.class, ProviderLookup.class.getClassLoader()).iterator();
        while (failures.size() < FAILURES_MAX) {
            try {
                if (!it.hasNext()) {
                    return new Found(providers, failures);
                }
                providers.add(it.next());
            } catch (ServiceConfigurationError | LinkageError e) {
                // A provider compiled for a newer Java (UnsupportedClassVersionError) or missing a
                // class: skip it and go on with the next; say why if none is left.
                failures.add("an implementation on the class path cannot be loaded on Java "
                        + System.getProperty("java.version") + ": " + e.getMessage());
            }
        }
        return new Found(providers, failures);
    }
}
