package dev.umbra.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.umbra.cli.UmbraCommand;
import dev.umbra.kafka.DecodeConfig;
import dev.umbra.kafka.StreamingWorker;
import dev.umbra.kafka.WorkerProcess;
import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.Status;
import dev.umbra.worker.NullEngine;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workers dying with requests outstanding: every future completes exactly once, with the answer or a timeout, and the
 * answers delivered again (at least once) are ignored and counted.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class WorkerRestartTest {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(45);

    @TempDir
    Path tmp;

    /** Requests and how often each future completed; checked to stay at one after everything settled. */
    private final Map<String, AtomicInteger> completions = new ConcurrentHashMap<>();
    private final List<CompletableFuture<ImageResult>> futures = new ArrayList<>();

    /**
     * A worker in a JVM of its own, killed with SIGKILL while its batch holds 20 requests (it waits up to 3 s to
     * fill a batch): the next worker of its group gets them once the dead one's session has expired (6 s).
     */
    @Test
    void requestsOutstandingWhenTheWorkerIsKilledAreAnsweredByTheNextWorker() throws Exception {
        TestCluster.Topics t = TestCluster.topics("killed");
        Path log = tmp.resolve("first-worker.log");
        Process first = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"),
                UmbraCommand.class.getName(), "run", "--bootstrap-servers", TestCluster.bootstrap(),
                "--prompts-topic", t.prompts(), "--results-topic", t.results(), "--dead-letter-topic", t.deadLetters(),
                "--group-id", t.group(), "--worker-id", "first", "--model", "null", "--decoder", "none",
                "--threads", "1", "--batch-size", "64", "--max-wait-ms", "3000",
                "--kafka-property", "consumer.session.timeout.ms=6000")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try (UmbraClient client = TestCluster.client(t).defaultTimeout(REQUEST_TIMEOUT).build()) {
            send(client, "early", 10);
            TestCluster.await(() -> client.stats().answered() == 10 || !first.isAlive(), Duration.ofSeconds(60),
                    () -> "the first worker answered " + client.stats().answered() + " of 10");
            if (!first.isAlive()) {
                fail("the first worker exited:\n" + Files.readString(log));
            }
            send(client, "late", 20);
            Thread.sleep(300);   // fetched and waiting for its batch to fill
            int outstandingAtKill = client.outstanding();
            first.destroyForcibly();   // SIGKILL: no clean stop, no final commit
            assertTrue(first.waitFor(10, TimeUnit.SECONDS));
            assertEquals(20, outstandingAtKill, "the kill caught requests outstanding");

            try (WorkerProcess second = TestCluster.worker(t.config().workerId("second").build(), DecodeConfig.none(),
                    Path.of("null"))) {
                settle();
                List<ImageResult> results = futures.stream().map(CompletableFuture::join).toList();
                assertTrue(results.stream().allMatch(r -> r.getStatus() == Status.OK), "all answered OK");
                Map<String, Long> byWorker = results.stream().collect(Collectors.groupingBy(ImageResult::getWorkerId,
                        TreeMap::new, Collectors.counting()));
                assertTrue(byWorker.getOrDefault("second", 0L) >= 20, "the late ones by the next worker: " + byWorker);
                assertRepliesAccountedFor(client);
            }
        } finally {
            first.destroyForcibly();
        }
    }

    /**
     * A worker that answers everything and dies before committing (its commits never reach the broker): the next
     * worker answers every request again. The client keeps the first answers and counts the second ones.
     */
    @Test
    void answersDeliveredAgainAfterARestartAreIgnoredAndCounted() throws Exception {
        TestCluster.Topics t = TestCluster.topics("redelivered");
        try (UmbraClient client = TestCluster.client(t).defaultTimeout(REQUEST_TIMEOUT).build()) {
            Vertx vertx = Vertx.vertx();
            try {
                StreamingWorker first = StreamingWorker.start(vertx, t.config().workerId("uncommitted").build(),
                        new NullEngine(NullEngine.DEFAULT_DIM), (consumer, offsets) -> Future.succeededFuture())
                        .await(60, TimeUnit.SECONDS);
                send(client, "r", 30);
                settle();
                first.stop().await(60, TimeUnit.SECONDS);
            } finally {
                vertx.close().await(60, TimeUnit.SECONDS);
            }
            try (WorkerProcess second = TestCluster.worker(t.config().workerId("second").build(), DecodeConfig.none(),
                    Path.of("null"))) {
                TestCluster.await(() -> client.stats().duplicateReplies() == 30, Duration.ofSeconds(30),
                        () -> client.stats().toString());
            }
            assertTrue(futures.stream().allMatch(f -> f.join().getWorkerId().equals("uncommitted")),
                    "the first answers stand");
            assertEquals(30, client.stats().answered());
            assertRepliesAccountedFor(client);
        }
    }

    private void send(UmbraClient client, String prefix, int n) {
        for (int i = 0; i < n; i++) {
            String id = prefix + "-" + i;
            AtomicInteger count = new AtomicInteger();
            completions.put(id, count);
            CompletableFuture<ImageResult> f = client.generate(UmbraClient.newRequest("a green triangle " + i)
                    .setRequestId(id).build());
            f.whenComplete((r, e) -> count.incrementAndGet());
            futures.add(f);
        }
    }

    /** Every future done (each request's timeout bounds it), then each completed exactly once. */
    private void settle() throws Exception {
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).handle((v, e) -> null)
                .get(REQUEST_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS);
        completions.forEach((id, n) -> assertEquals(1, n.get(), id + " completed " + n.get() + " times"));
    }

    /** Every reply on the topic either completed its future or was counted: duplicates, late, never lost. */
    private void assertRepliesAccountedFor(UmbraClient client) throws Exception {
        settle();
        Map<String, Long> perId = TestCluster.results(TestCluster.readAll(client.replyTopic(), Duration.ofMillis(500)))
                .stream().collect(Collectors.groupingBy(ImageResult::getRequestId, Collectors.counting()));
        assertEquals(completions.keySet(), perId.keySet());
        long again = perId.values().stream().mapToLong(n -> n - 1).sum();
        // The client may not have read the last of them yet.
        TestCluster.await(() -> client.stats().duplicateReplies() + client.stats().lateReplies() == again,
                Duration.ofSeconds(10), () -> again + " replies again, and " + client.stats());
        ClientStats stats = client.stats();
        assertEquals(perId.size(), stats.answered() + stats.timedOut(), stats.toString());
        assertEquals(0, stats.unknownReplies() + stats.outstanding(), stats.toString());
    }
}
