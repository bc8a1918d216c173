package org.vostok.vos.jni;

import org.vostok.vos.PoolOptions;
import org.vostok.vos.VosProvider;
import org.vostok.vos.conformance.ConformanceSuite;

/**
 * Runs the whole VOS conformance suite (vostok-vos-api's test-jar) against the JNI
 * implementation with pools of the WAL backend (a DRAM heap and a write-ahead log), as
 * {@link JniConformanceTest} does with the PMDK backend.
 */
class JniWalConformanceTest extends ConformanceSuite {
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
