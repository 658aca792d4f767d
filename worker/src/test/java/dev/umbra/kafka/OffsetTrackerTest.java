package dev.umbra.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Per-partition completion: only the highest contiguous done offset + 1 is ever committable. */
class OffsetTrackerTest {

    private final OffsetTracker<String> tracker = new OffsetTracker<>();

    @Test
    void outOfOrderCompletionCommitsOnlyTheContiguousPrefix() {
        var t0 = tracker.track("p0", 0);
        var t1 = tracker.track("p0", 1);
        var t2 = tracker.track("p0", 2);
        assertEquals(Map.of(), tracker.committable());
        t2.done();
        t1.done();
        assertEquals(Map.of(), tracker.committable(), "offset 0 still open");
        t0.done();
        assertEquals(Map.of("p0", 3L), tracker.committable());
        assertEquals(0, tracker.outstanding());
    }

    @Test
    void offsetGapsAreNotHoles() {
        // Compaction or transaction markers: offsets 5 and 9 are all there is.
        var a = tracker.track("p0", 5);
        var b = tracker.track("p0", 9);
        a.done();
        assertEquals(Map.of("p0", 6L), tracker.committable());
        b.done();
        assertEquals(Map.of("p0", 10L), tracker.committable());
    }

    @Test
    void partitionsAreIndependentAndCommittedOnesAreNotOfferedAgain() {
        var a0 = tracker.track("a", 0);
        var b0 = tracker.track("b", 0);
        tracker.track("b", 1);
        a0.done();
        b0.done();
        assertEquals(Map.of("a", 1L, "b", 1L), tracker.committable());
        tracker.committed("a", 1);
        assertEquals(Map.of("b", 1L), tracker.committable());
        assertEquals(1, tracker.outstanding());
    }

    @Test
    void revokedPartitionIsForgottenAndLateCompletionsAreIgnored() {
        var a0 = tracker.track("a", 0);
        var a1 = tracker.track("a", 1);
        var b0 = tracker.track("b", 0);
        a0.done();
        tracker.revoke(List.of("a"));
        assertEquals(1, tracker.outstanding(), "only b's record is still open");
        a1.done();
        assertEquals(1, tracker.outstanding());
        assertEquals(Map.of(), tracker.committable());
        // Reassigned later: the redelivered offset 1 is tracked afresh.
        var again = tracker.track("a", 1);
        again.done();
        b0.done();
        assertEquals(Map.of("a", 2L, "b", 1L), tracker.committable());
    }

    @Test
    void doneTwiceCountsOnce() {
        var t = tracker.track("p", 0);
        tracker.track("p", 1);
        t.done();
        t.done();
        assertEquals(1, tracker.outstanding());
    }

    @Test
    void rewindStartsThePartitionAfresh() {
        tracker.track("p", 0).done();
        tracker.track("p", 1);
        var again = tracker.track("p", 0);
        assertEquals(1, tracker.outstanding());
        again.done();
        assertEquals(Map.of("p", 1L), tracker.committable());
    }

    @Test
    void revokedPartitionsTellTheirTicketsAndWhatWasAnsweredCanStillBeCommitted() {
        OffsetTracker<String> t = new OffsetTracker<>();
        OffsetTracker<String>.Ticket a0 = t.track("a", 0);
        OffsetTracker<String>.Ticket a1 = t.track("a", 1);
        OffsetTracker<String>.Ticket b0 = t.track("b", 0);
        a0.done();
        b0.done();
        // Before dropping a revoked partition, its answered prefix is what to commit for it.
        assertEquals(java.util.Map.of("a", 1L), t.committable(java.util.List.of("a")));
        t.revoke(java.util.List.of("a"));
        assertFalse(a1.active(), "the next owner answers it: not published here");
        assertTrue(b0.active());
        a1.done(); // ignored
        assertEquals(java.util.Map.of("b", 1L), t.committable());
        assertEquals(0, t.outstanding());
    }

    @Test
    void anIdlePartitionCommitsPastOffsetsThatHoldNoRecordsButNeverPastAnOpenOne() {
        var a = tracker.track("p", 0);
        var b = tracker.track("p", 1);
        a.done();
        assertEquals(Map.of(), tracker.idle(), "offset 1 is still open");
        assertFalse(tracker.skipTo("p", 1, 3), "never past an open record");
        b.done();
        assertEquals(Map.of("p", 1L), tracker.idle());
        // A record tracked after idle() was read: the position asked before it may not be trusted.
        var c = tracker.track("p", 3);
        c.done();
        assertFalse(tracker.skipTo("p", 1, 5), "a record came in between");
        assertEquals(Map.of("p", 4L), tracker.committable());
        // Offset 4 is a transaction marker: the consumer's position is 5.
        assertEquals(Map.of("p", 3L), tracker.idle());
        assertTrue(tracker.skipTo("p", 3, 5));
        assertEquals(Map.of("p", 5L), tracker.committable());
        assertFalse(tracker.skipTo("p", 3, 5), "already there");
        assertFalse(tracker.skipTo("gone", 0, 9), "a partition not tracked");
    }
}
