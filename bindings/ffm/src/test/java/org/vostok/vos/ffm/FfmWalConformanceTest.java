package org.vostok.vos.ffm;

import org.vostok.vos.PoolOptions;
import org.vostok.vos.VosProvider;
import org.vostok.vos.conformance.ConformanceSuite;

/**
 * Runs the whole VOS conformance suite (vostok-vos-api's test-jar) against the FFM
 * implementation with pools of the WAL backend (a DRAM heap and a write-ahead log), as
 * {@link FfmConformanceTest} does with the PMDK backend.
 */
class FfmWalConformanceTest extends ConformanceSuite {
    private static final VosProvider PROVIDER = VosProvider.load();

    @Override
    protected VosProvider provider() {
        return PROVIDER;
    }

    @Override
    protected PoolOptions poolOptions() {
        return PoolOptions.wal();
    }
}
