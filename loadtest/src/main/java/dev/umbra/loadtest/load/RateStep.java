package dev.umbra.loadtest.load;

import java.time.Duration;
import java.util.Objects;

/**
 * A target rate held for a while: the whole of {@code --rate R --duration D}, or one step of a ramp.
 *
 * @param perSecond requests per second, positive and finite
 * @param duration  how long, positive
 */
public record RateStep(double perSecond, Duration duration) {

    public RateStep {
        if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
            throw new IllegalArgumentException("a rate must be a positive number of requests per second (got "
                    + perSecond + ")");
        }
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("a step must last longer than zero (got " + duration + ")");
        }
    }
}
