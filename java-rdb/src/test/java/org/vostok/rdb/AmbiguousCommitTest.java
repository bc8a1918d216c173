package org.vostok.rdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.raft.MembershipChange;
import org.vostok.raft.Message;
import org.vostok.raft.Role;
import org.vostok.rdb.model.KvsPath;
import org.vostok.rdb.model.LeaderHint;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.model.RequestId;
import org.vostok.rdb.model.RequestOutcome;
import org.vostok.rdb.testing.Await;
import org.vostok.rdb.testing.RecordingListener;
import org.vostok.rdb.testing.TestCluster;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;

/**
 * Commits whose outcome is not known when they end, and request ids: what a service built on
 * rdb meets when a leader loses its term, times out, or removes itself, and when a client
 * retries.
 */
class AmbiguousCommitTest {

    private static final KvsPath ROOT = KvsPath.root();

    @TempDir
    Path dir;
    private TestCluster cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            cluster.closeAndCheckEvents();
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Key k(String s) {
        return Key.ofUtf8(s);
    }

    private Optional<String> get(String key) {
        return cluster.read(tx -> tx.lookup(ROOT, k(key)).map(v -> new String(v, StandardCharsets.UTF_8)));
    }

    private List<Long> others(long id) {
        return cluster.runningIds().stream().filter(i -> i != id).toList();
    }

    private static RdbException failure(CompletableFuture<Long> commit) {
        ExecutionException e = assertThrows(ExecutionException.class, commit::get);
        return (RdbException) e.getCause();
    }

    /** Elections slow enough (1 to 2 s) that a loaded machine does not move the leadership mid-test. */
    private void startThree(long seed) {
        RdbConfig config = TestCluster.testConfig(seed).electionTimeoutTicks(40).heartbeatTicks(4).build();
        cluster = TestCluster.start(dir, 3, config, seed, id -> new RecordingListener());
        cluster.commit(tx -> tx.createRoot(KeyOrder.LEXICAL));
    }

    /**
     * A leader whose followers take its entries but whose acknowledgements never come back: its
     * heartbeats are answered (so it keeps leading under CheckQuorum), but nothing commits.
     */
    private Replica leaderThatCannotCommit() {
        Replica leader = cluster.awaitLeader();
        long id = leader.id();
        cluster.network().setFilter(m -> !(m instanceof Message.AppendResponse && m.to() == id));
        return leader;
    }

    /**
     * Makes sure the replica's owner thread has taken every request queued before this call and
     * its completion thread has run every completion they produced: a commit refused at once
     * (its KVS does not exist) is queued behind them, and its refusal comes after theirs.
     */
    private static void drain(Replica leader, long term) {
        RdbException refused = failure(leader.begin(term).update(ROOT.child(k("no-such-kvs")), k("x"), b("x"))
                .commit());
        assertEquals(RdbError.NONEXIST, refused.error(), refused.getMessage());
    }

    /**
     * Regression test: a duplicate request id was refused with EXIST as soon as the first entry's
     * record was found, though records are written when the entry is appended, before it
     * commits. A client that retried after a timeout got EXIST and counted the write as done,
     * and the write was lost if the term ended before the entry reached a majority. Now the
     * duplicate waits for the first entry and takes its fate.
     */
    @Test
    void aDuplicateOfAPendingRequestWaitsForTheFirstEntryAndAnswersItsOutcome() throws Exception {
        startThree(201);
        Replica leader = leaderThatCannotCommit();
        long term = leader.status().term();
        long before = leader.status().lastIndex();
        RequestId id = new RequestId(UUID.randomUUID(), 1);
        CompletableFuture<Long> first = leader.begin(term).requestId(id).update(ROOT, k("a"), b("first")).commit();
        Await.until("the first attempt to be appended", () -> leader.status().lastIndex() > before);
        CompletableFuture<Long> retry = leader.begin(term).requestId(id).update(ROOT, k("a"), b("retry")).commit();
        drain(leader, term);
        assertFalse(first.isDone(), "the first attempt cannot have committed");
        assertFalse(retry.isDone(), "the retry answered before the first attempt's fate was known: " + retry);
        assertEquals(before + 1, leader.status().lastIndex(), "the retry must not be proposed");
        // The acknowledgements flow again: the first entry commits, and the retry answers with it.
        cluster.network().setFilter(m -> true);
        long index = first.get();
        assertEquals(before + 1, index);
        assertEquals(index, retry.get());
        assertEquals(Optional.of("first"), get("a"));
        assertEquals(Optional.of(new RequestOutcome(id, index, Optional.empty())), cluster.requestOutcome(id));
        // Once committed, a duplicate is EXIST at once, and the write stays applied once.
        Replica now = cluster.awaitLeader();
        RdbException exist = failure(now.begin(now.status().term()).requestId(id).update(ROOT, k("a"), b("third"))
                .commit());
        assertEquals(RdbError.EXIST, exist.error(), exist.getMessage());
        assertEquals(Optional.of("first"), get("a"));
    }

