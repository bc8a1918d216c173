package org.vostok.vos.jni;

import org.junit.jupiter.api.Nested;
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
 * implementation. The provider is found the way an application finds it, through
 * {@link VosProvider#load()}, which also checks the service registration.
 */
class JniConformanceTest {
    private static final VosProvider PROVIDER = VosProvider.load();

    @Nested
    class Pools extends PoolConformanceTest {
        @Override
        protected VosProvider provider() {
            return PROVIDER;
        }
    }

    @Nested
    class Containers extends ContainerConformanceTest {
        @Override
        protected VosProvider provider() {
            return PROVIDER;
        }
    }

    @Nested
    class Versions extends VersionConformanceTest {
        @Override
        protected VosProvider provider() {
            return PROVIDER;
        }
    }

    @Nested
    class Transactions extends TransactionConformanceTest {
        @Override
        protected VosProvider provider() {
            return PROVIDER;
        }
    }

    @Nested
    class Iterations extends IterationConformanceTest {
        @Override
        protected VosProvider provider() {
            return PROVIDER;
        }
    }

    @Nested
    class Space extends SpaceConformanceTest {
        @Override
        protected VosProvider provider() {
            return PROVIDER;
        }
    }

    @Nested
    class Integrity extends IntegrityConformanceTest {
        @Override
        protected VosProvider provider() {
            return PROVIDER;
        }
    }

    @Nested
    class Concurrency extends ConcurrencyConformanceTest {
        @Override
        protected VosProvider provider() {
            return PROVIDER;
        }
    }

    @Nested
    class Durability extends DurabilityConformanceTest {
        @Override
        protected VosProvider provider() {
            return PROVIDER;
        }
    }
}
