package dev.umbra.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.batch.BatchPolicy;
import dev.umbra.decoder.DecodeRequest;
import dev.umbra.decoder.DecodedImage;
import dev.umbra.decoder.ImageDecoder;
import dev.umbra.decoder.pool.DecoderOptions;
import dev.umbra.decoder.pool.DecoderPool;
import dev.umbra.decoder.store.FileSystemImageStore;
import dev.umbra.io.Bytes;
import dev.umbra.kafka.broker.EmbeddedKafkaBroker;
import dev.umbra.model.EclipseModel;
import dev.umbra.model.EmbeddedModels;
import dev.umbra.model.ModelPaths;
import dev.umbra.model.RuntimeOptions;
import dev.umbra.schemas.GeneratedImage;
import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.Status;
import dev.umbra.worker.DecodeStage;
import dev.umbra.worker.EmbeddingEngine;
import dev.umbra.worker.WorkerClock;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker with its decoder pool, on an embedded broker and the shipped shapes model: pictures in the results,
 * backpressure from a slow decoder, and a decoder that fails.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DecodingIntegrationTest {

    private static EmbeddedKafkaBroker broker;
    private static EclipseModel model;
    private static KafkaTestKit kit;

    @TempDir
    Path tmp;
    private Vertx vertx;
    private String name;

    @BeforeAll
    static void startBrokerAndModel() {
        broker = EmbeddedKafkaBroker.start();
        model = EclipseModel.load(ModelPaths.of(EmbeddedModels.defaultModelDir()), RuntimeOptions.defaults());
        kit = new KafkaTestKit(broker.bootstrapServers());
    }

    @AfterAll
    static void stop() {
        if (model != null) {
            model.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @BeforeEach
    void setUp(TestInfo info) {
        vertx = Vertx.vertx();
        name = info.getTestMethod().orElseThrow().getName();
    }

    @AfterEach
    void tearDown() throws Exception {
        vertx.close().await(60, TimeUnit.SECONDS);
    }

    /** Paints a 4x4 picture from the seed; waits on a gate first; fails for seed 13. */
    static final class TestDecoder implements ImageDecoder {
        final CountDownLatch gate;

        TestDecoder(CountDownLatch gate) {
            this.gate = gate;
        }

        @Override
        public List<DecodedImage> decode(List<DecodeRequest> requests) {
            try {
                if (!gate.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the test never opened the gate");
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            List<DecodedImage> out = new ArrayList<>();
            for (DecodeRequest r : requests) {
                if (r.seed() == 13) {
                    throw new IllegalStateException("the decoder cannot draw seed 13");
                }
                int[] rgb = new int[16];
                java.util.Arrays.fill(rgb, (int) (r.seed() * 0x010203) & 0xFFFFFF);
                out.add(new DecodedImage(4, 4, rgb));
            }
            return out;
        }

        @Override
        public int embeddingDim() {
            return 64;
        }

        @Override
        public String identity() {
            return "test-decoder";
        }

        @Override
        public void close() {}
    }

    private List<ProducerRecord<byte[], byte[]>> requests(KafkaTestKit.Topics topics, int n, int images) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            records.add(KafkaTestKit.record(topics.prompts(), KafkaTestKit.request(name + "-" + i, "a red circle")
                    .setNumImages(images).setSeed(100L + 10L * i).build()));
        }
        return records;
    }


    @Test
    void everyRequestGetsItsPicturesInlineWithSizeAndTheirDiversity() throws Exception {
        KafkaTestKit.Topics topics = kit.createTopics(name, 2);
        int n = 6;
        kit.produce(requests(topics, n, 2));
        WorkerConfig config = topics.config(kit.bootstrapServers()).build();
        DecodeConfig decode = new DecodeConfig(new DecoderOptions(DecoderOptions.SHAPES, 2, 8, 8, 1, 2, null,
                java.time.Duration.ofMinutes(1)),
                new DecodeStage.Settings(DecodeConfig.DEFAULT_INLINE_LIMIT_BYTES, false), tmp);
        try (Decoding decoding = Decoding.open(decode, EmbeddedModels.defaultModelDir(), RuntimeOptions.defaults(),
                config.maxInFlightRows(), 64)) {
            StreamingWorker worker = StreamingWorker.start(vertx, config, EmbeddingEngine.of(model), decoding.stage())
                    .await(60, TimeUnit.SECONDS);
            List<ImageResult> results = kit.readAtLeast(topics.results(), n).stream()
                    .map(r -> KafkaTestKit.CODEC.decodeImageResult(r.value())).toList();
            for (ImageResult r : results) {
                assertEquals(Status.OK, r.getStatus(), r.getErrorMessage());
                assertEquals(2, r.getImages().size());
                for (GeneratedImage image : r.getImages()) {
                    assertEquals("png", image.getImageFormat());
                    assertEquals(64, image.getWidth());
                    assertEquals(64, ImageIO.read(new ByteArrayInputStream(Bytes.of(image.getImage()))).getHeight());
                    assertEquals(0, image.getImageEmbedding().size(), "embeddings left out on request");
                }
                assertTrue(r.getTimings().getDecodeMs() > 0);
                assertEquals("decoded_image_embeddings", r.getDiversity().getBasis());
                assertTrue(r.getDiversity().getMeanPairwiseCosineDistance() > 0, "two seeds, two pictures");
            }
            assertEquals(n, decoding.stats().orElseThrow().decodedImages() / 2);
            kit.awaitFullyCommitted(topics.group(), topics.prompts());
            worker.stop().await(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void aSlowDecoderPausesFetchingAndTheBacklogStaysOnTheBroker() throws Exception {
        KafkaTestKit.Topics topics = kit.createTopics(name, 1);
        int n = 40;
        kit.produce(requests(topics, n, 1));
        CountDownLatch gate = new CountDownLatch(1);
        int inFlightBound = 16;
        WorkerConfig config = topics.config(kit.bootstrapServers()).batchPolicy(new BatchPolicy(4, 5))
                .maxInFlightRows(inFlightBound).build();
        try (DecoderPool pool = DecoderPool.start("slow", new DecoderPool.Settings(1, 2, 2 + 2 * inFlightBound, 4, 1),
                () -> new TestDecoder(gate))) {
            DecodeStage stage = new DecodeStage(pool, new FileSystemImageStore(tmp),
                    new DecodeStage.Settings(1 << 20, true), WorkerClock.system(), null);
            StreamingWorker worker = StreamingWorker.start(vertx, config, EmbeddingEngine.of(model), stage)
                    .await(60, TimeUnit.SECONDS);
            KafkaTestKit.await(() -> worker.stats().decodePaused(), () -> "never paused for decoding: " + worker.stats());
            Thread.sleep(500);   // time for more polls, were fetching not paused
            long received = worker.stats().recordsReceived();
            assertTrue(worker.stats().fetchPaused());
            assertTrue(received <= 2L * inFlightBound, "received " + received + " of " + n + " while decoding waits");
            assertTrue(pool.queuedImages() <= 2 + 2 * inFlightBound, "the pool's queue is bounded: "
                    + pool.queuedImages());

            gate.countDown();
            List<ImageResult> results = kit.readAtLeast(topics.results(), n).stream()
                    .map(r -> KafkaTestKit.CODEC.decodeImageResult(r.value())).toList();
            assertEquals(n, results.stream().map(ImageResult::getRequestId).distinct().count());
            assertTrue(results.stream().allMatch(r -> r.getStatus() == Status.OK && r.getImages().get(0).getImage()
                    != null));
            KafkaTestKit.await(() -> !worker.stats().fetchPaused() && worker.stats().inFlightRows() == 0,
                    () -> "did not resume and drain: " + worker.stats());
            assertTrue(pool.stats().maxQueuedImages() >= 2);
            kit.awaitFullyCommitted(topics.group(), topics.prompts());
            worker.stop().await(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void aDecoderFailureAnswersThatRequestFailedAndTheOthersGetTheirPictures() throws Exception {
        KafkaTestKit.Topics topics = kit.createTopics(name, 1);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            // request 1's seed is 13: the test decoder cannot draw it
            records.add(KafkaTestKit.record(topics.prompts(), KafkaTestKit.request(name + "-" + i, "a blue square")
                    .setSeed(i == 1 ? 13L : 200L + i).build()));
        }
        kit.produce(records);
        WorkerConfig config = topics.config(kit.bootstrapServers()).build();
        try (DecoderPool pool = DecoderPool.start("failing", new DecoderPool.Settings(1, 8, 64, 8, 2),
                () -> new TestDecoder(new CountDownLatch(0)))) {
            DecodeStage stage = new DecodeStage(pool, new FileSystemImageStore(tmp),
                    new DecodeStage.Settings(1 << 20, true), WorkerClock.system(), null);
            StreamingWorker worker = StreamingWorker.start(vertx, config, EmbeddingEngine.of(model), stage)
                    .await(60, TimeUnit.SECONDS);
            Map<String, ImageResult> byId = kit.readAtLeast(topics.results(), 5).stream()
                    .map(r -> KafkaTestKit.CODEC.decodeImageResult(r.value()))
                    .collect(Collectors.toMap(ImageResult::getRequestId, Function.identity(), (a, b) -> a));
            ImageResult failed = byId.get(name + "-1");
            assertEquals(Status.FAILED, failed.getStatus());
            assertEquals("DECODE_FAILED", failed.getErrorCode());
            assertTrue(failed.getErrorMessage().contains("cannot draw seed 13")
                    && failed.getErrorMessage().contains("after 2 attempt(s)"), failed.getErrorMessage());
            for (int i : new int[] {0, 2, 3, 4}) {
                ImageResult ok = byId.get(name + "-" + i);
                assertEquals(Status.OK, ok.getStatus(), ok.getErrorMessage());
                assertNotNull(ok.getImages().get(0).getImage());
            }
            kit.awaitFullyCommitted(topics.group(), topics.prompts());
            worker.stop().await(60, TimeUnit.SECONDS);
        }
    }

    /**
     * The decoder role on its own: prior outputs from the embeddings topic decoded and published as results (with
     * the decoder's worker id, the prior's timings kept); what is not a PriorOutput (garbage, a PromptRequest on the
     * wrong topic) goes to the dead letters with its reason; everything is committed.
     */
    @Test
    void theDecoderRoleDecodesPriorOutputsAndDeadLettersTheRest() throws Exception {
        KafkaTestKit.Topics topics = kit.createTopics(name, 1, 1);
        String embeddings = topics.embeddings();
        // A real prior answer, as the prior role hands it on.
        dev.umbra.worker.InferenceService prior = new dev.umbra.worker.InferenceService(EmbeddingEngine.of(model),
                dev.umbra.worker.WorkerLimits.defaults(), "prior-1");
        dev.umbra.schemas.PromptRequest request = KafkaTestKit.request("r1", "a red circle").setNumImages(2)
                .setSeed(100L).build();
        dev.umbra.worker.InferenceJob job = ((dev.umbra.worker.Admission.Accepted) prior.admit(request,
                java.time.Instant.now(), System.nanoTime())).job();
        dev.umbra.worker.Answer answer = prior.process(new dev.umbra.batch.Batch<>(1, List.of(
                new dev.umbra.batch.BatchItem<>(job, job.rows(), job.receivedAtNanos())), job.rows(),
                System.nanoTime())).get(0);
        answer.handOff(WorkerClock.system());
        byte[] output = KafkaTestKit.CODEC.encode(PriorOutputs.of(answer, null));
        kit.produce(List.of(
                new ProducerRecord<>(embeddings, KafkaTestKit.key("r1"), output),
                new ProducerRecord<>(embeddings, KafkaTestKit.key("junk"), new byte[] {1, 2, 3}),
                new ProducerRecord<>(embeddings, KafkaTestKit.key("lost"), KafkaTestKit.CODEC.encode(request))));

        WorkerConfig config = topics.config(kit.bootstrapServers()).role(WorkerRole.DECODER)
                .embeddingsTopic(embeddings).workerId("decoder-1").build();
        try (DecoderPool pool = DecoderPool.start("role", new DecoderPool.Settings(1, 8, 64, 4, 1),
                () -> new TestDecoder(new CountDownLatch(0)))) {
            DecodeStage stage = new DecodeStage(pool, new FileSystemImageStore(tmp),
                    new DecodeStage.Settings(1 << 20, true), WorkerClock.system(), null);
            StreamingWorker worker = StreamingWorker.startDecoder(vertx, config, stage).await(60, TimeUnit.SECONDS);
            assertEquals("test-decoder", worker.servedModel());

            ImageResult r = KafkaTestKit.CODEC.decodeImageResult(kit.readAtLeast(topics.results(), 1).get(0).value());
            assertEquals("r1", r.getRequestId());
            assertEquals(Status.OK, r.getStatus());
            assertEquals("decoder-1", r.getWorkerId());
            assertEquals(2, r.getImages().size());
            assertEquals(4, r.getImages().get(0).getWidth());
            assertNotNull(r.getImages().get(1).getImage());
            assertEquals(answer.result().getTimings().getPriorMs(), r.getTimings().getPriorMs());
            assertTrue(r.getTimings().getDecodeMs() > 0);
            assertTrue(r.getModel().getCheckpoints().stream().anyMatch(c -> c.getRole().equals("decoder")
                    && c.getName().equals("test-decoder")));

            List<dev.umbra.schemas.DeadLetter> letters = kit.readAtLeast(topics.deadLetters(), 2).stream()
                    .map(d -> KafkaTestKit.CODEC.decodeDeadLetter(d.value())).toList();
            assertEquals(2, letters.size());
            assertTrue(letters.stream().allMatch(d -> d.getSourceTopic().equals(embeddings)));
            assertTrue(letters.stream().anyMatch(d -> d.getErrorCode().equals("NOT_SINGLE_OBJECT_ENCODED")),
                    letters.toString());
            assertTrue(letters.stream().anyMatch(d -> d.getErrorCode().equals("UNKNOWN_SCHEMA")
                    && d.getReason().contains("PromptRequest v3 (current): wrong topic?")), letters.toString());
            kit.awaitFullyCommitted(config.groupId(), embeddings);
            worker.stop().await(60, TimeUnit.SECONDS);
        }
    }
}
