package dev.umbra.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.batch.BatchPolicy;
import dev.umbra.cli.UmbraCommand;
import dev.umbra.decoder.pool.DecoderOptions;
import dev.umbra.kafka.DecodeConfig;
import dev.umbra.kafka.KafkaTestKit;
import dev.umbra.kafka.WorkerConfig;
import dev.umbra.kafka.broker.EmbeddedKafkaBroker;
import dev.umbra.model.EmbeddingResult;
import dev.umbra.model.ModelIdentity;
import dev.umbra.worker.DecodeStage;
import dev.umbra.worker.EmbeddingEngine;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A batch job stopped twice and finished: a child JVM killed with SIGKILL, a second one stopped as Ctrl-C stops it
 * (SIGTERM runs the same shutdown hooks as SIGINT), then a run in this JVM. The broker and the worker are this test's
 * and outlive the batch processes; the worker's real engine is paced, one request per permit, so that "halfway" is
 * a number the test chooses rather than a race.
 */
class BatchResumeTest {

    private static final int LINES = 36;
    private static final String JOB = "resume";

    @TempDir
    Path tmp;

    /**
     * The model's engine, one batch per permit; batches of one row make that one request per permit. (No empty line
     * in this test's prompts: the worker rejects those without the engine, which would upset the count.)
     */
    static final class PacedEngine implements EmbeddingEngine {
        final Semaphore permits = new Semaphore(0);
        private final EmbeddingEngine delegate;

        PacedEngine(EmbeddingEngine delegate) {
            this.delegate = delegate;
        }