    /**
     * The first attempt of a request is still pending when its leader loses the term: the retry
     * waiting for it is ambiguous too (the entry may still commit under the next leader), with
     * the cause. The next leader's log holds that entry, uncommitted, from the earlier term; once
     * that leader is ready (its term's first entry applied, so the entry below it is committed),
     * a retry of the request is EXIST, and the write is there once.
     */
    @Test
    void aDuplicateOfARequestFromALostTermIsAmbiguousThenExistOnTheNextLeader() throws Exception {
        startThree(202);
        Replica leader = leaderThatCannotCommit();
        long term = leader.status().term();
        long before = leader.status().lastIndex();
        RequestId id = new RequestId(UUID.randomUUID(), 1);
        CompletableFuture<Long> first = leader.begin(term).requestId(id).update(ROOT, k("a"), b("first")).commit();
        for (long follower : others(leader.id())) {
            Await.until("replica " + follower + " holding the first attempt",
                    () -> cluster.replica(follower).status().lastIndex() > before);
        }
        CompletableFuture<Long> retry = leader.begin(term).requestId(id).update(ROOT, k("a"), b("retry")).commit();
        drain(leader, term);
        assertFalse(retry.isDone(), "the retry answered before the first attempt's fate was known: " + retry);
        // The leader is cut off: it steps down (CheckQuorum), and neither attempt knows its fate.
        cluster.network().isolate(leader.id());
        cluster.network().setFilter(m -> true);
        for (CompletableFuture<Long> attempt : List.of(first, retry)) {
            RdbException e = failure(attempt);
            assertEquals(RdbError.OUTCOME_UNKNOWN, e.error(), e.getMessage());
            assertEquals(Optional.of(RdbError.NOTLEADER), e.outcomeUnknownCause());
            assertTrue(e.getMessage().contains("NOTLEADER"), e.getMessage());
        }
        Replica next = cluster.awaitLeaderAmong(others(leader.id()));
        long nextTerm = next.status().term();
        assertTrue(nextTerm > term);
        // The entry of the earlier term is below the new leader's first entry: committed.
        RdbException exist = failure(next.begin(nextTerm).requestId(id).update(ROOT, k("a"), b("again")).commit());
        assertEquals(RdbError.EXIST, exist.error(), exist.getMessage());
        assertEquals(Optional.of(new RequestOutcome(id, before + 1, Optional.empty())), cluster.requestOutcome(id));
        assertEquals(Optional.of("first"), get("a"));
        cluster.network().heal();
    }

