package org.vostok.vos.conformance;

import org.junit.jupiter.api.Nested;
import org.vostok.vos.PoolOptions;
import org.vostok.vos.VosProvider;

/**
 * The whole conformance suite, every test class once: an implementation runs it through one
 * small subclass per pool backend that names its {@link VosProvider} (and, for a backend other
 * than PMDK's, its {@link PoolOptions}). The same tests, unchanged, for every implementation and
 * every backend: nothing a user of the API can see may differ between them.
 */
public abstract class ConformanceSuite {

    /** The implementation under test. */
    protected abstract VosProvider provider();

    /** How the suite's pools are made; PMDK's backend unless a subclass says otherwise. */
    protected PoolOptions poolOptions() {
        return PoolOptions.pmem();
    }

    @Nested
    class Pools extends PoolConformanceTest {
        {
            runIn(ConformanceSuite.this);
        }
    }

    @Nested
    class Containers extends ContainerConformanceTest {
        {
            runIn(ConformanceSuite.this);
        }
    }

    @Nested
    class Versions extends VersionConformanceTest {
        {
            runIn(ConformanceSuite.this);
        }
    }

    @Nested
    class Transactions extends TransactionConformanceTest {
        {
            runIn(ConformanceSuite.this);
        }
    }

    @Nested
    class Iterations extends IterationConformanceTest {
        {
            runIn(ConformanceSuite.this);
        }
    }

    @Nested
    class Space extends SpaceConformanceTest {
        {
            runIn(ConformanceSuite.this);
        }
    }

    @Nested
    class Integrity extends IntegrityConformanceTest {
        {
            runIn(ConformanceSuite.this);
        }
    }

    @Nested
    class Concurrency extends ConcurrencyConformanceTest {
        {
            runIn(ConformanceSuite.this);
        }
    }

    @Nested
    class Durability extends DurabilityConformanceTest {
        {
            runIn(ConformanceSuite.this);
        }
    }
}
