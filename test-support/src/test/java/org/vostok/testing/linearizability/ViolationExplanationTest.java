package org.vostok.testing.linearizability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vostok.testing.linearizability.KvOp.compareAndSet;
import static org.vostok.testing.linearizability.KvOp.read;
import static org.vostok.testing.linearizability.KvOp.write;
import static org.vostok.testing.linearizability.KvResult.ok;
import static org.vostok.testing.linearizability.KvResult.swapped;
import static org.vostok.testing.linearizability.KvResult.value;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What a violation tells a person: the key, the shortest failing prefix, and where the search got stuck. */
class ViolationExplanationTest {

    private final LinearizabilityChecker<KvOp, KvResult> checker = new LinearizabilityChecker<>(new KvModel());

    /**
     * A stale read (#3) early in a long history. Client 3's write of "c" was still running when
     * the stale read returned, so in the prefix it is open; everything after is left out.
     */
    private static History<KvOp, KvResult> staleReadThenMore() {
        History.Builder<KvOp, KvResult> history = History.<KvOp, KvResult>builder()
                .ok(1, write("x", "a"), ok(), 0, 1)
                .ok(1, write("x", "b"), ok(), 2, 3)
                .ok(3, write("x", "c"), ok(), 4, 100)
                .ok(2, read("x"), value("a"), 5, 6);
        for (int i = 0; i < 20; i++) {
            history.ok(1, write("x", "d" + i), ok(), 200 + 4L * i, 201 + 4L * i)
                    .ok(2, read("x"), value("d" + i), 202 + 4L * i, 203 + 4L * i);
        }
        return history.build();
    }

    @Test
    void theFailingPrefixEndsWithTheOperationThatCannotBeExplained() {
        CheckResult<KvOp, KvResult> result = checker.check(staleReadThenMore());
        Violation<KvOp, KvResult> violation = result.violations().get(0);

        assertEquals(3, violation.lastOperation().id());
        assertTrue(violation.prefixIsShortest());
        List<Operation<KvOp, KvResult>> prefix = violation.failingPrefix().operations();
        assertEquals(List.of(0, 1, 2, 3), prefix.stream().map(Operation::id).toList());
        assertEquals(Outcome.INFO, prefix.get(2).outcome(), "the write of c had not returned yet");
        assertEquals(Outcome.OK, prefix.get(3).outcome());
    }

    @Test
    void theFailingPrefixFailsOnItsOwn() {
        Violation<KvOp, KvResult> violation = checker.check(staleReadThenMore()).violations().get(0);
        assertEquals(Verdict.NOT_LINEARIZABLE, checker.check(violation.failingPrefix()).verdict());
    }

    @Test
    void theExplanationNamesKeyCulpritLinearizationAndWhyNothingFits() {
        CheckResult<KvOp, KvResult> result = checker.check(staleReadThenMore());
        String text = result.toString();

        assertTrue(text.startsWith("NOT LINEARIZABLE: 44 operations in 1 partition"), text);
        assertTrue(text.contains("key x cannot be linearized once this operation has returned:\n"
                + "  #3 client 2 [5, 6] read(x) -> \"a\"\n"), text);
        assertTrue(text.contains("  #2 client 3 [4, -] write(x, \"c\") -> ? (unknown: may or may not have happened)\n"),
                text);
        assertTrue(text.contains("Longest partial linearization found: 1 of 3 completed operations and 0 open ones"),
                text);
        assertTrue(text.contains("  #0 client 1 [0, 1] write(x, \"a\") -> ok    => \"a\"\n"), text);
        assertTrue(text.contains("After it the state is \"a\""), text);
        assertTrue(text.contains("  #1 client 1 [2, 3] write(x, \"b\") -> ok\n      fits here (the state would become"
                + " \"b\"), but nothing left could set \"a\" again, which #3 client 2 [5, 6] read(x) -> \"a\" still"
                + " needs\n"), text);
    }

    @Test
    void anOperationThatCannotFitSaysWhatItWouldHaveReturned() {
        History<KvOp, KvResult> history = History.<KvOp, KvResult>builder()
                .ok(1, write("x", "a"), ok(), 0, 1)
                .ok(2, compareAndSet("x", "a", "b"), swapped(false), 2, 3)
                .build();

        String text = checker.check(history).toString();

        assertTrue(text.contains("After it the state is \"a\", and none of the operations that could come next leads"
                + " to a linearization:\n"
                + "  #1 client 2 [2, 3] cas(x, \"a\" -> \"b\") -> not swapped\n"
                + "      cannot: here it would return swapped\n"), text);
    }

    /** The write of a had not returned when the read did, so in the failing prefix it is open. */
    @Test
    void aReadOfAValueNothingCanSetIsNamedAsTheReason() {
        History<KvOp, KvResult> history = History.<KvOp, KvResult>builder()
                .ok(1, write("x", "a"), ok(), 0, 10)
                .info(2, write("x", "b"), 0)
                .ok(3, read("x"), value("c"), 5, 6)
                .build();

        String text = checker.check(history).toString();

        assertTrue(text.contains("  #0 client 1 [0, -] write(x, \"a\") -> ? (unknown: may or may not have happened)\n"),
                text);
        assertTrue(text.contains("After it the state is absent. This operation needs \"c\", and no operation left can"
                + " set it, so no order of the rest works:\n"
                + "  #2 client 3 [5, 6] read(x) -> \"c\"\n"), text);
    }

    @Test
    void longListsShowTheirLastLines() {
        History.Builder<KvOp, KvResult> history = History.builder();
        for (int i = 0; i < 100; i++) {
            history.ok(1, write("x", "v" + i), ok(), 2L * i, 2L * i + 1);
        }
        history.ok(2, read("x"), value("v98"), 1000, 1001);
        Violation<KvOp, KvResult> violation = checker.check(history.build()).violations().get(0);

        assertEquals(101, violation.failingPrefix().size());
        assertEquals(99, violation.longestLinearization().size());
        String text = violation.toString();
        assertTrue(text.contains("  ... 61 earlier lines left out (the Violation holds them all)\n"), text);
        assertTrue(text.contains("  ... 59 earlier lines left out (the Violation holds them all)\n"), text);
        assertTrue(text.contains("#98 client 1 [196, 197] write(x, \"v98\") -> ok    => \"v98\""), text);
    }
}
