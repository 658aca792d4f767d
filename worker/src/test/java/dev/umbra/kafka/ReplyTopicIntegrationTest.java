package dev.umbra.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.kafka.broker.EmbeddedKafkaBroker;
import dev.umbra.model.EclipseModel;
import dev.umbra.model.EmbeddedModels;
import dev.umbra.model.ModelPaths;
import dev.umbra.model.RuntimeOptions;
import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.PriorOutput;
import dev.umbra.schemas.Status;
import dev.umbra.worker.Answer;
import dev.umbra.worker.EmbeddingEngine;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Request-reply: answers go to the request's reply topic when the worker allows it and it exists. */
class ReplyTopicIntegrationTest {

    private static EmbeddedKafkaBroker broker;
    private static EclipseModel model;
    private static KafkaTestKit kit;

    @BeforeAll
    static void start() {
        broker = EmbeddedKafkaBroker.start();
        model = EclipseModel.load(ModelPaths.of(EmbeddedModels.tinyModelDir()), RuntimeOptions.defaults());
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

    @Test
    void answersGoWhereTheRequestSaysUnlessTheWorkerCannotOrMayNot() throws Exception {
        KafkaTestKit.Topics topics = kit.createTopics("reply", 1);
        String replies = "umbra.replies.it-" + Long.toString(System.nanoTime(), 36);
        broker.createTopics(Map.of(replies, 3));
        Vertx vertx = Vertx.vertx();
        try {
            StreamingWorker worker = StreamingWorker.start(vertx, topics.config(kit.bootstrapServers()).build(),
                    EmbeddingEngine.of(model)).await(60, TimeUnit.SECONDS);
            long started = System.nanoTime();
            kit.produce(List.of(
                    KafkaTestKit.record(topics.prompts(), KafkaTestKit.request("to-reply", "a cat")
                            .setReplyTopic(replies).setReplyPartition(2).build()),
                    KafkaTestKit.record(topics.prompts(), KafkaTestKit.request("keyed-reply", "a dog")
                            .setReplyTopic(replies).build()),
                    KafkaTestKit.record(topics.prompts(), KafkaTestKit.request("rejected-reply", "")
                            .setReplyTopic(replies).build()),
                    KafkaTestKit.record(topics.prompts(), KafkaTestKit.request("not-allowed", "a fox")
                            .setReplyTopic(topics.prompts()).build()),
                    KafkaTestKit.record(topics.prompts(), KafkaTestKit.request("missing", "an owl")
                            .setReplyTopic("umbra.replies.nobody-made-this").build()),
                    KafkaTestKit.record(topics.prompts(), KafkaTestKit.request("no-such-partition", "a hen")
                            .setReplyTopic(replies).setReplyPartition(7).build()),
                    KafkaTestKit.record(topics.prompts(), KafkaTestKit.request("plain", "a cow").build())));

            List<ConsumerRecord<byte[], byte[]>> onReplies = kit.readFor(replies, 3, Duration.ofSeconds(30));
            Map<String, ConsumerRecord<byte[], byte[]>> byId = onReplies.stream().collect(Collectors.toMap(
                    r -> KafkaTestKit.CODEC.decodeImageResult(r.value()).getRequestId(), r -> r));
            assertEquals(3, byId.size(), byId.keySet().toString());
            assertEquals(2, byId.get("to-reply").partition(), "the partition the request named");
            assertEquals(Status.OK, result(byId.get("to-reply")).getStatus());
            assertEquals(Status.OK, result(byId.get("keyed-reply")).getStatus());
            // An answer the request did not like still goes where its caller waits.
            assertEquals("EMPTY_PROMPT", result(byId.get("rejected-reply")).getErrorCode());

            Map<String, ImageResult> onResults = kit.readFor(topics.results(), 4, Duration.ofSeconds(30)).stream()
                    .map(ReplyTopicIntegrationTest::result).collect(Collectors.toMap(ImageResult::getRequestId, r -> r));
            assertEquals(Status.OK, onResults.get("plain").getStatus());
            ImageResult notAllowed = onResults.get("not-allowed");
            assertEquals(Status.REJECTED, notAllowed.getStatus());
            assertEquals("REPLY_TOPIC_NOT_ALLOWED", notAllowed.getErrorCode());
            assertTrue(notAllowed.getErrorMessage().contains(topics.prompts()), notAllowed.getErrorMessage());
            ImageResult missing = onResults.get("missing");
            assertEquals(Status.FAILED, missing.getStatus());
            assertEquals("REPLY_TOPIC_UNAVAILABLE", missing.getErrorCode());
            assertEquals("reply_topic 'umbra.replies.nobody-made-this' does not exist; answered on the results topic"
                    + " instead", missing.getErrorMessage());
            assertTrue(!missing.getImages().isEmpty(), "the answer itself is not lost");
            assertEquals("REPLY_TOPIC_UNAVAILABLE", onResults.get("no-such-partition").getErrorCode());
            assertTrue(onResults.get("no-such-partition").getErrorMessage().contains("has 3 partition(s), no partition 7"));
            // Asked, not waited for: a missing topic costs no producer metadata timeout (a minute).
            assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(30));
            kit.awaitFullyCommitted(topics.group(), topics.prompts());
            worker.stop().await(60, TimeUnit.SECONDS);
        } finally {
            vertx.close().await(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void thePriorRoleCarriesTheReplyTopicToTheDecoders() {
        ImageResult result = ImageResult.newBuilder().setRequestId("r").setStatus(Status.OK).setImages(List.of())
                .setTimings(dev.umbra.schemas.Timings.newBuilder().setQueueWaitMs(0).setBatchWaitMs(0).setTokenizeMs(0)
                        .setTextEncodeMs(0).setPriorMs(0).setDecodeMs(0).setPublishMs(0).setEndToEndMs(0).build())
                .setWorkerId("p").setCompletedAt(Instant.now()).build();
        Answer answer = new Answer(result, Instant.now(), 0);
        PriorOutput output = PriorOutputs.of(answer, new ReplyTo("umbra.replies.c", 4));
        PriorOutput read = KafkaTestKit.CODEC.decodePriorOutput(KafkaTestKit.CODEC.encode(output));
        PriorOutputIntake intake = new PriorOutputIntake(KafkaTestKit.CODEC, "w", "decoder",
                dev.umbra.worker.WorkerClock.system());
        assertEquals(new ReplyTo("umbra.replies.c", 4),
                intake.admit(KafkaTestKit.CODEC.encode(read), Instant.now(), 0).replyTo());
        assertNull(intake.admit(KafkaTestKit.CODEC.encode(PriorOutputs.of(answer, null)), Instant.now(), 0).replyTo());
    }

    @Test
    void aPatternThatAllowsTheWorkersOwnTopicsIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WorkerConfig.builder("x:1").replyTopics("umbra\\..*").build());
        assertTrue(e.getMessage().contains("allows the worker's own topic 'umbra.prompts'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> WorkerConfig.builder("x:1").replyTopics("(").build());
    }

    private static ImageResult result(ConsumerRecord<byte[], byte[]> record) {
        return KafkaTestKit.CODEC.decodeImageResult(record.value());
    }
}
