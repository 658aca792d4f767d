package dev.umbra.loadtest.load;

import dev.umbra.loadtest.measure.Segment;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The intended send times of an open-loop run, as offsets from its start, one segment after another. Constant
 * arrivals put the k-th request of a segment at {@code start + k / rate} (computed from k, so that rounding never
 * drifts); Poisson arrivals draw exponential gaps of mean {@code 1 / rate}, and at a segment's end start afresh from
 * the next one's start at its rate (the process is memoryless, so that is still Poisson). Not thread-safe: one sender
 * walks it.
 */
public final class ArrivalSchedule {

    private static final double NANOS_PER_SECOND = 1e9;

    private final List<Segment> segments;
    private final Arrivals arrivals;
    private final SplittableRandom random;
    private int segment;
    private long k;
    private double poissonAt = Double.NaN;

    /**
     * @param segments contiguous, each with a positive target rate
     * @param seed     of the Poisson gaps (unused for constant arrivals)
     */
    public ArrivalSchedule(List<Segment> segments, Arrivals arrivals, long seed) {
        this.segments = List.copyOf(segments);
        for (Segment s : this.segments) {
            if (!(s.targetRate() > 0)) {
                throw new IllegalArgumentException("segment " + s.index() + " has no positive rate: " + s.targetRate());
            }
        }
        this.arrivals = arrivals;
        this.random = new SplittableRandom(seed);
    }

    /** The next intended send time in nanoseconds from the start, or -1 once the last segment is over. */
    public long next() {
        while (segment < segments.size()) {
            Segment s = segments.get(segment);
            long at = arrivals == Arrivals.CONSTANT ? nextConstant(s) : nextPoisson(s);
            if (at >= 0) {
                return at;
            }
            segment++;
            k = 0;
            poissonAt = Double.NaN;
        }
        return -1;
    }

    private long nextConstant(Segment s) {
        long at = s.startNanos() + Math.round(k * NANOS_PER_SECOND / s.targetRate());
        if (at >= s.endNanos()) {
            return -1;
        }
        k++;
        return at;
    }

    private long nextPoisson(Segment s) {
        double from = Double.isNaN(poissonAt) ? s.startNanos() : poissonAt;
        // Inverse transform: -ln(U) is exponential with mean 1; 1 - nextDouble() is in (0, 1], never ln(0).
        poissonAt = from - Math.log(1.0 - random.nextDouble()) * NANOS_PER_SECOND / s.targetRate();
        return poissonAt >= s.endNanos() ? -1 : (long) poissonAt;
    }
}
