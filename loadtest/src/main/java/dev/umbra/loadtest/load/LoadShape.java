package dev.umbra.loadtest.load;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/** How the load is applied: on a schedule (open loop) or by a fixed number of clients (closed loop). */
public sealed interface LoadShape {

    /** The measured part's length (without the warm-up). */
    Duration duration();

    /**
     * Requests leave on a schedule whatever the answers do, as independent users send them; a slow system gets a
     * growing queue, which is what it would get in production.
     *
     * @param steps          the rates, one after another (one step for a constant rate)
     * @param arrivals       how requests are spaced within a step
     * @param maxOutstanding at most this many requests unanswered: a request due while the guard is full is not
     *                       sent and counts as dropped, so that a stalled worker cannot make the tool eat memory
     */
    record OpenLoop(List<RateStep> steps, Arrivals arrivals, int maxOutstanding) implements LoadShape {

        public static final int DEFAULT_MAX_OUTSTANDING = 100_000;

        public OpenLoop {
            steps = List.copyOf(steps);
            if (steps.isEmpty()) {
                throw new IllegalArgumentException("an open loop needs at least one rate");
            }
            Objects.requireNonNull(arrivals, "arrivals");
            if (maxOutstanding < 1) {
                throw new IllegalArgumentException("max outstanding must be at least 1 (got " + maxOutstanding + ")");
            }
        }

        @Override
        public Duration duration() {
            return steps.stream().map(RateStep::duration).reduce(Duration.ZERO, Duration::plus);
        }
    }

    /**
     * N clients, each sending its next request as soon as its last one is answered: never more than N outstanding.
     * It finds the throughput at a given concurrency, but its latencies are those of a client that politely waits,
     * not of independent users.
     *
     * @param concurrency N, at least 1
     * @param duration    how long, positive
     */
    record ClosedLoop(int concurrency, Duration duration) implements LoadShape {
        public ClosedLoop {
            if (concurrency < 1) {
                throw new IllegalArgumentException("concurrency must be at least 1 (got " + concurrency + ")");
            }
            Objects.requireNonNull(duration, "duration");
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("the duration must be longer than zero (got " + duration + ")");
            }
        }
    }
}
