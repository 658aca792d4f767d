package dev.umbra.loadtest.pipe;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which offsets may be committed: a record is done once the broker acknowledged its answer, answers are acknowledged
 * out of order, and a partition's offset moves only past a contiguous run of done records. The same rule as the
 * worker's, so that the baseline delivers exactly as it does (at least once, nothing committed unanswered). Not
 * thread-safe: the pass-through's poll thread owns it.
 *
 * @param <P> the partition type
 */
final class AckedOffsets<P> {

    /** Open records of one partition: offset -> done, lowest first. */
    private static final class Partition {
        final TreeMap<Long, Boolean> open = new TreeMap<>();
        long next = -1;      // highest contiguous done offset + 1; -1 while none is done
        long committed = -1; // last committed value of next
    }

    private final Map<P, Partition> partitions = new HashMap<>();

    void track(P partition, long offset) {
        partitions.computeIfAbsent(partition, p -> new Partition()).open.put(offset, Boolean.FALSE);
    }

    /** Marks a tracked record done; ignored for a partition revoked meanwhile. */
    void done(P partition, long offset) {
        Partition p = partitions.get(partition);
        if (p == null || !p.open.containsKey(offset)) {
            return;
        }
        p.open.put(offset, Boolean.TRUE);
        while (!p.open.isEmpty() && p.open.firstEntry().getValue()) {
            p.next = p.open.pollFirstEntry().getKey() + 1;
        }
    }

    /** Per partition, the offset to commit, where it moved past the last commit. */
    Map<P, Long> committable() {
        Map<P, Long> result = new LinkedHashMap<>();
        partitions.forEach((k, p) -> {
            if (p.next > p.committed) {
                result.put(k, p.next);
            }
        });
        return result;
    }

    void committed(P partition, long offset) {
        Partition p = partitions.get(partition);
        if (p != null) {
            p.committed = Math.max(p.committed, offset);
        }
    }

    /** Forgets partitions: their open records go to whoever owns them next. */
    void revoke(Collection<P> revoked) {
        revoked.forEach(partitions::remove);
    }

    /** Records tracked and not yet done. */
    int outstanding() {
        int n = 0;
        for (Partition p : partitions.values()) {
            for (boolean done : p.open.values()) {
                n += done ? 0 : 1;
            }
        }
        return n;
    }
}
