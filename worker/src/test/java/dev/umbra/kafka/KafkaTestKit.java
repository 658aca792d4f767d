package dev.umbra.kafka;

import static org.junit.jupiter.api.Assertions.fail;

import dev.umbra.schemas.EventCodec;
import dev.umbra.schemas.PromptRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Plain kafka-clients helpers for the worker's integration tests: topics, raw records, offsets, bounded waits. */
public final class KafkaTestKit {

    public static final Duration WAIT = Duration.ofSeconds(60);
    public static final EventCodec CODEC = new EventCodec();

    private final String bootstrapServers;

    public KafkaTestKit(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Topic names unique to one test, so that tests can share a broker. */
    public record Topics(String prompts, String results, String deadLetters, String group) {
        public static Topics unique(String test) {
            String p = test + "-" + Long.toString(System.nanoTime(), 36);
            return new Topics(p + ".prompts", p + ".results", p + ".dead-letter", p + ".group");
        }

        /** Where the prior role hands its answers to the decoder role (made by the three-argument createTopics). */
        String embeddings() {
            return prompts.substring(0, prompts.length() - ".prompts".length()) + ".embeddings";
        }

        public WorkerConfig.Builder config(String bootstrapServers) {
            return WorkerConfig.builder(bootstrapServers).promptsTopic(prompts).resultsTopic(results)
                    .deadLetterTopic(deadLetters).groupId(group).workerId("it-worker");
        }
    }

    public Topics createTopics(String test, int promptPartitions) throws Exception {
        return createTopics(test, promptPartitions, 0);
    }

    /** The topics, and with {@code embeddingsPartitions > 0} the embeddings topic of the split roles too. */
    public Topics createTopics(String test, int promptPartitions, int embeddingsPartitions) throws Exception {
        Topics t = Topics.unique(test);
        List<NewTopic> topics = new ArrayList<>(List.of(new NewTopic(t.prompts(), promptPartitions, (short) 1),
                new NewTopic(t.results(), 1, (short) 1), new NewTopic(t.deadLetters(), 1, (short) 1)));
        if (embeddingsPartitions > 0) {
            topics.add(new NewTopic(t.embeddings(), embeddingsPartitions, (short) 1));
        }
        try (Admin admin = admin()) {
            admin.createTopics(topics).all().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        return t;
    }

    public static PromptRequest.Builder request(String id, String prompt) {
        return PromptRequest.newBuilder().setRequestId(id).setPrompt(prompt).setSeed(7L).setCreatedAt(Instant.now());
    }

    public static ProducerRecord<byte[], byte[]> record(String topic, PromptRequest request) {
        return new ProducerRecord<>(topic, key(request.getRequestId()), CODEC.encode(request));
    }

    public static byte[] key(String id) {
        return id.getBytes(StandardCharsets.UTF_8);
    }

    /** Sends and waits for the broker's acknowledgement of every record, in order. */
    public void produce(List<ProducerRecord<byte[], byte[]>> records) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                Map.of("bootstrap.servers", bootstrapServers, "acks", "all"),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (ProducerRecord<byte[], byte[]> r : records) {
                producer.send(r).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
        }
    }

    /** Reads a topic from its start until {@code count} records arrived (or the wait ran out: the caller asserts). */
    public List<ConsumerRecord<byte[], byte[]>> readAtLeast(String topic, int count) {
        return readFor(topic, count, WAIT);
    }

    /** Reads a topic from its start for up to {@code time}, stopping early at {@code count} records. */
    public List<ConsumerRecord<byte[], byte[]>> readFor(String topic, int count, Duration time) {
        return readFor(topic, count, time, false);
    }

    /** {@link #readFor(String, int, Duration)} as a read_committed consumer: committed transactions only. */
    public List<ConsumerRecord<byte[], byte[]>> readCommittedFor(String topic, int count, Duration time) {
        return readFor(topic, count, time, true);
    }

    private List<ConsumerRecord<byte[], byte[]>> readFor(String topic, int count, Duration time, boolean committed) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                Map.of("bootstrap.servers", bootstrapServers, "enable.auto.commit", "false",
                        "isolation.level", committed ? "read_committed" : "read_uncommitted"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            long deadline = System.nanoTime() + time.toNanos();
            while (records.size() < count && System.nanoTime() - deadline < 0) {
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
            }
            return records;
        }
    }

    /** The group's committed offsets (absent partitions: nothing committed). */
    public Map<TopicPartition, Long> committed(String group) throws Exception {
        try (Admin admin = admin()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            Map<TopicPartition, Long> result = new HashMap<>();
            offsets.forEach((tp, om) -> {
                if (om != null) {
                    result.put(tp, om.offset());
                }
            });
            return result;
        }
    }

    /** Each partition's end offset: what a fully caught-up group has committed. */
    public Map<TopicPartition, Long> endOffsets(String topic) throws Exception {
        try (Admin admin = admin()) {
            int partitions = admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS).get(topic).partitions().size();
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                request.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            return admin.listOffsets(request).all().get(WAIT.toSeconds(), TimeUnit.SECONDS).entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        }
    }

    /** Waits until the group has committed the end of every partition of the topic. */
    public void awaitFullyCommitted(String group, String topic) throws Exception {
        Map<TopicPartition, Long> end = endOffsets(topic);
        await(() -> {
            try {
                return committed(group).equals(end);
            } catch (Exception e) {
                return false;
            }
        }, () -> "group " + group + " did not commit " + end + " in time: " + safeCommitted(group));
    }

    private String safeCommitted(String group) {
        try {
            return "committed " + committed(group);
        } catch (Exception e) {
            return e.toString();
        }
    }

    /** Polls a condition every few milliseconds until it holds, failing after {@link #WAIT}. */
    public static void await(BooleanSupplier condition, Supplier<String> failure) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail(failure.get());
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }

    private Admin admin() {
        return Admin.create(Map.of("bootstrap.servers", bootstrapServers));
    }
}
