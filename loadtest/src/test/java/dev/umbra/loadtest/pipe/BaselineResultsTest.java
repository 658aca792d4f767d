package dev.umbra.loadtest.pipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.schemas.EventCodec;
import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.PromptRequest;
import dev.umbra.schemas.Status;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BaselineResultsTest {

    private static final EventCodec CODEC = new EventCodec();

    private static PromptRequest request(String id, int images) {
        return PromptRequest.newBuilder().setRequestId(id).setPrompt("a red circle").setNumImages(images)
                .setSeed(10L).setCreatedAt(Instant.now().minusMillis(3)).setMetadata(Map.of("k", "v")).build();
    }

    @Test
    void resultsAreWorkerShapedOkAnswersToTheRequest() {
        BaselineResults results = new BaselineResults(CODEC, "base-1", 64, 0);
        ImageResult r = CODEC.decodeImageResult(results.encode(request("lt-x-7", 3), Instant.now()).value());
        assertEquals("lt-x-7", r.getRequestId());
        assertEquals(Status.OK, r.getStatus());
        assertEquals(3, r.getImages().size());
        assertEquals(12L, r.getImages().get(2).getSeed());
        assertEquals(64, r.getImages().get(0).getImageEmbedding().size());
        assertEquals(3, r.getBatchSize());
        assertEquals(Map.of("k", "v"), r.getMetadata());
        assertEquals("base-1", r.getWorkerId());
        assertTrue(r.getTimings().getQueueWaitMs() >= 2.0, "queue wait from created_at");
    }

    /** Every size from just above the unpadded one to past the 2- and 3-byte length boundaries, exactly. */
    @Test
    void paddedResultsHaveExactlyTheAskedSize() {
        BaselineResults natural = new BaselineResults(CODEC, "base-1", 16, 0);
        int unpadded = natural.encode(request("lt-x-1", 1), Instant.now()).value().length;
        for (int target = unpadded + 1; target < unpadded + 20_000; target += target < unpadded + 300 ? 1 : 97) {
            BaselineResults padded = new BaselineResults(CODEC, "base-1", 16, target);
            BaselineResults.Encoded e = padded.encode(request("lt-x-1", 1), Instant.now());
            assertEquals(target, e.value().length, "target " + target);
            assertTrue(e.fits());
            assertEquals("lt-x-1", CODEC.decodeImageResult(e.value()).getRequestId());
        }
    }

    @Test
    void aTargetBelowTheUnpaddedSizeIsReportedAndSentUnpadded() {
        BaselineResults small = new BaselineResults(CODEC, "base-1", 1280, 100);
        BaselineResults.Encoded e = small.encode(request("lt-x-1", 1), Instant.now());
        assertFalse(e.fits());
        assertTrue(e.value().length > 5000);
    }

    @Test
    void paddingAccountsForVariableLengthLengths() {
        assertEquals(0, BaselineResults.paddingFor(0));
        assertEquals(63, BaselineResults.paddingFor(63));
        assertEquals(-1, BaselineResults.paddingFor(64), "63 bytes add 63, 64 bytes add 65: 64 is out of reach");
        assertEquals(64, BaselineResults.paddingFor(65));
        assertEquals(8190, BaselineResults.paddingFor(8191));
    }
}
