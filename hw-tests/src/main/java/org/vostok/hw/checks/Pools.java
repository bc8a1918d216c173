package org.vostok.hw.checks;

import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.vos.VosException;
import org.vostok.vos.VosProvider;

/** Removing the pools the checks make, on every path out of a check. */
final class Pools {
    private static final Logger LOG = LoggerFactory.getLogger(Pools.class);

    private Pools() {
    }

    /**
     * Destroys the pool at {@code path} if its file is there. A failure is logged, not thrown: it
     * must not hide the failure that brought the check here, and the work directory's removal,
     * which is reported, takes whatever is left.
     */
    static void destroy(VosProvider vos, Path path) {
        if (!Files.exists(path)) {
            return;
        }
        try {
            vos.destroyPool(path);
        } catch (VosException e) {
            LOG.debug("could not destroy the pool {}: {}", path, e.getMessage());
        }
    }
}
