package dev.umbra.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.batch.Batch;
import dev.umbra.batch.BatchItem;
import dev.umbra.model.PriorNoise;
import dev.umbra.schemas.GeneratedImage;
import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.PromptRequest;
import dev.umbra.schemas.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Admission, row expansion, result assembly, expiry and failure of the worker core, on a hand-moved clock. */
class InferenceServiceTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private ScriptedEngine engine;
    private ManualClock clock;
    private InferenceService service;

    @BeforeEach
    void setUp() {
        engine = new ScriptedEngine();
        clock = new ManualClock(T0.plusMillis(30));
        service = new InferenceService(engine, new WorkerLimits(100, 4), "worker-7", clock, () -> 4242L);
    }

    private static PromptRequest.Builder request(String id, String prompt) {
        return PromptRequest.newBuilder().setRequestId(id).setPrompt(prompt).setCreatedAt(T0)
                .setMetadata(Map.of("tenant", "t1"));
    }

    private InferenceJob accept(PromptRequest request) {
        Admission admission = service.admit(request, clock.now(), clock.nanoTime());
        return assertInstanceOf(Admission.Accepted.class, admission).job();
    }

    private Batch<InferenceJob> batch(long sequence, InferenceJob... jobs) {
        List<BatchItem<InferenceJob>> items = java.util.Arrays.stream(jobs)
                .map(j -> new BatchItem<>(j, j.rows(), j.receivedAtNanos())).toList();
        return new Batch<>(sequence, items, items.stream().mapToInt(BatchItem::rows).sum(), clock.nanoTime());
    }

    @Test
    void invalidRequestIsAnsweredRejectedAtOnceWithItsReason() {
        Admission admission = service.admit(request("bad", " ").build(), clock.now(), clock.nanoTime());
        ImageResult r = assertInstanceOf(Admission.Answered.class, admission).answer().result();
        assertEquals(Status.REJECTED, r.getStatus());
        assertEquals("EMPTY_PROMPT", r.getErrorCode());
        assertTrue(r.getImages().isEmpty());
        assertNull(r.getBatchId());
        assertEquals(0, r.getBatchSize());
        assertEquals(30.0, r.getTimings().getQueueWaitMs(), 1e-9);
        assertEquals(0.0, r.getTimings().getPriorMs());
        assertEquals("worker-7", r.getWorkerId());
        assertEquals(ScriptedEngine.NAME, r.getModel().getName());
        assertEquals(Map.of("tenant", "t1"), r.getMetadata());
        assertTrue(engine.calls.isEmpty());
    }

    @Test
    void requestPastItsDeadlineOnArrivalIsExpired() {
        PromptRequest late = request("late", "a cat").setDeadline(T0.plusMillis(10)).build();
        ImageResult r = assertInstanceOf(Admission.Answered.class,
                service.admit(late, clock.now(), clock.nanoTime())).answer().result();
        assertEquals(Status.EXPIRED, r.getStatus());
        assertEquals("DEADLINE_EXCEEDED", r.getErrorCode());
    }

    @Test
    void seedIsKeptOrDrawnWhenAbsent() {
        assertEquals(99L, accept(request("a", "x").setSeed(99L).build()).seed());
        assertEquals(4242L, accept(request("b", "x").build()).seed());
    }

    @Test
    void batchRunsEveryImageAndNegativeRowInOneCallAndAssemblesResults() {
        InferenceJob two = accept(request("two", "a red cube").setNumImages(2).setSeed(10L).build());
        clock.advance(Duration.ofMillis(5));
        InferenceJob negative = accept(request("neg", "a blue ball").setSeed(5L).setNegativePrompt("blurry").build());
        clock.advance(Duration.ofMillis(7));

        List<Answer> answers = service.process(batch(3, two, negative));

        assertEquals(1, engine.calls.size());
        ScriptedEngine.Call call = engine.calls.get(0);
        assertEquals(List.of("a red cube", "a red cube", "a blue ball", "blurry"), call.prompts());
        long[] seeds = {10, 11, 5, 5};
        for (int r = 0; r < seeds.length; r++) {
            assertArrayEquals(PriorNoise.gaussian(seeds[r], ScriptedEngine.DIM), call.noise()[r], "row " + r);
        }

        ImageResult first = answers.get(0).result();
        ImageResult second = answers.get(1).result();
        assertEquals(List.of("two", "neg"), List.of(first.getRequestId(), second.getRequestId()));
        for (ImageResult r : List.of(first, second)) {
            assertEquals(Status.OK, r.getStatus());
            assertNull(r.getErrorCode());
            assertEquals(4, r.getBatchSize());
            assertTrue(r.getBatchId().startsWith("worker-7-") && r.getBatchId().endsWith("-3"), r.getBatchId());
            assertEquals(1.0, r.getTimings().getTokenizeMs());
            assertEquals(2.0, r.getTimings().getTextEncodeMs());
            assertEquals(3.0, r.getTimings().getPriorMs());
            assertEquals(0.0, r.getTimings().getDecodeMs());
        }
        assertEquals(first.getBatchId(), second.getBatchId());
        assertEquals(30.0, first.getTimings().getQueueWaitMs(), 1e-9);
        assertEquals(12.0, first.getTimings().getBatchWaitMs(), 1e-9);
        assertEquals(7.0, second.getTimings().getBatchWaitMs(), 1e-9);

        // Images: seeds, embeddings = the prior's rows, alignment = cos(text row, image row).
        assertEquals(2, first.getImages().size());
        for (int i = 0; i < 2; i++) {
            GeneratedImage image = first.getImages().get(i);
            assertEquals(i, image.getIndex());
            assertEquals(10 + i, image.getSeed());
            float[] expected = expectedImage("a red cube", 10 + i);
            assertArrayEquals(expected, toArray(image.getImageEmbedding()));
            assertEquals((float) EmbeddingMath.cosine(ScriptedEngine.textEmbedding("a red cube"), expected),
                    image.getTextImageAlignment());
        }
        float[][] rows = {expectedImage("a red cube", 10), expectedImage("a red cube", 11)};
        assertEquals(EmbeddingMath.meanPairwiseCosineDistance(rows),
                first.getDiversity().getMeanPairwiseCosineDistance(), 1e-12);
        assertEquals(EmbeddingMath.vendiScore(rows), first.getDiversity().getVendiScore(), 1e-12);
        assertTrue(first.getDiversity().getVendiScore() > 1 && first.getDiversity().getVendiScore() < 2);

        // The negative prompt's row ran but is not published: one image, no diversity.
        assertEquals(1, second.getImages().size());
        assertArrayEquals(expectedImage("a blue ball", 5), toArray(second.getImages().get(0).getImageEmbedding()));
        assertNull(second.getDiversity());
        assertEquals(Map.of("tenant", "t1"), second.getMetadata());
        assertEquals(List.of("text_encoder", "prior"),
                second.getModel().getCheckpoints().stream().map(c -> c.getRole()).toList());
    }

    @Test
    void requestWhoseDeadlinePassesWhileQueuedExpiresWithoutRunning() {
        InferenceJob soon = accept(request("soon", "x").setDeadline(T0.plusMillis(40)).build());
        InferenceJob fine = accept(request("fine", "y").build());
        clock.advance(Duration.ofMillis(15));
        List<Answer> answers = service.process(batch(1, soon, fine));
        assertEquals(Status.EXPIRED, answers.get(0).result().getStatus());
        assertEquals("DEADLINE_EXCEEDED", answers.get(0).result().getErrorCode());
        assertEquals(15.0, answers.get(0).result().getTimings().getBatchWaitMs(), 1e-9);
        assertEquals(Status.OK, answers.get(1).result().getStatus());
        assertEquals(List.of("y"), engine.calls.get(0).prompts());
        assertEquals(1, answers.get(1).result().getBatchSize());
    }

    @Test
    void modelFailureAnswersEachRequestFailedAndTheNextBatchRuns() {
        engine.failure = new IllegalStateException("CUDA out of memory");
        InferenceJob a = accept(request("a", "x").build());
        InferenceJob b = accept(request("b", "y").setNumImages(2).build());
        List<Answer> answers = service.process(batch(1, a, b));
        for (Answer answer : answers) {
            ImageResult r = answer.result();
            assertEquals(Status.FAILED, r.getStatus());
            assertEquals("INFERENCE_FAILED", r.getErrorCode());
            assertTrue(r.getErrorMessage().contains("CUDA out of memory"), r.getErrorMessage());
            assertTrue(r.getImages().isEmpty());
            assertEquals(3, r.getBatchSize());
        }
        engine.failure = null;
        assertEquals(Status.OK, service.process(batch(2, accept(request("c", "z").build()))).get(0).result().getStatus());
    }

    @Test
    void modelOutputOfTheWrongShapeFailsTheBatch() {
        EmbeddingEngine shortEngine = new EmbeddingEngine() {
            @Override
            public dev.umbra.model.EmbeddingResult embed(List<String> prompts, float[][] noise) {
                return engine.embed(prompts.subList(0, 1), noise);
            }

            @Override
            public int embeddingDim() {
                return ScriptedEngine.DIM;
            }

            @Override
            public dev.umbra.model.ModelIdentity identity() {
                return engine.identity();
            }
        };
        InferenceService s = new InferenceService(shortEngine, WorkerLimits.defaults(), "w", clock, () -> 1L);
        InferenceJob job = assertInstanceOf(Admission.Accepted.class,
                s.admit(request("a", "x").setNumImages(2).build(), clock.now(), clock.nanoTime())).job();
        ImageResult r = s.process(batch(1, job)).get(0).result();
        assertEquals(Status.FAILED, r.getStatus());
        assertTrue(r.getErrorMessage().contains("1 image and 1 text embeddings for 2 rows"), r.getErrorMessage());
    }

    @Test
    void handOffStampsPublishEndToEndAndCompletion() {
        InferenceJob job = accept(request("a", "x").build());
        clock.advance(Duration.ofMillis(20));
        Answer answer = service.process(batch(1, job)).get(0);
        clock.advance(Duration.ofMillis(3));
        ImageResult r = answer.handOff(clock);
        assertEquals(3.0, r.getTimings().getPublishMs(), 1e-9);
        assertEquals(53.0, r.getTimings().getEndToEndMs(), 1e-9);
        assertEquals(clock.now(), r.getCompletedAt());
    }

    private static float[] expectedImage(String prompt, long seed) {
        float[] text = ScriptedEngine.textEmbedding(prompt);
        float[] noise = PriorNoise.gaussian(seed, ScriptedEngine.DIM);
        float[] out = new float[text.length];
        for (int d = 0; d < out.length; d++) {
            out[d] = text[d] + noise[d];
        }
        return out;
    }

    private static float[] toArray(List<Float> list) {
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = list.get(i);
        }
        return out;
    }
}
