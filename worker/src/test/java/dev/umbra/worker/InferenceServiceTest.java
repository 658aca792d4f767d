package dev.umbra.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.batch.Batch;
import dev.umbra.batch.BatchItem;
import dev.umbra.math.EmbeddingMath;
import dev.umbra.model.EclipseModel;
import dev.umbra.model.EmbeddedModels;
import dev.umbra.model.EmbeddingResult;
import dev.umbra.model.ModelPaths;
import dev.umbra.model.PriorNoise;
import dev.umbra.model.RuntimeOptions;
import dev.umbra.schemas.GeneratedImage;
import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.PromptRequest;
import dev.umbra.schemas.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Admission, row expansion, result assembly, expiry and failure of the worker core, on the real embedded model and a
 * hand-moved clock.
 */
class InferenceServiceTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    // The same rows in another batch agree to rounding (the model is checked batch-invariant against its reference).
    private static final float TOLERANCE = 1e-5f;

    private static EclipseModel model;
    private FaultyEngine engine;
    private ManualClock clock;
    private InferenceService service;

    @BeforeAll
    static void loadModel() {
        model = EclipseModel.load(ModelPaths.of(EmbeddedModels.tinyModelDir()), RuntimeOptions.defaults());
    }

    @AfterAll
    static void closeModel() {
        model.close();
    }

    @BeforeEach
    void setUp() {
        engine = new FaultyEngine(EmbeddingEngine.of(model));
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
        List<BatchItem<InferenceJob>> items = Arrays.stream(jobs)
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
        assertEquals(model.identity().name(), r.getModel().getName());
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
        InferenceJob negative = accept(request("neg", "a blue ball").setSeed(5L).setNegativePrompt("blurry")
                .setDecoderOptions(dev.umbra.schemas.DecoderOptions.newBuilder().setNumInferenceSteps(30)
                        .setGuidanceScale(null).setWidth(512).setHeight(null).setOutputFormat(null).build())
                .build());
        clock.advance(Duration.ofMillis(7));

        List<Answer> answers = service.process(batch(3, two, negative));

        assertEquals(1, engine.calls.size());
        FaultyEngine.Call call = engine.calls.get(0);
        assertEquals(List.of("a red cube", "a red cube", "a blue ball", "blurry"), call.prompts());
        long[] seeds = {10, 11, 5, 5};
        for (int r = 0; r < seeds.length; r++) {
            assertArrayEquals(PriorNoise.gaussian(seeds[r], model.embeddingDim()), call.noise()[r], "row " + r);
        }

        ImageResult first = answers.get(0).result();
        ImageResult second = answers.get(1).result();
        assertEquals(List.of("two", "neg"), List.of(first.getRequestId(), second.getRequestId()));
        for (ImageResult r : List.of(first, second)) {
            assertEquals(Status.OK, r.getStatus());
            assertNull(r.getErrorCode());
            assertEquals(4, r.getBatchSize());
            assertTrue(r.getBatchId().startsWith("worker-7-") && r.getBatchId().endsWith("-3"), r.getBatchId());
            assertTrue(r.getTimings().getTokenizeMs() > 0, "tokenize_ms " + r.getTimings().getTokenizeMs());
            assertTrue(r.getTimings().getTextEncodeMs() > 0);
            assertTrue(r.getTimings().getPriorMs() > 0);
            assertEquals(0.0, r.getTimings().getDecodeMs());
        }
        assertEquals(first.getBatchId(), second.getBatchId());
        assertEquals(30.0, first.getTimings().getQueueWaitMs(), 1e-9);
        assertEquals(12.0, first.getTimings().getBatchWaitMs(), 1e-9);
        assertEquals(7.0, second.getTimings().getBatchWaitMs(), 1e-9);

        // Images: seeds, embeddings = the prior's rows for (prompt, seed + i), alignment = cos(text row, image row).
        EmbeddingResult alone = model.embed(List.of("a red cube", "a red cube"),
                new float[][] {noise(10), noise(11)}, false);
        assertEquals(2, first.getImages().size());
        for (int i = 0; i < 2; i++) {
            GeneratedImage image = first.getImages().get(i);
            assertEquals(i, image.getIndex());
            assertEquals(10 + i, image.getSeed());
            assertArrayEquals(alone.imageEmbeds()[i], toArray(image.getImageEmbedding()), TOLERANCE);
            assertEquals(EmbeddingMath.cosine(alone.textEmbeds()[i], alone.imageEmbeds()[i]),
                    image.getTextImageAlignment(), TOLERANCE);
        }
        assertEquals(EmbeddingMath.meanPairwiseCosineDistance(alone.imageEmbeds()),
                first.getDiversity().getMeanPairwiseCosineDistance(), TOLERANCE);
        assertEquals(EmbeddingMath.vendiScore(alone.imageEmbeds()), first.getDiversity().getVendiScore(), TOLERANCE);
        assertTrue(first.getDiversity().getVendiScore() > 1 && first.getDiversity().getVendiScore() < 2,
                "two different noise draws: " + first.getDiversity());

        // The negative prompt's row ran; it is not published but travels with the answer to the decoder, with the
        // request's decoder options.
        assertEquals(List.of(), answers.get(0).negatives());
        assertEquals(new dev.umbra.decoder.DecodeOptions(null, null, null, null), answers.get(0).options());
        assertEquals(1, answers.get(1).negatives().size());
        assertArrayEquals(model.embed(List.of("blurry"), new float[][] {noise(5)}, false).imageEmbeds()[0],
                answers.get(1).negatives().get(0), TOLERANCE);
        assertEquals(new dev.umbra.decoder.DecodeOptions(30, null, 512, null), answers.get(1).options());
        // One published image, no diversity.
        assertEquals(1, second.getImages().size());
        assertArrayEquals(model.embed(List.of("a blue ball"), new float[][] {noise(5)}, false).imageEmbeds()[0],
                toArray(second.getImages().get(0).getImageEmbedding()), TOLERANCE);
        assertNull(second.getDiversity());
        assertEquals(Map.of("tenant", "t1"), second.getMetadata());
        assertEquals(model.identity().components().stream().map(c -> c.role() + "/" + c.sha256()).toList(),
                second.getModel().getCheckpoints().stream().map(c -> c.getRole() + "/" + c.getSha256()).toList());
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
    void aCreatedAtCenturiesAwayIsTimedNotAnOverflow() {
        // Found by the fuzzer: Duration.toNanos overflows past 292 years, which failed the whole batch.
        InferenceJob old = accept(request("old", "x").setCreatedAt(java.time.Instant.ofEpochMilli(Long.MIN_VALUE / 2))
                .build());
        InferenceJob future = accept(request("future", "y")
                .setCreatedAt(java.time.Instant.ofEpochMilli(Long.MAX_VALUE / 2)).build());
        List<Answer> answers = service.process(batch(1, old, future));
        assertEquals(Status.OK, answers.get(0).result().getStatus());
        assertEquals(Status.OK, answers.get(1).result().getStatus());
        assertTrue(answers.get(0).result().getTimings().getQueueWaitMs() > 1e17);
        assertTrue(answers.get(1).result().getTimings().getQueueWaitMs() < -1e17);
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
        }
        // The batch, then each request on its own: a model that fails everything fails every request.
        assertEquals(3, engine.calls.size());
        // Log lines about a batch (the batcher puts batchId in the MDC) name the id its results carry.
        assertEquals(answers.get(0).result().getBatchId(), service.batchId(batch(1, a, b)));
        assertEquals(1, answers.get(0).result().getBatchSize());
        assertEquals(2, answers.get(1).result().getBatchSize());
        engine.failure = null;
        assertEquals(Status.OK, service.process(batch(2, accept(request("c", "z").build()))).get(0).result().getStatus());
    }

    @Test
    void aRequestTheModelFailsOnDoesNotFailItsNeighbours() {
        engine.poison = "a prompt the model chokes on";
        InferenceJob a = accept(request("a", "a red cube").setSeed(1L).build());
        InferenceJob bad = accept(request("bad", "a prompt the model chokes on").build());
        InferenceJob c = accept(request("c", "a blue sphere").setNumImages(2).setSeed(5L).build());
        List<Answer> answers = service.process(batch(1, a, bad, c));
        assertEquals(Status.OK, answers.get(0).result().getStatus());
        assertEquals(Status.FAILED, answers.get(1).result().getStatus());
        assertEquals("INFERENCE_FAILED", answers.get(1).result().getErrorCode());
        assertTrue(answers.get(1).result().getErrorMessage().contains("cannot handle"));
        assertEquals(Status.OK, answers.get(2).result().getStatus());
        assertEquals(2, answers.get(2).result().getImages().size());
        // The survivors' embeddings are those a clean run gives: alone they match the model called directly.
        float[] direct = model.embed(List.of("a blue sphere"), new float[][] {dev.umbra.model.PriorNoise.gaussian(6, 64)},
                false).imageEmbeds()[0];
        List<Float> got = answers.get(2).result().getImages().get(1).getImageEmbedding();
        for (int i = 0; i < direct.length; i++) {
            assertEquals(direct[i], got.get(i), 1e-5f);
        }
    }

    @Test
    void modelOutputOfTheWrongShapeFailsTheBatch() {
        engine.dropLastRow = true;
        InferenceJob job = accept(request("a", "x").setNumImages(2).build());
        ImageResult r = service.process(batch(1, job)).get(0).result();
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

    private static float[] noise(long seed) {
        return PriorNoise.gaussian(seed, model.embeddingDim());
    }

    private static float[] toArray(List<Float> list) {
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = list.get(i);
        }
        return out;
    }
}
