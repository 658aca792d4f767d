package dev.umbra.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.umbra.kafka.KafkaTestKit;
import dev.umbra.kafka.broker.EmbeddedKafkaBroker;
import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.Status;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker started as a deployment starts it: {@code run --config FILE} and nothing else on the command line, one
 * variable in the environment, in a JVM of its own (the real environment, the real logback.xml) on the embedded
 * broker. It answers with the file's settings, the variable's worker id, and logs JSON lines only.
 */
class RunFromConfigFileTest {

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aWorkerConfiguredByFileAndEnvironmentAnswersAndLogsJson() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            KafkaTestKit kit = new KafkaTestKit(broker.bootstrapServers());
            KafkaTestKit.Topics topics = kit.createTopics("config-file", 1);
            int httpPort;
            try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
                httpPort = free.getLocalPort();
            }
            Path config = Files.writeString(tmp.resolve("worker.yaml"), String.join("\n",
                    "bootstrap-servers: " + broker.bootstrapServers(),
                    "prompts-topic: " + topics.prompts(),
                    "results-topic: " + topics.results(),
                    "dead-letter-topic: " + topics.deadLetters(),
                    "group-id: " + topics.group(),
                    "worker-id: from-file",
                    "model: \"null:8\"",
                    "decoder: none",
                    "threads: 1",
                    "log-format: json",
                    "http-port: " + httpPort,
                    "kafka-property:",
                    "  consumer.session.timeout.ms: 6000",
                    ""));
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Path log = tmp.resolve("worker.log");
            ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "-Dai.djl.offline=true", "-cp",
                    System.getProperty("java.class.path"), UmbraCommand.class.getName(), "run", "--config",
                    config.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("UMBRA_WORKER_ID", "from-env");
            pb.environment().put("DJL_OFFLINE", "true");
            Process worker = pb.start();
            try {
                kit.produce(List.of(KafkaTestKit.record(topics.prompts(), KafkaTestKit.request("r-1", "a cat").build())));
                List<ImageResult> results = kit.readAtLeast(topics.results(), 1).stream()
                        .map(r -> KafkaTestKit.CODEC.decodeImageResult(r.value())).toList();
                if (results.isEmpty()) {
                    fail("no result; the worker's log:\n" + Files.readString(log));
                }
                assertEquals(Status.OK, results.get(0).getStatus());
                assertEquals("from-env", results.get(0).getWorkerId(), "the environment over the file");
                // HTTP from the file too: ready, and the answer counted on /metrics.
                String base = "http://127.0.0.1:" + httpPort;
                assertEquals(200, dev.umbra.http.OpsServerIntegrationTest.get(base + "/health/ready").statusCode());
                KafkaTestKit.await(() -> dev.umbra.http.OpsServerIntegrationTest.value(
                        dev.umbra.http.OpsServerIntegrationTest.scrape(base), "umbra_results_total",
                        "handed_on=\"false\",role=\"all\",status=\"OK\"") == 1.0, () -> "no result on /metrics");
            } finally {
                worker.destroy();   // SIGTERM: the clean stop
                assertTrue(worker.waitFor(60, TimeUnit.SECONDS), "the worker did not stop");
            }
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            List<JsonNode> json = new ArrayList<>();
            for (String line : lines) {
                try {
                    json.add(new ObjectMapper().readTree(line));
                } catch (Exception e) {
                    fail("not a JSON line: " + line + "\nin:\n" + String.join("\n", lines));
                }
            }
            assertTrue(json.stream().anyMatch(j -> j.path("loggerName").asText().startsWith("dev.umbra.")
                    && j.path("level").asText().equals("INFO")), String.join("\n", lines));
        }
    }
}
