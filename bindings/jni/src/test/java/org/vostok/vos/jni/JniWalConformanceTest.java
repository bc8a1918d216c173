package org.vostok.vos.jni;

import org.junit.jupiter.api.Nested;
import org.vostok.vos.PoolOptions;
import org.vostok.vos.VosProvider;
import org.vostok.vos.conformance.ConcurrencyConformanceTest;
import org.vostok.vos.conformance.ContainerConformanceTest;
import org.vostok.vos.conformance.DurabilityConformanceTest;
import org.vostok.vos.conformance.IntegrityConformanceTest;
import org.vostok.vos.conformance.IterationConformanceTest;
import org.vostok.vos.conformance.PoolConformanceTest;
import org.vostok.vos.conformance.SpaceConformanceTest;
import org.vostok.vos.conformance.TransactionConformanceTest;
import org.vostok.vos.conformance.VersionConformanceTest;

/**
 * Runs the whole VOS conformance suite (vostok-vos-api's test-jar) against the JNI
 * implementation with pools of the WAL backend (a DRAM heap and a write-ahead log), as
 * {@link JniConformanceTest} does with the PMDK backend. The same tests, unchanged: the two
 * backends must not differ in anything a user of the API can see.
 */
class JniWalConformanceTest {
    private static final VosProvider PROVIDER = VosProvider.load();
    private static final PoolOptions WAL = PoolOptions.wal();

    @Nested
    class Pools extends PoolConformanceTest {
        @Override
        protected VosProvider provider() {
            return PROVIDER;
        }

        @Override
        protected PoolOptions poolOptions() {
            return WAL;
        }
    }

    @Nested
    class Containers extends ContainerConformanceTest {
        @Override
        protected VosProvider provider() {
            return PROVIDER;
        }

        @Override
        protected PoolOptions poolOptions() {
            return WAL;
        }
    }

    @Nested
    class Versions extends VersionConformanceTest {
        @Override
        protected VosProvider provider() {
            return PROVIDER;
        }

        @Override
        protected PoolOptions poolOptions() {
            return WAL;
        }
    }

    @Nested
    class Transactions extends TransactionConformanceTest {
        @Override
        protected VosProvider provider() {
            return PROVIDER;
        }

        @Override
        protected PoolOptions poolOptions() {
            return WAL;
        }
    }

    @Nested
    class Iterations extends IterationConformanceTest {
        @Override
        protected VosProvider provider() {
            return PROVIDER;
        }

        @Override
        protected PoolOptions poolOptions() {
            return WAL;
        }
    }

    @Nested
    class Space extends SpaceConformanceTest {
        @Override
        protected VosProvider provider() {
            return PROVIDER;
        }

        @Override
        protected PoolOptions poolOptions() {
            return WAL;
        }
    }

    @Nested
    class Integrity extends IntegrityConformanceTest {
        @Override
        protected VosProvider provider() {
            return PROVIDER;
        }

        @Override
        protected PoolOptions poolOptions() {
            return WAL;
        }
    }

    @Nested
    class Concurrency extends ConcurrencyConformanceTest {
        @Override
        protected VosProvider provider() {
            return PROVIDER;
        }

        @Override
        protected PoolOptions poolOptions() {
            return WAL;
        }
    }

    @Nested
    class Durability extends DurabilityConformanceTest {
        @Override
        protected VosProvider provider() {
            return PROVIDER;
        }

        @Override
        protected PoolOptions poolOptions() {
            return WAL;
        }
    }
}
