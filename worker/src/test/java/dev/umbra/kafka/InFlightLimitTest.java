package dev.umbra.kafka;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class InFlightLimitTest {

    @Test
    void pausesAtTheBoundOnceAndResumesAtHalf() {
        InFlightLimit limit = new InFlightLimit(10);
        assertFalse(limit.acquire(6));
        assertTrue(limit.acquire(4), "10 of 10 rows: pause");
        assertFalse(limit.acquire(8), "already paused");
        assertFalse(limit.release(8), "10 rows left");
        assertFalse(limit.release(4), "6 rows: above the low mark");
        assertTrue(limit.release(1), "5 rows: resume");
        assertFalse(limit.paused());
        assertFalse(limit.release(5));
    }

    @Test
    void boundMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new InFlightLimit(0));
    }
}
