package dev.umbra.loadtest.pipe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AckedOffsetsTest {

    @Test
    void theCommitMarkMovesOnlyPastContiguousAcknowledgedRecords() {
        AckedOffsets<String> offsets = new AckedOffsets<>();
        for (long o = 10; o < 14; o++) {
            offsets.track("p0", o);
        }
        offsets.done("p0", 11);
        offsets.done("p0", 13);
        assertEquals(Map.of(), offsets.committable(), "10 is still unanswered");
        offsets.done("p0", 10);
        assertEquals(Map.of("p0", 12L), offsets.committable());
        offsets.committed("p0", 12);
        assertEquals(Map.of(), offsets.committable());
        assertEquals(1, offsets.outstanding());
        offsets.done("p0", 12);
        assertEquals(Map.of("p0", 14L), offsets.committable());
    }

    @Test
    void revokedPartitionsAreForgotten() {
        AckedOffsets<String> offsets = new AckedOffsets<>();
        offsets.track("p0", 0);
        offsets.track("p1", 0);
        offsets.revoke(List.of("p0"));
        offsets.done("p0", 0);
        offsets.done("p1", 0);
        assertEquals(Map.of("p1", 1L), offsets.committable());
    }
}
