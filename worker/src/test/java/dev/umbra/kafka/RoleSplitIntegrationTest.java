package dev.umbra.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.kafka.broker.EmbeddedKafkaBroker;
import dev.umbra.model.RuntimeOptions;
import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.PriorOutput;
import dev.umbra.schemas.Status;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The prior and the decoders scaled apart, as {@code run --role prior} and {@code run --role decoder} deploy them: one
 * prior worker and two decoder processes (real JVMs running the CLI) on the embedded broker. Every request is
 * answered with a picture, and still is after one decoder is killed with SIGKILL in the middle of the run: its
 * uncommitted prior outputs go to the other decoder once the group notices. In both delivery modes: exactly once,
 * the prior's hand-ons are in its transactions, decoders read them read_committed, and a read_committed reader of the
 * results sees each request once, the kill included.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class RoleSplitIntegrationTest {

    private static final int REQUESTS = 120;
    private static final Pattern ASSIGNED = Pattern.compile("assigned \\[.+]");

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(Delivery.class)
    void onePriorAndTwoDecodersAnswerEveryRequestThoughOneDecoderIsKilled(Delivery delivery) throws Exception {
        boolean exactlyOnce = delivery == Delivery.EXACTLY_ONCE;
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            KafkaTestKit kit = new KafkaTestKit(broker.bootstrapServers());
            KafkaTestKit.Topics t = kit.createTopics("roles", 2, 2);
            String embeddings = t.embeddings();
            WorkerConfig prior = t.config(broker.bootstrapServers()).role(WorkerRole.PRIOR)
                    .embeddingsTopic(embeddings).workerId("prior-1").delivery(delivery).build();
            List<WorkerJvm> decoders = new ArrayList<>();
            try (WorkerProcess priorProcess = WorkerProcess.start(prior, null, RuntimeOptions.defaults())) {
                for (String id : List.of("decoder-a", "decoder-b")) {
                    decoders.add(startDecoder(id, broker.bootstrapServers(), t, embeddings, delivery, tmp));
                }
                for (WorkerJvm d : decoders) {
                    d.awaitLog(ASSIGNED, "its share of the embeddings topic");
                }

                List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
                for (int i = 0; i < REQUESTS; i++) {
                    records.add(KafkaTestKit.record(t.prompts(), KafkaTestKit.request("r" + i,
                            i % 2 == 0 ? "a red circle" : "a blue square").setSeed((long) i).build()));
                }
                kit.produce(records);

                // Kill decoder A once it has answered something and the run is not over.
                WorkerJvm a = decoders.get(0);
                KafkaTestKit.await(() -> answeredBy(kit, t.results(), a.id(), exactlyOnce) >= 3,
                        () -> "decoder A answered nothing (" + results(kit, t.results(), exactlyOnce).size() + " results in all):\n"
                                + a.log() + "\ndecoder B:\n" + decoders.get(1).log());
                int answeredAtKill = results(kit, t.results(), exactlyOnce).size();
                assertTrue(a.kill(), "decoder A did not die");
                assertTrue(answeredAtKill < REQUESTS, "the run ended before the kill (" + answeredAtKill
                        + " answered): nothing was left to hand over");

                Map<String, ImageResult> byId = new HashMap<>();
                KafkaTestKit.await(() -> {
                    results(kit, t.results(), exactlyOnce).forEach(r -> byId.put(r.getRequestId(), r));
                    return byId.size() == REQUESTS;
                }, () -> byId.size() + " of " + REQUESTS + " requests answered after the kill; decoder B:\n"
                        + decoders.get(1).log());

                for (ImageResult r : byId.values()) {
                    assertEquals(Status.OK, r.getStatus(), r.getRequestId() + ": " + r.getErrorMessage());
                    assertEquals(1, r.getImages().size());
                    assertNotNull(r.getImages().get(0).getImage(), r.getRequestId() + " has no picture");
                    assertEquals(64, r.getImages().get(0).getWidth());
                    assertTrue(r.getTimings().getDecodeMs() > 0, "decode_ms of " + r.getRequestId());
                    assertTrue(r.getTimings().getPriorMs() > 0, "the prior's timings travel with the result");
                    assertTrue(Set.of("decoder-a", "decoder-b").contains(r.getWorkerId()), r.getWorkerId());
                }
                Set<String> workers = byId.values().stream().map(ImageResult::getWorkerId).collect(Collectors.toSet());
                assertEquals(Set.of("decoder-a", "decoder-b"), workers, "both decoders answered");
                // Every request went through the embeddings topic, as a PriorOutput the prior wrote.
                List<ConsumerRecord<byte[], byte[]>> handed = kit.readAtLeast(embeddings, REQUESTS);
                Set<String> handedIds = new HashSet<>();
                for (ConsumerRecord<byte[], byte[]> r : handed) {
                    PriorOutput output = KafkaTestKit.CODEC.decodePriorOutput(r.value());
                    assertEquals("prior-1", output.getResult().getWorkerId());
                    assertEquals(new String(r.key(), StandardCharsets.UTF_8), output.getResult().getRequestId());
                    handedIds.add(output.getResult().getRequestId());
                }
                assertEquals(REQUESTS, handedIds.size());
                // The handover itself: B answered prior outputs of the partition A held when it was killed.
                // What A held at the kill: its assignments and (cooperative, incremental) revocations replayed.
                Set<Integer> heldNow = new HashSet<>();
                var change = Pattern.compile("(assigned|revoked) \\[([^\\]]*)]").matcher(a.log());
                var partition = Pattern.compile("topic=" + Pattern.quote(embeddings) + ", partition=(\\d+)");
                while (change.find()) {
                    var p = partition.matcher(change.group(2));
                    while (p.find()) {
                        if (change.group(1).equals("assigned")) {
                            heldNow.add(Integer.parseInt(p.group(1)));
                        } else {
                            heldNow.remove(Integer.parseInt(p.group(1)));
                        }
                    }
                }
                assertEquals(1, heldNow.size(), "decoder A's partition is not in its log:\n" + a.log());
                int heldByA = heldNow.iterator().next();
                int partitionOfA = heldByA;
                Set<String> ofA = handed.stream().filter(r -> r.partition() == partitionOfA)
                        .map(r -> new String(r.key(), StandardCharsets.UTF_8)).collect(Collectors.toSet());
                long takenOver = byId.values().stream()
                        .filter(r -> ofA.contains(r.getRequestId()) && r.getWorkerId().equals("decoder-b")).count();
                assertTrue(takenOver > 0, "decoder B answered none of the " + ofA.size() + " requests on partition "
                        + partitionOfA + ", which A held");
                kit.awaitFullyCommitted(t.group(), t.prompts());
                kit.awaitFullyCommitted(WorkerConfig.DEFAULT_DECODER_GROUP_ID, embeddings);
                int total = results(kit, t.results(), exactlyOnce).size();
                System.out.printf("role split (%s): %d requests, %d results (%d duplicates after the kill), %d"
                        + " answered before the kill, %d of A's partition answered by B%n", delivery.cliName(),
                        REQUESTS, total, total - REQUESTS, answeredAtKill, takenOver);
                if (exactlyOnce) {
                    assertEquals(REQUESTS, total, "a read_committed reader sees each request once");
                }
            } finally {
                for (WorkerJvm d : decoders) {
                    d.stop();
                }
            }
        }
    }

    private static List<ImageResult> results(KafkaTestKit kit, String topic, boolean committed) {
        return (committed ? kit.readCommittedFor(topic, Integer.MAX_VALUE, Duration.ofMillis(300))
                : kit.readFor(topic, Integer.MAX_VALUE, Duration.ofMillis(300))).stream()
                .map(r -> KafkaTestKit.CODEC.decodeImageResult(r.value())).toList();
    }

    private static long answeredBy(KafkaTestKit kit, String topic, String workerId, boolean committed) {
        return results(kit, topic, committed).stream().filter(r -> r.getWorkerId().equals(workerId)).count();
    }

    /** A decoder worker in its own JVM, as {@code java -jar umbra-worker.jar run --role decoder} runs it. */
    private static WorkerJvm startDecoder(String id, String bootstrap, KafkaTestKit.Topics t, String embeddings,
            Delivery delivery, Path dir) throws IOException {
        return WorkerJvm.start(id, "1g", dir.resolve(delivery.cliName() + "-" + id + ".log"), List.of("--role",
                "decoder", "--bootstrap-servers", bootstrap, "--embeddings-topic", embeddings, "--results-topic",
                t.results(), "--dead-letter-topic", t.deadLetters(), "--prompts-topic", t.prompts(),
                "--image-dir", dir.resolve(delivery.cliName() + "-" + id).toString(), "--delivery",
                delivery.cliName()));
    }
}
