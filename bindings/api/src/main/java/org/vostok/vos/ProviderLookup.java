package org.vostok.vos;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Finds {@link VosProvider}s with {@link ServiceLoader}; behind {@link VosProvider#load()}.
 *
 * <p>Thread-safety: the default provider is found once, under this class's lock, and published
 * through a volatile field; {@link #find} uses a fresh ServiceLoader per call.
 */
final class ProviderLookup {

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

    private static VosProvider findDefault() {
        String wanted = System.getProperty(VosProvider.PROVIDER_PROPERTY, "");
        if (!wanted.isEmpty()) {
            return find(wanted);
        }
        List<VosProvider> providers = all();
        if (providers.isEmpty()) {
            throw new VosUnavailableException("no VOS implementation on the class path: add the artifact "
                    + "org.vostok:vostok-vos-ffm (the Panama FFM implementation, JDK 22 or newer)");
        }
        return providers.get(0);
    }

    static VosProvider find(String name) {
        List<String> names = new ArrayList<>();
        for (VosProvider provider : all()) {
            if (provider.name().equals(name)) {
                return provider;
            }
            names.add(provider.name());
        }
        throw new VosUnavailableException("no VOS implementation named '" + name + "' on the class path (found "
                + (names.isEmpty() ? "none" : String.join(", ", names)) + "); fix -D"
                + VosProvider.PROVIDER_PROPERTY + " or add the implementation's artifact");
    }

    private static List<VosProvider> all() {
        List<VosProvider> providers = new ArrayList<>();
        Iterator<VosProvider> it = ServiceLoader.load(VosProvider.class, ProviderLookup.class.getClassLoader()).iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    return providers;
                }
                providers.add(it.next());
            } catch (ServiceConfigurationError | UnsupportedClassVersionError e) {
                throw new VosUnavailableException("a VOS implementation on the class path cannot be loaded ("
                        + e.getMessage() + "); the FFM implementation needs JDK 22 or newer, this is "
                        + System.getProperty("java.version"), e);
            }
        }
    }
}
