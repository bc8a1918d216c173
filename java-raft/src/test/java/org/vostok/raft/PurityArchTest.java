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
        JavaClasses core = new ClassFileImporter()
                .withImportOption(new ImportOption.DoNotIncludeTests())
                .importPackages("org.vostok.raft");
        assertTrue(core.size() > 20, "expected the core's classes, found " + core.size());
        PURE.check(core);
    }

    @Test
    void theRulesCatchAnOffender() {
        JavaClasses offender = new ClassFileImporter().importClasses(Offender.class);
        AssertionError e = assertThrows(AssertionError.class, () -> PURE.check(offender));
        for (String expected : List.of("nanoTime", "java.util.Random", "Thread", "out", "java.util.concurrent")) {
            assertTrue(e.getMessage().contains(expected), "missing " + expected + " in " + e.getMessage());
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
