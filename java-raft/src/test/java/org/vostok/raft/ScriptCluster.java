package org.vostok.raft;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The cluster behind the scripted scenarios: {@link MemoryHost}s joined by a network that holds
 * every sent message until a command delivers or drops it. Each command returns the exact text
 * the script expects beneath it. Commands (arguments as key=value, lists as 1,2,3):
 *
 * <pre>
 * add-nodes N [voters=..] [learners=..] [join=true] [prevote=..] [checkquorum=..] [lease=..] [lazycommit=..]
 *             [election=..] [heartbeat=..] [inflight=..] [msgbytes=..] [entries=..] [entrybytes=..]
 *             [uncommitted=..] [chunk=..]
 * set-log ID terms=1,1,4 [term=T]     replace a node's log (for the paper's figures) and restart it
 * campaign ID                         start an election now
 * forget-leader ID                    the follower forgets its leader (its process is known gone)
 * tick ID [N]  tick-heartbeat ID  tick-election ID    (each tick moves the node's clock on by a tick)
 * stall ID N                          the host stalls for N ticks: its clock moves on, it takes no tick
 * propose ID TEXT [count=N]           propose-change ID add-voter|add-learner|promote|remove NODE
 * read-index ID REQUEST               transfer ID TARGET
 * process-ready ID...                 deliver-msgs [ID...] [drop=true]
 * stabilize [ID...]                   ready and deliver until nothing moves
 * isolate ID   cut A B (one way)   heal        crash ID   down ID   up ID   compact ID
 * status [ID...]   log ID...
 * </pre>
 */
final class ScriptCluster {

    private final TreeMap<Long, MemoryHost> hosts = new TreeMap<>();
    private final Set<Long> down = new HashSet<>();
    /** Links that drop messages, as from * 1_000_000 + to. */
    private final Set<Long> cut = new HashSet<>();
    private final List<Message> network = new ArrayList<>();
    private final Map<Long, Integer> incarnations = new TreeMap<>();
    private final long seed = 1;

    String run(String command) {
        String[] words = command.trim().split("\\s+");
        Args a = new Args(words);
        StringBuilder out = new StringBuilder();
        switch (words[0]) {
            case "add-nodes" -> addNodes(a, out);
            case "set-log" -> setLog(a, out);
            case "campaign" -> {
                host(a.id(1)).node.campaign();
            }
            case "forget-leader" -> host(a.id(1)).node.forgetLeader();
            case "tick" -> tick(a.id(1), a.positional(2) == null ? 1 : Integer.parseInt(a.positional(2)));
            case "tick-heartbeat" -> tick(a.id(1), host(a.id(1)).config.heartbeatTimeoutTicks());
            case "tick-election" -> tick(a.id(1), host(a.id(1)).config.electionTimeoutTicks() * 2);
            case "stall" -> host(a.id(1)).stall(Integer.parseInt(a.positional(2)));
            case "propose" -> propose(a, out);
            case "propose-change" -> proposeChange(a, out);
            case "read-index" -> {
                host(a.id(1)).node.readIndex(Long.parseLong(a.positional(2)))
                        .ifPresent(r -> out.append("refused ").append(r).append('\n'));
            }
            case "transfer" -> {
                host(a.id(1)).node.transferLeadership(Long.parseLong(a.positional(2)))
                        .ifPresent(r -> out.append("refused ").append(r).append('\n'));
            }
            case "process-ready" -> {
                for (long id : a.ids(1)) {
                    processReady(id, out);
                }
            }
            case "deliver-msgs" -> deliver(a.ids(1), Boolean.parseBoolean(a.get("drop", "false")), out);
            case "stabilize" -> stabilize(a.ids(1), out);
            case "isolate" -> {
                long id = a.id(1);
                for (long other : hosts.keySet()) {
                    cut.add(link(id, other));
                    cut.add(link(other, id));
                }
            }
            case "cut" -> cut.add(link(a.id(1), a.id(2)));
            case "heal" -> cut.clear();
            case "crash" -> crash(a.id(1));
            case "down" -> down.add(a.id(1));
            case "up" -> {
                down.remove(a.id(1));
                crash(a.id(1));
            }
            case "compact" -> {
                MemoryHost h = host(a.id(1));
                h.compact();
                out.append(h.id).append(": compacted to ").append(h.storage.snapshot()).append('\n');
            }
            case "status" -> status(a.ids(1), out);
            case "log" -> {
                for (long id : a.ids(1)) {
                    log(id, out);
                }
            }
            case "reads" -> reads(a.ids(1), out);
            default -> throw new IllegalArgumentException("unknown command: " + words[0]);
        }
        return out.toString();
    }

    // ----------------------------------------------------------------------------------------

    private void addNodes(Args a, StringBuilder out) {
        int n = Integer.parseInt(a.positional(1));
        long first = hosts.isEmpty() ? 1 : hosts.lastKey() + 1;
        List<Long> ids = new ArrayList<>();
        for (long i = first; i < first + n; i++) {
            ids.add(i);
        }
        List<Long> voters = a.list("voters", ids);
        List<Long> learners = a.list("learners", List.of());
        boolean join = Boolean.parseBoolean(a.get("join", "false"));
        for (long id : ids) {
            Config config = Config.builder(id)
                    .preVote(Boolean.parseBoolean(a.get("prevote", "false")))
                    .checkQuorum(Boolean.parseBoolean(a.get("checkquorum", "false")))
                    .leaseReads(Boolean.parseBoolean(a.get("lease", "false")))
                    .lazyCommitIndex(Boolean.parseBoolean(a.get("lazycommit", "false")))
                    .electionTimeoutTicks(Integer.parseInt(a.get("election", "10")))
                    .heartbeatTimeoutTicks(Integer.parseInt(a.get("heartbeat", "1")))
                    .inflightMessagesMax(Integer.parseInt(a.get("inflight", "256")))
                    .messageBytesMax(Long.parseLong(a.get("msgbytes", "1048576")))
                    .uncommittedBytesMax(Long.parseLong(a.get("uncommitted", "67108864")))
                    .entriesPerMessageMax(Integer.parseInt(a.get("entries", "1024")))
                    .entryBytesMax(Long.parseLong(a.get("entrybytes", "8388608")))
                    .snapshotChunkBytesMax(Integer.parseInt(a.get("chunk", "1048576")))
                    .build();
            MemoryStorage storage = join ? new MemoryStorage() : MemoryStorage.bootstrap(Membership.of(voters, learners));
            hosts.put(id, new MemoryHost(config, storage, seed));
            incarnations.put(id, 0);
        }
        out.append("added ").append(ids).append(join ? " (empty, to join)" : " " + Membership.of(voters, learners))
                .append('\n');
    }

    private void setLog(Args a, StringBuilder out) {
        long id = a.id(1);
        MemoryHost old = host(id);
        MemoryStorage storage = MemoryStorage.bootstrap(old.storage.snapshot().membership());
        List<Long> terms = a.list("terms", List.of());
        if (terms.isEmpty() || terms.get(0) != 1) {
            throw new IllegalArgumentException("set-log terms must start with 1: index 1 is the founding snapshot");
        }
        List<Entry> entries = new ArrayList<>();
        long last = 1;
        for (int i = 1; i < terms.size(); i++) {
            entries.add(new Entry(i + 1, terms.get(i), EntryType.NORMAL, new byte[0]));
            last = terms.get(i);
        }
        storage.append(entries);
        storage.setHardState(new HardState(Long.parseLong(a.get("term", Long.toString(last))), RaftNode.NONE,
                MemoryStorage.FOUNDING_SNAPSHOT_INDEX));
        storage.sync();
        hosts.put(id, new MemoryHost(old.config, storage, seed + 100));
        network.removeIf(m -> m.to() == id || m.from() == id);
        out.append(id).append(": log 1/1 (founding snapshot) + ").append(describeEntries(entries)).append('\n');
    }

    private void tick(long id, int count) {
        for (int i = 0; i < count; i++) {
            host(id).tick();
        }
    }

    private void propose(Args a, StringBuilder out) {
        MemoryHost h = host(a.id(1));
        String text = a.positional(2);
        int count = Integer.parseInt(a.get("count", "1"));
        for (int i = 0; i < count; i++) {
            String data = count == 1 ? text : text + i;
            ProposeResult r = h.node.propose(data.getBytes(StandardCharsets.UTF_8));
            if (count == 1 || !r.isAccepted() || i == count - 1) {
                out.append(r).append('\n');
            }
        }
    }

    private void proposeChange(Args a, StringBuilder out) {
        MemoryHost h = host(a.id(1));
        long node = Long.parseLong(a.positional(3));
        MembershipChange change = switch (a.positional(2)) {
            case "add-voter" -> MembershipChange.addVoter(node);
            case "add-learner" -> MembershipChange.addLearner(node);
            case "promote" -> MembershipChange.promote(node);
            case "remove" -> MembershipChange.remove(node);
            default -> throw new IllegalArgumentException("unknown change " + a.positional(2));
        };
        out.append(h.node.proposeMembershipChange(change)).append('\n');
    }

    private boolean processReady(long id, StringBuilder out) {
        if (down.contains(id)) {
            return false;
        }
        MemoryHost h = host(id);
        Ready rd = h.handleReady();
        if (rd == null) {
            return false;
        }
        out.append(id).append(" ready:\n");
        rd.softState().ifPresent(s -> out.append("  soft: ").append(s).append('\n'));
        rd.hardState().ifPresent(s -> out.append("  hard: ").append(s).append('\n'));
        for (ReceivedSnapshotChunk c : rd.receivedSnapshotChunks()) {
            out.append("  ").append(c).append('\n');
        }
        rd.snapshot().ifPresent(s -> out.append("  install: ").append(s).append('\n'));
        if (!rd.entries().isEmpty()) {
            out.append("  entries: ").append(describeEntries(rd.entries())).append('\n');
        }
        for (Message m : rd.messages()) {
            out.append("  send: ").append(describe(m)).append('\n');
        }
        for (Message m : rd.messagesAfterPersist()) {
            out.append("  send after persist: ").append(describe(m)).append('\n');
        }
        if (!rd.committedEntries().isEmpty()) {
            out.append("  committed: ").append(describeEntries(rd.committedEntries())).append('\n');
        }
        for (ReadState r : rd.readStates()) {
            out.append("  ").append(r).append('\n');
        }
        for (ReadRefused r : rd.readsRefused()) {
            out.append("  ").append(r).append('\n');
        }
        for (SnapshotChunkRequest r : rd.snapshotChunkRequests()) {
            out.append("  supply: ").append(r).append('\n');
        }
        rd.membership().ifPresent(m -> out.append("  membership: ").append(m).append('\n'));
        for (Message m : h.takeOutbox()) {
            if (cut.contains(link(m.from(), m.to())) || !hosts.containsKey(m.to())) {
                continue;
            }
            network.add(m);
        }
        return true;
    }

    private boolean deliver(List<Long> to, boolean drop, StringBuilder out) {
        List<Long> targets = to.isEmpty() ? new ArrayList<>(hosts.keySet()) : to;
        boolean any = false;
        for (long id : targets) {
            List<Message> mine = new ArrayList<>();
            network.removeIf(m -> {
                if (m.to() == id) {
                    mine.add(m);
                    return true;
                }
                return false;
            });
            if (mine.isEmpty()) {
                continue;
            }
            any = true;
            out.append(id).append(drop ? " drops:\n" : down.contains(id) ? " is down, drops:\n" : " receives:\n");
            for (Message m : mine) {
                out.append("  ").append(describe(m)).append('\n');
                if (!drop && !down.contains(id)) {
                    host(id).node.step(m);
                }
            }
        }
        return any;
    }

    private void stabilize(List<Long> ids, StringBuilder out) {
        List<Long> which = ids.isEmpty() ? new ArrayList<>(hosts.keySet()) : ids;
        for (int round = 0; round < 10_000; round++) {
            boolean moved = false;
            for (long id : which) {
                moved |= processReady(id, out);
            }
            moved |= deliver(which, false, out);
            if (!moved) {
                return;
            }
        }
        throw new AssertionError("the cluster did not stabilize in 10000 rounds");
    }

    private void crash(long id) {
        MemoryHost h = host(id);
        int incarnation = incarnations.merge(id, 1, Integer::sum);
        h.crashAndRestart(incarnation);
        network.removeIf(m -> m.to() == id);
    }

    private void status(List<Long> ids, StringBuilder out) {
        for (long id : ids.isEmpty() ? hosts.keySet() : ids) {
            Status s = host(id).node.status();
            out.append(id).append(": ").append(s.role()).append(" term=").append(s.term()).append(" leader=")
                    .append(s.leader()).append(" commit=").append(s.commit()).append(" applied=").append(s.applied())
                    .append(" last=").append(s.lastIndex()).append(' ').append(s.membership())
                    .append(s.transferTarget() != RaftNode.NONE ? " transferring to " + s.transferTarget() : "")
                    .append(down.contains(id) ? " (down)" : "").append('\n');
            for (Map.Entry<Long, PeerStatus> p : s.peers().entrySet()) {
                if (p.getKey() != id) {
                    out.append("  ").append(p.getKey()).append(": ").append(p.getValue()).append('\n');
                }
            }
        }
    }

    private void log(long id, StringBuilder out) {
        MemoryHost h = host(id);
        out.append(id).append(": ").append(h.storage.snapshot().index() > MemoryStorage.FOUNDING_SNAPSHOT_INDEX
                        ? h.storage.snapshot() + "; " : "")
                .append("log ").append(describeEntries(h.storage.allEntries())).append("; applied ");
        List<String> applied = new ArrayList<>();
        for (byte[] b : h.applied) {
            applied.add(new String(b, StandardCharsets.UTF_8));
        }
        out.append(applied.isEmpty() ? "nothing" : String.join(",", applied)).append('\n');
    }

    private void reads(List<Long> ids, StringBuilder out) {
        for (long id : ids.isEmpty() ? hosts.keySet() : ids) {
            MemoryHost h = host(id);
            for (ReadState r : h.readStates) {
                out.append(id).append(": ").append(r).append('\n');
            }
            for (ReadRefused r : h.readsRefused) {
                out.append(id).append(": ").append(r).append('\n');
            }
            h.readStates.clear();
            h.readsRefused.clear();
        }
    }

    private MemoryHost host(long id) {
        MemoryHost h = hosts.get(id);
        if (h == null) {
            throw new IllegalArgumentException("no node " + id);
        }
        return h;
    }

    private static long link(long from, long to) {
        return from * 1_000_000 + to;
    }

    // ----------------------------------------------------------------------------------------
    // Descriptions

    static String describeEntries(List<Entry> entries) {
        if (entries.isEmpty()) {
            return "[]";
        }
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < entries.size(); i++) {
            b.append(i == 0 ? "" : ", ").append(describe(entries.get(i)));
        }
        return b.append(']').toString();
    }

    static String describe(Entry e) {
        String head = e.index() + "/" + e.term();
        if (e.type() == EntryType.MEMBERSHIP) {
            return head + " " + MembershipChange.decode(e.data());
        }
        return e.data().length == 0 ? head : head + " \"" + new String(e.data(), StandardCharsets.UTF_8) + "\"";
    }

    static String describe(Message m) {
        String head = m.from() + "->" + m.to() + " ";
        if (m instanceof Message.VoteRequest v) {
            return head + (v.preVote() ? "PreVoteRequest" : "VoteRequest") + " term=" + v.term() + " last="
                    + v.lastLogIndex() + "/" + v.lastLogTerm() + (v.leadershipTransfer() ? " transfer" : "");
        }
        if (m instanceof Message.VoteResponse r) {
            return head + (r.preVote() ? "PreVoteResponse" : "VoteResponse") + " term=" + r.term()
                    + (r.granted() ? " granted" : " rejected");
        }
        if (m instanceof Message.AppendRequest a) {
            return head + "Append term=" + a.term() + " prev=" + a.prevLogIndex() + "/" + a.prevLogTerm()
                    + " entries=" + describeEntries(a.entries()) + " commit=" + a.commit();
        }
        if (m instanceof Message.AppendResponse r) {
            return head + "AppendResponse term=" + r.term() + (r.success() ? " match=" + r.matchIndex()
                    : " reject at=" + r.rejectedIndex() + " hint=" + r.hintIndex() + "/" + r.hintTerm());
        }
        if (m instanceof Message.Heartbeat h) {
            return head + "Heartbeat term=" + h.term() + " commit=" + h.commit()
                    + (h.readRound() > 0 ? " round=" + h.readRound() : "");
        }
        if (m instanceof Message.HeartbeatResponse h) {
            return head + "HeartbeatResponse term=" + h.term() + (h.readRound() > 0 ? " round=" + h.readRound() : "");
        }
        if (m instanceof Message.ReadIndexRequest r) {
            return head + "ReadIndexRequest term=" + r.term() + " request=" + r.requestId();
        }
        if (m instanceof Message.ReadIndexResponse r) {
            return head + "ReadIndexResponse term=" + r.term() + " request=" + r.requestId() + " index=" + r.readIndex();
        }
        if (m instanceof Message.ReadIndexRefused r) {
            return head + "ReadIndexRefused term=" + r.term() + " request=" + r.requestId() + " " + r.reason();
        }
        if (m instanceof Message.TimeoutNow t) {
            return head + "TimeoutNow term=" + t.term();
        }
        if (m instanceof Message.SnapshotChunk c) {
            return head + "SnapshotChunk term=" + c.term() + " snapshot=" + c.snapshot().index() + "/"
                    + c.snapshot().term() + " offset=" + c.offset() + " bytes=" + c.data().length + (c.last() ? " last" : "");
        }
        if (m instanceof Message.SnapshotChunkResponse r) {
            return head + "SnapshotChunkResponse term=" + r.term() + " snapshot=" + r.snapshotIndex()
                    + (r.done() ? " done" : r.failed() ? " failed" : " next=" + r.nextOffset());
        }
        throw new IllegalArgumentException("unknown message " + m);
    }

    /** A command's words: positional ones and key=value ones. */
    private static final class Args {
        private final List<String> positional = new ArrayList<>();
        private final Map<String, String> named = new LinkedHashMap<>();

        Args(String[] words) {
            for (String w : words) {
                int eq = w.indexOf('=');
                if (eq > 0) {
                    named.put(w.substring(0, eq), w.substring(eq + 1));
                } else {
                    positional.add(w);
                }
            }
        }

        String positional(int i) {
            return i < positional.size() ? positional.get(i) : null;
        }

        long id(int i) {
            String p = positional(i);
            if (p == null) {
                throw new IllegalArgumentException("missing node id at position " + i);
            }
            return Long.parseLong(p);
        }

        List<Long> ids(int from) {
            List<Long> ids = new ArrayList<>();
            for (int i = from; i < positional.size(); i++) {
                ids.add(Long.parseLong(positional.get(i)));
            }
            return ids;
        }

        String get(String key, String dflt) {
            return named.getOrDefault(key, dflt);
        }

        List<Long> list(String key, List<Long> dflt) {
            String v = named.get(key);
            if (v == null) {
                return dflt;
            }
            v = v.replace("(", "").replace(")", "");
            List<Long> out = new ArrayList<>();
            if (!v.isEmpty()) {
                for (String s : v.split(",")) {
                    out.add(Long.parseLong(s));
                }
            }
            return out;
        }
    }
}
