package dev.umbra.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.umbra.decoder.pool.DecoderOptions;
import dev.umbra.jobs.EmbeddedWorker;
import dev.umbra.kafka.DecodeConfig;
import dev.umbra.kafka.WorkerConfig;
import dev.umbra.kafka.broker.EmbeddedKafkaBroker;
import dev.umbra.worker.DecodeStage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python and Node examples of schemas/README.md, run as a user runs them against an embedded broker and a real
 * worker on the default model: each sends a request and must print its result, status OK. Skipped, saying what to
 * install, where the interpreter or the example's packages are missing ({@code schemas/examples/setup.sh} installs
 * them).
 */
class ExamplesTest {

    private static final Path EXAMPLES = repoRoot().resolve("schemas").resolve("examples");
    private static final String SETUP = "run schemas/examples/setup.sh";

    private static EmbeddedKafkaBroker broker;
    private static EmbeddedWorker worker;

    @TempDir
    static Path tmp;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void pythonExampleSendsARequestAndPrintsItsResult() throws Exception {
        String python = firstWorking(Arrays.asList(System.getenv("UMBRA_PYTHON"), "python3", "/usr/bin/python3"),
                "-c", "import fastavro, kafka");
        assumeTrue(python != null, "no python3 with fastavro and kafka-python: " + SETUP
                + " (pip install --user -r schemas/examples/python/requirements.txt), or set UMBRA_PYTHON");
        checkExample("py-example-1", python, EXAMPLES.resolve("python/produce_and_read.py").toString());
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void nodeExampleSendsARequestAndPrintsItsResult() throws Exception {
        Path modules = EXAMPLES.resolve("node/node_modules");
        String node = firstWorking(List.of("node"), "--version");
        assumeTrue(node != null && Files.isDirectory(modules.resolve("avsc")) && Files.isDirectory(modules.resolve(
                "kafkajs")), "no node, or no avsc and kafkajs in " + modules + ": " + SETUP + " (npm ci in"
                + " schemas/examples/node)");
        checkExample("node-example-1", node, EXAMPLES.resolve("node/produce_and_read.js").toString());
    }

    private static void checkExample(String requestId, String... command) throws Exception {
        List<String> args = new ArrayList<>(Arrays.asList(command));
        args.addAll(List.of("--bootstrap-servers", pipeline().bootstrapServers(), "--request-id", requestId,
                "--prompt", "a red cube", "--timeout-s", "90"));
        Path log = tmp.resolve(requestId + ".log");
        Process p = new ProcessBuilder(args).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean ended = p.waitFor(120, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        String output = Files.readString(log);
        System.out.print(output);   // into the test report, as a user would see it
        assertTrue(ended, "the example did not end: " + output);
        assertEquals(0, p.exitValue(), output);
        assertTrue(output.contains("result request_id=" + requestId + " status=OK error_code=None images=1")
                || output.contains("result request_id=" + requestId + " status=OK error_code=null images=1"), output);
    }

    /** The broker and the worker, started by the first test that runs an example. */
    private static synchronized EmbeddedKafkaBroker pipeline() throws Exception {
        if (broker == null) {
            broker = EmbeddedKafkaBroker.start();
            broker.createTopics(Map.of(WorkerConfig.DEFAULT_PROMPTS_TOPIC, 2, WorkerConfig.DEFAULT_RESULTS_TOPIC, 1,
                    WorkerConfig.DEFAULT_DEAD_LETTER_TOPIC, 1));
            DecoderOptions d = DecoderOptions.defaults();
            worker = EmbeddedWorker.start(WorkerConfig.builder(broker.bootstrapServers()).workerId("examples-worker")
                    .build(), new DecodeConfig(new DecoderOptions(d.decoder(), 1, d.queueBound(), d.maxBatch(),
                    d.attempts(), 1, null, d.timeout()), new DecodeStage.Settings(
                    DecodeConfig.DEFAULT_INLINE_LIMIT_BYTES, true), tmp.resolve("worker-images")));
        }
        return broker;
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (worker != null) {
                worker.close();
            }
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
    }

    /** The first program that runs with {@code check} and exits 0, or null. */
    private static String firstWorking(List<String> candidates, String... check) {
        for (String program : candidates.stream().filter(Objects::nonNull).toList()) {
            List<String> command = new ArrayList<>(List.of(program));
            command.addAll(List.of(check));
            try {
                Process p = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return program;
                }
                p.destroyForcibly();
            } catch (IOException e) {
                // not installed
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    private static Path repoRoot() {
        Path path = Path.of("").toAbsolutePath();
        while (path != null && !Files.isDirectory(path.resolve("schemas").resolve("avro"))) {
            path = path.getParent();
        }
        return Objects.requireNonNull(path, "no schemas/avro above " + Path.of("").toAbsolutePath());
    }
}
