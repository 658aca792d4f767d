package dev.umbra.kafka;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which offsets of each partition may be committed: records finish out of order (batches, dead letters, rejections),
 * and an offset may be committed only when every record before it in its partition is done.
 *
 * <p>Each delivered record is {@link #track tracked} and gets a {@link Ticket}; {@link Ticket#done()} marks it done
 * once its answer is acknowledged. {@link #committable()} then gives, per partition, the highest contiguous done offset
 * + 1. Offsets need not be consecutive (compaction, transaction markers): "contiguous" means no tracked offset below it
 * is still open.
 *
 * <p>Not thread-safe: the Kafka edge uses it on its event loop only.
 *
 * @param <P> the partition type
 */
final class OffsetTracker<P> {

    private static final Logger LOG = LoggerFactory.getLogger(OffsetTracker.class);

    /** Progress of one partition since it was (last) assigned. */
    private static final class PartitionState {
        // Offset -> done, for records delivered and not yet below the contiguous done mark.
        final TreeMap<Long, Boolean> open = new TreeMap<>();
        long lastTracked = -1;
        long nextToCommit = -1; // highest contiguous done offset + 1; -1 while nothing is done
        long committed = -1;    // the last committed value of nextToCommit
        boolean active = true;
    }

    /** One tracked record; {@link #done()} is idempotent and ignored once its partition was revoked. */
    final class Ticket {
        private final P partition;
        private final PartitionState state;
        private final long offset;
        private boolean done;

        private Ticket(P partition, PartitionState state, long offset) {
            this.partition = partition;
            this.state = state;
            this.offset = offset;
        }

        void done() {
            if (done || !state.active) {
                done = true;
                return;
            }
            done = true;
            outstanding--;
            state.open.put(offset, Boolean.TRUE);
            while (!state.open.isEmpty() && state.open.firstEntry().getValue()) {
                state.nextToCommit = state.open.pollFirstEntry().getKey() + 1;
            }
        }

        long offset() {
            return offset;
        }

        P partition() {
            return partition;
        }

        /** False once its partition was revoked: the partition's next owner answers the record again. */
        boolean active() {
            return state.active;
        }
    }

    private final Map<P, PartitionState> partitions = new HashMap<>();
    private int outstanding;

    /** Starts tracking a delivered record. */
    Ticket track(P partition, long offset) {
        PartitionState state = partitions.computeIfAbsent(partition, p -> new PartitionState());
        if (offset <= state.lastTracked) {
            // A rewind (a seek, or a redelivery without a revocation): start the partition afresh.
            LOG.warn("offset {} of {} delivered again after {}; tracking it afresh", offset, partition, state.lastTracked);
            drop(partition);
            state = partitions.computeIfAbsent(partition, p -> new PartitionState());
        }
        state.lastTracked = offset;
        state.open.put(offset, Boolean.FALSE);
        outstanding++;
        return new Ticket(partition, state, offset);
    }

    /** Per partition, the offset to commit (highest contiguous done + 1), where it moved past the last commit. */
    Map<P, Long> committable() {
        Map<P, Long> result = new LinkedHashMap<>();
        partitions.forEach((p, s) -> {
            if (s.nextToCommit > s.committed) {
                result.put(p, s.nextToCommit);
            }
        });
        return result;
    }

    /** {@link #committable()} for some partitions only. */
    Map<P, Long> committable(Collection<P> of) {
        Map<P, Long> result = committable();
        result.keySet().retainAll(of);
        return result;
    }

    /**
     * Partitions whose every tracked record is done, with the offset of the last one: where the consumer's position
     * may be further on, past offsets that hold no records (transaction markers, compacted gaps).
     */
    Map<P, Long> idle() {
        Map<P, Long> result = new LinkedHashMap<>();
        partitions.forEach((p, s) -> {
            if (s.open.isEmpty() && s.lastTracked >= 0 && s.nextToCommit == s.lastTracked + 1) {
                result.put(p, s.lastTracked);
            }
        });
        return result;
    }

    /**
     * Moves an idle partition's commit point on to the consumer's {@code position}, past offsets that hold no records:
     * a topic written in transactions ends each one with a marker, and committing only past the last record would
     * leave a lag of one for ever. Only while nothing was tracked since {@code lastTracked} was read with
     * {@link #idle()}: records up to the position have reached the tracker by then (the position comes back behind
     * them), so none is skipped.
     *
     * @return whether the commit point moved
     */
    boolean skipTo(P partition, long lastTracked, long position) {
        PartitionState state = partitions.get(partition);
        if (state == null || state.lastTracked != lastTracked || !state.open.isEmpty()
                || state.nextToCommit != lastTracked + 1 || position <= state.nextToCommit) {
            return false;
        }
        state.nextToCommit = position;
        // The next record tracked is at the position or beyond: keep "delivered again" detection as it was.
        return true;
    }

    /** Records that a commit of {@code offset} for {@code partition} succeeded. */
    void committed(P partition, long offset) {
        PartitionState state = partitions.get(partition);
        if (state != null) {
            state.committed = Math.max(state.committed, offset);
        }
    }

    /** Forgets revoked partitions: their open records will be redelivered to whoever owns them next. */
    void revoke(Collection<P> revoked) {
        revoked.forEach(this::drop);
    }

    /** Tracked records not yet done, over all partitions. */
    int outstanding() {
        return outstanding;
    }

    /** Tracked records not yet done in some partitions. */
    int outstanding(Collection<P> of) {
        int n = 0;
        for (P p : of) {
            PartitionState state = partitions.get(p);
            if (state != null) {
                n += (int) state.open.values().stream().filter(done -> !done).count();
            }
        }
        return n;
    }

    private void drop(P partition) {
        PartitionState state = partitions.remove(partition);
        if (state != null) {
            state.active = false;
            outstanding -= (int) state.open.values().stream().filter(done -> !done).count();
        }
    }
}
