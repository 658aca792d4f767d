package dev.umbra.loadtest.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.loadtest.measure.Segment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArrivalScheduleTest {

    private static List<Long> all(ArrivalSchedule schedule) {
        List<Long> offsets = new ArrayList<>();
        for (long t = schedule.next(); t >= 0; t = schedule.next()) {
            offsets.add(t);
        }
        return offsets;
    }

    @Test
    void poissonGapsAverageOneOverTheRate() {
        double rate = 2000;
        List<Segment> one = List.of(new Segment(0, false, rate, 0, Duration.ofSeconds(60).toNanos()));
        List<Long> t = all(new ArrivalSchedule(one, Arrivals.POISSON, 42));
        int n = t.size() - 1;
        double sum = 0;
        double sumSq = 0;
        for (int i = 1; i < t.size(); i++) {
            double gap = (t.get(i) - t.get(i - 1)) / 1e9;
            sum += gap;
            sumSq += gap * gap;
        }
        double mean = sum / n;
        double sd = Math.sqrt(sumSq / n - mean * mean);
        assertTrue(n > 100_000, "draws: " + n);
        assertEquals(1 / rate, mean, 0.02 / rate, "mean gap");
        // Exponential gaps have a standard deviation equal to their mean; evenly spaced ones have none.
        assertEquals(1.0, sd / mean, 0.05, "coefficient of variation");
        assertEquals(rate * 60, t.size(), 0.02 * rate * 60, "arrivals in 60 s");
    }

    @Test
    void poissonIsReproducibleFromItsSeed() {
        List<Segment> one = List.of(new Segment(0, false, 100, 0, Duration.ofSeconds(5).toNanos()));
        assertEquals(all(new ArrivalSchedule(one, Arrivals.POISSON, 7)), all(new ArrivalSchedule(one, Arrivals.POISSON, 7)));
        assertNotEquals(all(new ArrivalSchedule(one, Arrivals.POISSON, 7)), all(new ArrivalSchedule(one, Arrivals.POISSON, 8)));
    }

    @Test
    void constantArrivalsAreEvenAndExactPerStepOfARamp() {
        LoadPlan plan = new LoadPlan(new LoadShape.OpenLoop(List.of(
                new RateStep(50, Duration.ofSeconds(2)), new RateStep(100, Duration.ofSeconds(2)),
                new RateStep(300, Duration.ofSeconds(2))), Arrivals.CONSTANT, 10),
                Duration.ofSeconds(1), Duration.ZERO, Duration.ZERO, 1);
        List<Segment> segments = plan.segments();
        assertEquals(4, segments.size());
        assertTrue(segments.get(0).warmup());
        List<Long> t = all(new ArrivalSchedule(segments, Arrivals.CONSTANT, 1));
        int[] perSegment = new int[segments.size()];
        for (long offset : t) {
            for (Segment s : segments) {
                if (s.contains(offset)) {
                    perSegment[s.index()]++;
                }
            }
        }
        // The warm-up runs at the first rate.
        assertEquals(List.of(50, 100, 200, 600), List.of(perSegment[0], perSegment[1], perSegment[2], perSegment[3]));
        assertEquals(t.size(), 950);
        // Inside the 300/s step the gaps are 1/300 s, to the nanosecond's rounding.
        long stepStart = Duration.ofSeconds(5).toNanos();
        List<Long> last = t.stream().filter(x -> x >= stepStart).toList();
        assertEquals(stepStart, last.get(0));
        for (int i = 1; i < last.size(); i++) {
            assertEquals(1e9 / 300, last.get(i) - last.get(i - 1), 1.0);
        }
    }

    @Test
    void aRateMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new RateStep(-5, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new RateStep(0, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new RateStep(Double.NaN, Duration.ofSeconds(1)));
    }
}
