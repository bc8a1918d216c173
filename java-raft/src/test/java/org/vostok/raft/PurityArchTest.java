package org.vostok.raft;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.CompositeArchRule;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The core must stay pure (DESIGN.md: no threads, no IO, no clock, no randomness of its own, no
 * logging), so that every run replays exactly from a seed. These rules fail the build when a
 * main class of org.vostok.raft touches any of them; a self-check proves the rules catch an
 * offender.
 */
class PurityArchTest {

    static final ArchRule PURE = CompositeArchRule.of(
            noClasses().should().dependOnClassesThat().resideInAnyPackage(
                    "java.util.concurrent..", "java.io..", "java.nio..", "java.net..", "java.time..",
                    "java.util.logging..", "org.slf4j..", "org.apache.logging..", "java.lang.management..")
                    .as("no concurrency, IO, clocks or logging packages"))
            .and(noClasses().should().dependOnClassesThat().belongToAnyOf(
                    Thread.class, ThreadLocal.class, Runtime.class, ProcessBuilder.class, java.util.Timer.class,
                    java.util.Random.class, java.util.SplittableRandom.class, java.security.SecureRandom.class,
                    System.Logger.class)
                    .as("no threads, timers, processes or random generators"))
            .and(noClasses().should().callMethod(System.class, "currentTimeMillis")
                    .orShould().callMethod(System.class, "nanoTime")
                    .orShould().callMethod(Math.class, "random")
                    .orShould().callMethod(StrictMath.class, "random")
                    .orShould().callMethod(Object.class, "wait")
                    .orShould().callMethod(Object.class, "notify")
                    .orShould().callMethod(Object.class, "notifyAll")
                    .as("no clock reads, Math.random or monitors"))
            .and(noClasses().should().accessField(System.class, "out")
                    .orShould().accessField(System.class, "err")
                    .orShould().accessField(System.class, "in")
                    .as("no console IO"));

    @Test
    void theCoreTouchesNoThreadsIoClocksRandomnessOrLogging() {
        JavaClasses core = core();
        assertTrue(core.size() > 20, "expected the core's classes, found " + core.size());
        PURE.check(core);
    }

    /**
     * Only the lease reads the host's clock: elections and every timeout count ticks, so that a
     * clock read elsewhere cannot creep into the protocol unnoticed.
     */
    static final ArchRule CLOCK_ONLY_FOR_THE_LEASE = noClasses()
            .that().doNotHaveFullyQualifiedName(ReadOnly.class.getName())
            .should().callMethod(MonotonicClock.class, "nanoTime")
            .as("only ReadOnly (the lease) reads the MonotonicClock");

    /**
     * The parts split out of RaftNode (reads, progress, memberships, the log) take what they need
     * as arguments and never reach back into the node, so each can be read on its own.
     */
    static final ArchRule PARTS_DO_NOT_REACH_BACK = noClasses().that().resideInAPackage("org.vostok.raft")
            .and().doNotHaveFullyQualifiedName(RaftNode.class.getName())
            .and().areNotPublic()
            .should().dependOnClassesThat().haveFullyQualifiedName(RaftNode.class.getName())
            .as("the node's package-private parts do not depend on RaftNode");

    @Test
    void theClockIsReadOnlyForTheLease() {
        CLOCK_ONLY_FOR_THE_LEASE.check(core());
    }

    @Test
    void theNodesPartsDoNotReachBackIntoIt() {
        PARTS_DO_NOT_REACH_BACK.check(core());
    }

    /** The core's main classes, imported once for every rule. */
    private static JavaClasses core() {
        return CoreClasses.CLASSES;
    }

    private static final class CoreClasses {
        static final JavaClasses CLASSES = new ClassFileImporter()
                .withImportOption(new ImportOption.DoNotIncludeTests())
                .importPackages("org.vostok.raft");
    }

    @Test
    void theRulesCatchAnOffender() {
        JavaClasses offender = new ClassFileImporter().importClasses(Offender.class);
        AssertionError e = assertThrows(AssertionError.class, () -> PURE.check(offender));
        for (String expected : List.of("nanoTime", "java.util.Random", "Thread", "out", "java.util.concurrent")) {
            assertTrue(e.getMessage().contains(expected), "missing " + expected + " in " + e.getMessage());
        }
    }

    @Test
    void theStructureRulesCatchAnOffender() {
        JavaClasses offender = new ClassFileImporter().importClasses(PartOffender.class);
        AssertionError clock = assertThrows(AssertionError.class, () -> CLOCK_ONLY_FOR_THE_LEASE.check(offender));
        assertTrue(clock.getMessage().contains("nanoTime"), clock.getMessage());
        AssertionError back = assertThrows(AssertionError.class, () -> PARTS_DO_NOT_REACH_BACK.check(offender));
        assertTrue(back.getMessage().contains("RaftNode"), back.getMessage());
    }

    /** A part of the node that reads the clock and reaches back into the node. */
    static final class PartOffender {
        long peek(RaftNode node, MonotonicClock clock) {
            return node.term() + clock.nanoTime();
        }
    }

    /** Everything the core must not do, in one class. */
    static final class Offender {
        long now() {
            System.out.println("tick");
            new Thread(() -> { }).start();
            new java.util.concurrent.ConcurrentHashMap<String, String>();
            return System.nanoTime() + new java.util.Random().nextInt();
        }
    }
}
