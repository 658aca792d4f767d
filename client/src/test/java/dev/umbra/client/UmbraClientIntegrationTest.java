package dev.umbra.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.decoder.pool.DecoderOptions;
import dev.umbra.kafka.DecodeConfig;
import dev.umbra.kafka.WorkerProcess;
import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.PromptRequest;
import dev.umbra.schemas.Status;
import dev.umbra.worker.DecodeStage;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The client and a real worker (the tiny embedded model, no pictures) on the embedded broker. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UmbraClientIntegrationTest {

    private static TestCluster.Topics topics;
    private static WorkerProcess worker;

    @BeforeAll
    static void startWorker() throws Exception {
        topics = TestCluster.topics("client-it");
        worker = TestCluster.worker(topics);
    }

    @AfterAll
    static void stopWorker() {
        if (worker != null) {
            worker.close();
        }
    }

    @Test
    void answersAreCorrelatedByRequestIdAndComeOnlyOnTheClientsReplyTopic() throws Exception {
        try (UmbraClient client = TestCluster.client(topics).build()) {
            List<CompletableFuture<ImageResult>> singles = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                singles.add(client.generate(UmbraClient.newRequest("a red circle " + i).setRequestId("one-" + i)
                        .setNumImages(1 + i % 2).build()));
            }
            List<PromptRequest> batch = IntStream.range(0, 10).mapToObj(i -> UmbraClient.newRequest("a blue square "
                    + i).setRequestId("all-" + i).setSeed(100L + i).build()).toList();
            List<ImageResult> batchResults = client.generateAll(batch).get(30, TimeUnit.SECONDS);

            for (int i = 0; i < 10; i++) {
                ImageResult r = singles.get(i).get(30, TimeUnit.SECONDS);
                assertEquals("one-" + i, r.getRequestId());
                assertEquals(Status.OK, r.getStatus());
                assertEquals(1 + i % 2, r.getImages().size(), "its own answer, not another's");
                ImageResult b = batchResults.get(i);
                assertEquals("all-" + i, b.getRequestId(), "in request order");
                assertEquals(Status.OK, b.getStatus());
                assertEquals(100L + i, b.getImages().get(0).getSeed());
            }
            ClientStats stats = client.stats();
            assertEquals(20, stats.answered(), stats.toString());
            assertEquals(0, stats.outstanding());
            assertEquals(0, stats.unknownReplies() + stats.duplicateReplies() + stats.lateReplies());
            assertEquals(20, TestCluster.readAll(client.replyTopic(), Duration.ofMillis(300)).size());
        }
        assertEquals(0, TestCluster.readAll(topics.results(), Duration.ofMillis(500)).size(),
                "nothing for the client on the results topic");
    }

    @Test
    void theWorkersRefusalsAreTypedErrors() throws Exception {
        try (UmbraClient client = TestCluster.client(topics).build()) {
            RejectedException empty = assertInstanceOf(RejectedException.class, cause(client.generate("")));
            assertEquals("EMPTY_PROMPT", empty.errorCode());
            assertEquals(Status.REJECTED, empty.result().getStatus());

            RejectedException model = assertInstanceOf(RejectedException.class, cause(client.generate(
                    UmbraClient.newRequest("a cat").setModel("no-such-model").build())));
            assertEquals("UNKNOWN_MODEL", model.errorCode());

            ExpiredException expired = assertInstanceOf(ExpiredException.class, cause(client.generate(
                    UmbraClient.newRequest("a cat").setDeadline(Instant.now().minusSeconds(5)).build())));
            assertEquals("DEADLINE_EXCEEDED", expired.errorCode());
            assertTrue(expired.getMessage().contains("EXPIRED DEADLINE_EXCEEDED"), expired.getMessage());

            CompletableFuture<List<ImageResult>> batch = client.generateAll(List.of(
                    UmbraClient.newRequest("a cat").build(), UmbraClient.newRequest(" ").setRequestId("blank").build()));
            RejectedException first = assertInstanceOf(RejectedException.class, cause(batch));
            assertEquals("blank", first.requestId());
            assertEquals(0, client.stats().unknownReplies());
        }
    }

    /** FAILED from a real worker: its decoder service is not there, so decoding fails after its retries. */
    @Test
    void aWorkerThatCannotDecodeAnswersFailed(@TempDir Path images) throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        TestCluster.Topics t = TestCluster.topics("failed");
        DecoderOptions d = DecoderOptions.defaults();
        DecodeConfig unreachable = new DecodeConfig(new DecoderOptions(DecoderOptions.HTTP, 1, d.queueBound(),
                d.maxBatch(), 1, 1, URI.create("http://127.0.0.1:" + closedPort + "/decode"), Duration.ofSeconds(2)),
                new DecodeStage.Settings(DecodeConfig.DEFAULT_INLINE_LIMIT_BYTES, true), images);
        try (WorkerProcess failing = TestCluster.worker(t.config().build(), unreachable, Path.of("null"));
             UmbraClient client = TestCluster.client(t).build()) {
            FailedException failed = assertInstanceOf(FailedException.class, cause(client.generate("a cat")));
            assertEquals("DECODE_FAILED", failed.errorCode());
            assertTrue(failed.errorMessage() != null && !failed.errorMessage().isBlank());
        }
    }

    private static Throwable cause(CompletableFuture<?> f) {
        return assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS)).getCause();
    }
}
