package dev.umbra.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The in-flight bound follows the answer rate: rate x 250 ms, at most halved or doubled per step, within bounds. */
class InFlightTunerTest {

    private static final long STEP = 200_000_000L;   // 200 ms

    @Test
    void aFastPipelineGrowsTheBoundByDoublingUpToTheRateItShows() {
        InFlightTuner tuner = new InFlightTuner(64, 4096, 250);
        // 64 rows answered every 200 ms at first (320/s): the target 80 is reached at once.
        assertEquals(80, tuner.next(64, 64, STEP));
        // The pipeline answers 20,000 rows/s: the smoothed rate climbs, the bound doubles each step.
        int bound = 80;
        int[] seen = new int[6];
        for (int i = 0; i < 6; i++) {
            bound = tuner.next(bound, 4000, STEP);
            seen[i] = bound;
        }
        assertEquals(160, seen[0]);
        assertEquals(320, seen[1]);
        assertEquals(640, seen[2]);
        assertEquals(1280, seen[3]);
        assertEquals(2560, seen[4]);
        // 20,000/s x 0.25 s = 5,000, above the most.
        assertEquals(4096, seen[5]);
    }

    @Test
    void aSlowModelKeepsTheBoundAtItsLeast() {
        InFlightTuner tuner = new InFlightTuner(64, 4096, 250);
        // 10 rows/s: 2.5 rows' worth is all the model needs in flight; the least (4 batches) keeps it busy.
        int bound = 64;
        for (int i = 0; i < 20; i++) {
            bound = tuner.next(bound, 2, STEP);
        }
        assertEquals(64, bound);
    }

    @Test
    void whenTheRateFallsTheBoundComesDownByHalvesAtMost() {
        InFlightTuner tuner = new InFlightTuner(64, 4096, 250);
        int bound = 4096;
        tuner.next(bound, 4000, STEP);   // 20,000/s
        bound = tuner.next(bound, 0, STEP);   // nothing answered: smoothed 10,000/s -> 2,500
        assertEquals(2500, bound);
        bound = tuner.next(bound, 0, STEP);   // 5,000/s -> 1,250
        assertEquals(1250, bound);
        bound = tuner.next(bound, 0, STEP);   // 2,500/s -> 625, exactly half
        assertEquals(625, bound);
        assertEquals(2048, new InFlightTuner(64, 4096, 250).next(4096, 0, STEP),
                "a rate of nothing at once: never more than halved in one step");
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new InFlightTuner(0, 10, 250));
        assertThrows(IllegalArgumentException.class, () -> new InFlightTuner(10, 5, 250));
        assertThrows(IllegalArgumentException.class, () -> new InFlightTuner(10, 50, 0));
    }
}
