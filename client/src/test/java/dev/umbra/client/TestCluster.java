package dev.umbra.client;

import dev.umbra.kafka.DecodeConfig;
import dev.umbra.kafka.WorkerConfig;
import dev.umbra.kafka.WorkerProcess;
import dev.umbra.kafka.broker.EmbeddedKafkaBroker;
import dev.umbra.model.EmbeddedModels;
import dev.umbra.model.RuntimeOptions;
import dev.umbra.schemas.EventCodec;
import dev.umbra.schemas.ImageResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * One embedded broker for every test class of the module (surefire runs them in one JVM; started on first use, closed
 * at exit), with fresh topic names per test and workers on them.
 */
final class TestCluster {

    static final EventCodec CODEC = new EventCodec();
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static EmbeddedKafkaBroker broker;

    private TestCluster() {}

    static synchronized String bootstrap() {
        if (broker == null) {
            broker = EmbeddedKafkaBroker.start();
            EmbeddedKafkaBroker b = broker;
            Runtime.getRuntime().addShutdownHook(new Thread(b::close));
        }
        return broker.bootstrapServers();
    }

    /** A worker's topics and group, named apart from every other test's. */
    record Topics(String prompts, String results, String deadLetters, String group) {
        WorkerConfig.Builder config() {
            return WorkerConfig.builder(bootstrap()).promptsTopic(prompts).resultsTopic(results)
                    .deadLetterTopic(deadLetters).groupId(group).workerId(group + "-worker");
        }
    }

    static Topics topics(String name) {
        String n = name + "-" + SEQ.incrementAndGet() + "-" + Long.toString(System.nanoTime() % 1_000_000, 36);
        Topics t = new Topics("it." + n + ".prompts", "it." + n + ".results", "it." + n + ".dead", "it-" + n);
        bootstrap();
        broker.createTopics(Map.of(t.prompts(), 1, t.results(), 1, t.deadLetters(), 1));
        return t;
    }

    /** A worker on the tiny embedded model, embeddings only (no pictures: fast). */
    static WorkerProcess worker(Topics topics) throws Exception {
        return worker(topics.config().build(), DecodeConfig.none(), EmbeddedModels.tinyModelDir());
    }

    static WorkerProcess worker(WorkerConfig config, DecodeConfig decode, Path model) throws Exception {
        return WorkerProcess.start(config, decode, model, RuntimeOptions.defaults());
    }

    static UmbraClient.Builder client(Topics topics) {
        return UmbraClient.builder(bootstrap()).promptsTopic(topics.prompts()).deleteReplyTopicOnClose(true);
    }

    /** Every record on the topic now (from the beginning), read for {@code wait} at least. */
    static List<ConsumerRecord<byte[], byte[]>> readAll(String topic, Duration wait) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap()),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            long end = System.nanoTime() + wait.toNanos();
            while (System.nanoTime() < end) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            return out;
        }
    }

    static List<ImageResult> results(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> CODEC.decodeImageResult(r.value())).toList();
    }

    /** Writes a value to a topic, as a worker would (keyed by the result's request id). */
    static void publish(String topic, ImageResult result) throws Exception {
        publish(topic, null, result);
    }

    static void publish(String topic, Integer partition, ImageResult result) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(topic, partition, result.getRequestId().getBytes(), CODEC.encode(result)))
                    .get();
        }
    }

    static void createTopic(String name, int partitions) {
        bootstrap();
        broker.createTopics(Map.of(name, partitions));
    }

    static boolean topicExists(String name) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap()),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            return c.listTopics(Duration.ofSeconds(10)).containsKey(name);
        }
    }

    static void publishRaw(String topic, byte[] value) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(topic, value)).get();
        }
    }

    static void await(BooleanSupplier condition, Duration within, Supplier<String> what) throws InterruptedException {
        long end = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + within.toMillis() + " ms: " + what.get());
            }
            Thread.sleep(20);
        }
    }
}