        @Override
        public EmbeddingResult embed(List<String> prompts, float[][] noise) {
            try {
                if (!permits.tryAcquire(2, TimeUnit.MINUTES)) {
                    throw new IllegalStateException("the test released no permit");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            return delegate.embed(prompts, noise);
        }

        @Override
        public int embeddingDim() {
            return delegate.embeddingDim();
        }

        @Override
        public ModelIdentity identity() {
            return delegate.identity();
        }
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aJobKilledAndStoppedEndsWithExactlyOneResultPerLine() throws Exception {
        Path prompts = Files.writeString(tmp.resolve("prompts.txt"), IntStream.range(0, LINES)
                .mapToObj(i -> List.of("a red cube", "a blue ball above a green cube").get(i % 2))
                .collect(Collectors.joining("\n", "", "\n")));
        Path out = tmp.resolve("job");
        Path results = out.resolve(ResultsFile.FILE_NAME);
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            // Two results partitions: the job's offsets are per partition.
            broker.createTopics(Map.of(WorkerConfig.DEFAULT_PROMPTS_TOPIC, 2, WorkerConfig.DEFAULT_RESULTS_TOPIC, 2,
                    WorkerConfig.DEFAULT_DEAD_LETTER_TOPIC, 1));
            WorkerConfig config = WorkerConfig.builder(broker.bootstrapServers()).workerId("resume-worker")
                    .batchPolicy(new BatchPolicy(1, 0)).build();
            DecoderOptions d = DecoderOptions.defaults();
            DecodeConfig decode = new DecodeConfig(new DecoderOptions(d.decoder(), 1, d.queueBound(), d.maxBatch(),
                    d.attempts(), 1, null, d.timeout()), new DecodeStage.Settings(DecodeConfig.DEFAULT_INLINE_LIMIT_BYTES,
                    true), tmp.resolve("worker-images"));
            PacedEngine[] engine = new PacedEngine[1];
            try (EmbeddedWorker worker = EmbeddedWorker.start(config, decode,
                    e -> engine[0] = new PacedEngine(e))) {
                try {
                    StringWriter typo = new StringWriter();
                    assertEquals(1, UmbraCommand.execute(Map.of(), new PrintWriter(new StringWriter()),
                            new PrintWriter(typo, true), "batch", "--prompts", prompts.toString(), "--out",
                            tmp.resolve("typo").toString(), "--bootstrap-servers", broker.bootstrapServers(),
                            "--results-topic", "umbra.resluts"));
                    assertTrue(typo.toString().contains("no topic umbra.resluts on " + broker.bootstrapServers()),
                            typo.toString());

                    List<String> batch = List.of("batch", "--prompts", prompts.toString(), "--out", out.toString(),
                            "--job-id", JOB, "--bootstrap-servers", broker.bootstrapServers(), "--timeout-s", "120");

                    // 1. Ten answers, written; SIGKILL; eight more answered while no batch runs.
                    Process first = child(batch, "first");
                    engine[0].permits.release(10);
                    await(() -> lines(results) >= 10, "ten results written by the first run");
                    first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                    assertEquals(10, lines(results));
                    engine[0].permits.release(8);
                    assertEquals(18, new KafkaTestKit(broker.bootstrapServers()).readFor(
                            WorkerConfig.DEFAULT_RESULTS_TOPIC, 18, KafkaTestKit.WAIT).size(), "18 answers on the topic");
                    // As if the kill had cut a write short.
                    Files.writeString(results, "{\"request_id\":\"resume-0000", StandardOpenOption.APPEND);

                    // 2. The second run reads those eight first, sends the 18 lines still open; Ctrl-C.
                    Process second = child(batch, "second");
                    await(() -> read(tmp.resolve("second.err")).contains("lines to send"), "the second run sending");
                    second.destroy();
                    assertTrue(second.waitFor(30, TimeUnit.SECONDS), "the second run ends on SIGTERM");
                    String err = read(tmp.resolve("second.err"));
                    assertTrue(err.contains("[batch] results.jsonl: dropped a torn last line"), err);
                    assertTrue(err.contains("[batch] 18 lines to send (8 results read from the topic first)"), err);
                    assertTrue(err.contains("stopped: 18 lines still without a result; run the same command again"), err);
                    assertTrue(read(tmp.resolve("second.out")).contains("batch summary, job resume (interrupted)"),
                            read(tmp.resolve("second.out")));
                    assertEquals(18, lines(results));

                    // 3. Finished here: every request is answered now, some twice (both earlier runs sent them).
                    engine[0].permits.release(10_000);
                    StringWriter stdout = new StringWriter();
                    StringWriter stderr = new StringWriter();
                    int code = UmbraCommand.execute(Map.of(), new PrintWriter(stdout, true), new PrintWriter(stderr, true),
                            batch.toArray(String[]::new));
                    assertEquals(0, code, stderr.toString());
                    assertTrue(stdout.toString().contains("lines        36  with a result 36  missing 0  (18 done before"
                            + " this run)"), stdout.toString());
                } finally {
                    engine[0].permits.release(10_000);
                }
            }
        }

        List<JsonObject> lines = Files.readAllLines(results).stream().map(JsonObject::new).toList();
        assertEquals(LINES, lines.size());
        Set<String> ids = lines.stream().map(j -> j.getString("request_id")).collect(Collectors.toSet());
        assertEquals(IntStream.rangeClosed(1, LINES).mapToObj(i -> String.format("%s-%06d", JOB, i))
                .collect(Collectors.toSet()), ids, "exactly one result per line");
        for (JsonObject line : lines) {
            assertEquals("OK", line.getString("status"), line.encode());
            Path png = out.resolve("images").resolve(line.getString("request_id")).resolve("0.png");
            assertNotNull(ImageIO.read(png.toFile()), png + " is a PNG");
        }
        try (var files = Files.walk(out.resolve("images"))) {
            assertEquals(List.of(), files.filter(p -> p.getFileName().toString().endsWith(".part")).toList());
        }
    }

    private Process child(List<String> args, String name) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), UmbraCommand.class.getName()));
        command.addAll(args);
        return new ProcessBuilder(command).redirectOutput(tmp.resolve(name + ".out").toFile())
                .redirectError(tmp.resolve(name + ".err").toFile()).start();
    }

    private static long lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file).stream().filter(l -> l.endsWith("}")).count() : 0;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(20);
        }
    }
}
