package dev.umbra.loadtest.load;

import dev.umbra.loadtest.measure.Segment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A whole run: the load, a warm-up before it, and how long to wait for the last answers.
 *
 * @param shape  open or closed loop
 * @param warmup sent before the measured part at its first rate (or concurrency) and left out of the figures; may be 0
 * @param grace  after the last send, how long to wait for answers before counting the rest lost; in closed loop also
 *               how long one request may stay unanswered before its slot is given back
 * @param settle once everything is answered, how long to keep listening for duplicates before stopping (within the
 *               grace period)
 * @param seed   for Poisson gaps and the choice of prompts
 */
public record LoadPlan(LoadShape shape, Duration warmup, Duration grace, Duration settle, long seed) {

    public static final Duration DEFAULT_GRACE = Duration.ofSeconds(10);
    public static final Duration DEFAULT_SETTLE = Duration.ofSeconds(1);

    public LoadPlan {
        Objects.requireNonNull(shape, "shape");
        requireNotNegative("warmup", warmup);
        requireNotNegative("grace", grace);
        requireNotNegative("settle", settle);
    }

    /** The run's segments, offsets from its start: the warm-up (if any), then each step. */
    public List<Segment> segments() {
        List<Segment> segments = new ArrayList<>();
        long at = 0;
        double firstRate = shape instanceof LoadShape.OpenLoop open ? open.steps().get(0).perSecond() : Double.NaN;
        if (!warmup.isZero()) {
            segments.add(new Segment(0, true, firstRate, 0, warmup.toNanos()));
            at = warmup.toNanos();
        }
        if (shape instanceof LoadShape.OpenLoop open) {
            for (RateStep step : open.steps()) {
                long end = at + step.duration().toNanos();
                segments.add(new Segment(segments.size(), false, step.perSecond(), at, end));
                at = end;
            }
        } else {
            segments.add(new Segment(segments.size(), false, Double.NaN, at, at + shape.duration().toNanos()));
        }
        return segments;
    }

    /** Warm-up plus the measured part. */
    public Duration sendingTime() {
        return warmup.plus(shape.duration());
    }

    private static void requireNotNegative(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative (got " + d + ")");
        }
    }
}