    /**
     * Regression test: after a commit timed out while its replica still led the term, the
     * replica went on taking commits in that term, though its entry could still commit after
     * later transactions had read without it (DESIGN.md, "Transactions", asked the service to
     * stop itself). Now the replica refuses them and gives the term up.
     */
    @Test
    void afterACommitTimesOutTheTermTakesNoMoreCommitsAndEnds() throws Exception {
        // No CheckQuorum: the cut-off leader never notices by itself.
        RdbConfig config = TestCluster.testConfig(203).checkQuorum(false).commitTimeoutMillis(300).build();
        cluster = TestCluster.start(dir, 3, config, 203, i -> new RecordingListener());
        cluster.commit(tx -> tx.createRoot(KeyOrder.LEXICAL));
        Replica leader = cluster.awaitLeader();
        long term = leader.status().term();
        Tx later = leader.begin(term);
        later.lookup(ROOT, k("b"));
        cluster.network().isolate(leader.id());
        RequestId id = new RequestId(UUID.randomUUID(), 1);
        RdbException timedOut = failure(leader.begin(term).requestId(id).update(ROOT, k("a"), b("1")).commit());
        assertEquals(RdbError.OUTCOME_UNKNOWN, timedOut.error(), timedOut.getMessage());
        assertEquals(Optional.of(RdbError.TIMEDOUT), timedOut.outcomeUnknownCause());
        // A transaction that began before is refused cleanly (never proposed), and so is a new one.
        RdbException refused = failure(later.update(ROOT, k("b"), b("2")).commit());
        assertEquals(RdbError.NOTLEADER, refused.error(), refused.getMessage());
        RdbException notBegun = assertThrows(RdbException.class, () -> leader.begin(term));
        assertEquals(RdbError.NOTLEADER, notBegun.error(), notBegun.getMessage());
        // It cannot hand the leadership over (it is cut off), so it ends the term itself.
        Await.until("the old leader leaving term " + term,
                () -> leader.status().role() != Role.LEADER || leader.status().term() > term);
        cluster.network().heal();
        Replica next = cluster.awaitLeader();
        assertTrue(next.status().term() > term);
        Optional<RequestOutcome> outcome = cluster.requestOutcome(id);
        assertEquals(outcome.isPresent() ? Optional.of("1") : Optional.empty(), get("a"));
        assertEquals(Optional.empty(), get("b"));
        Await.until("the old leader's host stepping down from term " + term,
                () -> cluster.listener(leader.id()).events().contains("stepDown " + term));
    }

    /**
     * Regression test: a leader that removed itself failed the change as ambiguous
     * ("NOTLEADER ... before the transaction committed") although the removal committed: it
     * applied the change and stepped down in the same step, and the step down failed every
     * pending commit before the commit was looked at. Now the change completes with its index.
     */
    @Test
    void aLeaderThatRemovesItselfSeesTheRemovalComplete() throws Exception {
        startThree(204);
        Replica leader = cluster.awaitLeader();
        long index = leader.changeMembership(MembershipChange.remove(leader.id())).get();
        assertTrue(index > 0);
        Replica next = cluster.awaitLeaderAmong(others(leader.id()));
        Await.until("the removal in force on the next leader", () -> !next.status().membership().contains(leader.id()));
        assertTrue(next.status().appliedIndex() >= index);
        long last = cluster.commit(tx -> tx.update(ROOT, k("after"), b("1")));
        cluster.awaitApplied(last, others(leader.id()));
    }

    @Test
    void errorCodesAreStableAndAnAmbiguousFailureCarriesItsCause() {
        RdbError[] errors = RdbError.values();
        for (int i = 0; i < errors.length; i++) {
            assertEquals(i + 1, errors[i].code(), errors[i].name());
            assertEquals(errors[i], RdbError.ofCode(i + 1));
        }
        assertEquals(13, RdbError.OUTCOME_UNKNOWN.code());
        RdbException cause = RdbException.notLeader("lost term 4", Optional.of(new LeaderHint(2, 5)));
        RdbException unknown = RdbException.outcomeUnknown(cause);
        assertEquals(RdbError.OUTCOME_UNKNOWN, unknown.error());
        assertTrue(unknown.outcomeUnknown());
        assertEquals(Optional.of(RdbError.NOTLEADER), unknown.outcomeUnknownCause());
        assertEquals(cause, unknown.getCause());
        assertEquals(Optional.of(new LeaderHint(2, 5)), unknown.leaderHint());
        assertTrue(unknown.getMessage().contains("NOTLEADER: lost term 4"), unknown.getMessage());
        assertEquals(unknown, unknown.withOutcomeUnknown());
        assertFalse(cause.outcomeUnknown());
        assertEquals(Optional.empty(), cause.outcomeUnknownCause());
        assertThrows(IllegalArgumentException.class,
                () -> new RdbException(RdbError.OUTCOME_UNKNOWN, "no cause", Optional.empty(), null));
    }
}
