package dev.umbra.kafka.broker;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded broker against plain kafka-clients on loopback: topics, records, transactions, groups, lifecycle. */
class EmbeddedKafkaBrokerTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    /** One broker for the client tests; the lifecycle tests start their own. */
    private static EmbeddedKafkaBroker kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafkaBroker.start();
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void advertisesLoopbackOnly() throws Exception {
        assertEquals("127.0.0.1:" + kafka.port(), kafka.bootstrapServers());
        try (Admin admin = admin(kafka)) {
            Collection<Node> nodes = admin.describeCluster().nodes().get();
            assertEquals(1, nodes.size(), "a single-node cluster");
            assertEquals("127.0.0.1", nodes.iterator().next().host());
            assertEquals(kafka.clusterId(), admin.describeCluster().clusterId().get());
        }
    }

    @Test
    void producesAndConsumesAcrossThreePartitions() throws Exception {
        String topic = "three-partitions";
        kafka.createTopics(Map.of(topic, 3));
        try (Admin admin = admin(kafka)) {
            assertEquals(3, admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size());
        }
        int count = 30;
        try (var producer = new KafkaProducer<String, String>(KafkaTestClients.producerProps(kafka.bootstrapServers()))) {
            for (int i = 0; i < count; i++) {
                // Explicit partitions so that all three are exercised.
                producer.send(new ProducerRecord<>(topic, i % 3, "k" + i, "v" + i)).get();
            }
        }
        try (var consumer = new KafkaConsumer<String, String>(
                KafkaTestClients.consumerProps(kafka.bootstrapServers(), "three-partitions-reader"))) {
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<String, String>> records = KafkaTestClients.pollAtLeast(consumer, count, WAIT);
            assertEquals(count, records.size());
            assertEquals(Set.of(0, 1, 2), records.stream().map(ConsumerRecord::partition).collect(Collectors.toSet()));
            for (ConsumerRecord<String, String> r : records) {
                int i = Integer.parseInt(r.value().substring(1));
                assertEquals("k" + i, r.key());
                assertEquals(i % 3, r.partition(), "record " + i + " on the partition it was sent to");
            }
        }
    }

    @Test
    void transactionalProducerCommitsAndAborts() throws Exception {
        String topic = "transactional";
        kafka.createTopics(Map.of(topic, 1));
        Map<String, Object> props = new HashMap<>(KafkaTestClients.producerProps(kafka.bootstrapServers()));
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "umbra-test-tx");
        try (var producer = new KafkaProducer<String, String>(props)) {
            // initTransactions needs the transaction state log: with replication factor 3 it would time out here.
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "a", "committed-1"));
            producer.send(new ProducerRecord<>(topic, "b", "committed-2"));
            producer.commitTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "c", "aborted"));
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "d", "committed-3"));
            producer.commitTransaction();
        }
        Map<String, Object> consumerProps = new HashMap<>(
                KafkaTestClients.consumerProps(kafka.bootstrapServers(), "transactional-reader"));
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (var consumer = new KafkaConsumer<String, String>(consumerProps)) {
            consumer.subscribe(List.of(topic));
            List<String> values = KafkaTestClients.pollAtLeast(consumer, 3, WAIT).stream()
                    .map(ConsumerRecord::value).toList();
            assertEquals(List.of("committed-1", "committed-2", "committed-3"), values);
            // Nothing more arrives: the aborted record stays invisible to read_committed.
            assertTrue(consumer.poll(Duration.ofMillis(300)).isEmpty());
        }
    }

    @Test
    void consumerGroupCommitsAndReadsBackOffsets() throws Exception {
        String topic = "group-offsets";
        String group = "offset-committer";
        kafka.createTopics(Map.of(topic, 1));
        try (var producer = new KafkaProducer<String, String>(KafkaTestClients.producerProps(kafka.bootstrapServers()))) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i)).get();
            }
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        try (var consumer = new KafkaConsumer<String, String>(
                KafkaTestClients.consumerProps(kafka.bootstrapServers(), group))) {
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<String, String>> first = KafkaTestClients.pollAtLeast(consumer, 10, WAIT);
            assertEquals(10, first.size());
            // Commit only the first six: the next member must resume at offset 6.
            consumer.commitSync(Map.of(tp, new OffsetAndMetadata(6)));
            assertEquals(6, consumer.committed(Set.of(tp)).get(tp).offset());
        }
        try (Admin admin = admin(kafka)) {
            Map<TopicPartition, OffsetAndMetadata> offsets =
                    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            assertEquals(6, offsets.get(tp).offset());
        }
        try (var consumer = new KafkaConsumer<String, String>(
                KafkaTestClients.consumerProps(kafka.bootstrapServers(), group))) {
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<String, String>> rest = KafkaTestClients.pollAtLeast(consumer, 4, WAIT);
            assertEquals(List.of("v6", "v7", "v8", "v9"), rest.stream().map(ConsumerRecord::value).toList());
        }
    }

    @Test
    void createTopicsAcceptsAnExistingTopicAndRefusesAnotherPartitionCount() {
        kafka.createTopics(List.of(new TopicSpec("configured", 2, Map.of("retention.ms", "60000"))));
        assertDoesNotThrow(() -> kafka.createTopics(Map.of("configured", 2)));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> kafka.createTopics(Map.of("configured", 5)));
        assertTrue(e.getMessage().contains("'configured'") && e.getMessage().contains("2 partitions"), e.getMessage());
    }

    @Test
    void twoBrokersInOneJvmDoNotClash() throws Exception {
        try (EmbeddedKafkaBroker second = EmbeddedKafkaBroker.start()) {
            assertNotEquals(kafka.bootstrapServers(), second.bootstrapServers());
            assertNotEquals(kafka.dataDir(), second.dataDir());
            assertNotEquals(kafka.clusterId(), second.clusterId());
            second.createTopics(Map.of("only-on-second", 1));
            try (var producer = new KafkaProducer<String, String>(KafkaTestClients.producerProps(second.bootstrapServers()))) {
                producer.send(new ProducerRecord<>("only-on-second", "k", "v")).get();
            }
            try (Admin first = admin(kafka); Admin other = admin(second)) {
                assertTrue(other.listTopics().names().get().contains("only-on-second"));
                assertFalse(first.listTopics().names().get().contains("only-on-second"));
            }
        }
        // The first broker still serves after the second one closed.
        try (Admin admin = admin(kafka)) {
            assertEquals(1, admin.describeCluster().nodes().get().size());
        }
    }

    @Test
    void closeRemovesTheTemporaryDirectoryLeavesNoThreadsAndIsIdempotent() throws Exception {
        Set<Thread> before = liveNonDaemonThreads();
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        Path dir = broker.dataDir();
        assertTrue(Files.isDirectory(dir));
        broker.createTopics(Map.of("soon-gone", 1));
        broker.close();
        assertFalse(Files.exists(dir), dir + " removed on close");
        assertDoesNotThrow(broker::close, "a second close is harmless");
        assertThrows(IllegalStateException.class, () -> broker.createTopics(Map.of("late", 1)));
        List<Thread> leaked = awaitNoNewNonDaemonThreads(before, Duration.ofSeconds(10));
        assertTrue(leaked.isEmpty(), "threads that would keep the JVM alive: " + leaked);
    }

    @Test
    void givenDataDirIsKeptAndReusedAcrossRestarts(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("kafka-data");
        BrokerOptions options = BrokerOptions.defaults().withDataDir(dir);
        String clusterId;
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(options)) {
            clusterId = broker.clusterId();
            broker.createTopics(Map.of("durable", 2));
        }
        assertTrue(Files.exists(dir.resolve("meta.properties")), "a given directory is kept");
        try (EmbeddedKafkaBroker again = EmbeddedKafkaBroker.start(options); Admin admin = admin(again)) {
            assertEquals(clusterId, again.clusterId());
            assertTrue(admin.listTopics().names().get().contains("durable"));
        }
    }

    @Test
    void aTakenFixedPortFailsWithAClearError() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            int port = taken.getLocalPort();
            KafkaSetupException e = assertThrows(KafkaSetupException.class,
                    () -> EmbeddedKafkaBroker.start(BrokerOptions.defaults().withBrokerPort(port)));
            assertTrue(e.getMessage().contains(String.valueOf(port)), e.getMessage());
        }
    }

    @Test
    void aStartThatOutlastsItsTimeoutFailsClearlyAndCleansUpAfterwards() throws Exception {
        Set<Thread> before = liveNonDaemonThreads();
        KafkaSetupException e = assertThrows(KafkaSetupException.class,
                () -> EmbeddedKafkaBroker.start(BrokerOptions.defaults().withStartTimeout(Duration.ofMillis(1))));
        assertTrue(e.getMessage().contains("within 1 ms"), e.getMessage());
        // The abandoned node finishes its startup, then shuts down and removes its temporary directory.
        Path dir = Path.of(e.getMessage().replaceAll(".*data in (\\S+)\\).*", "$1"));
        assertTrue(dir.getFileName().toString().startsWith("umbra-kafka-"), dir.toString());
        List<Thread> leaked = awaitNoNewNonDaemonThreads(before, WAIT);
        assertTrue(leaked.isEmpty(), "threads left by the abandoned start: " + leaked);
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (Files.exists(dir) && System.nanoTime() - deadline < 0) {
            Thread.sleep(50);
        }
        assertFalse(Files.exists(dir), dir + " removed after the abandoned start");
    }

    private static Admin admin(EmbeddedKafkaBroker broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    private static Set<Thread> liveNonDaemonThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !t.isDaemon())
                .collect(Collectors.toSet());
    }

    private static List<Thread> awaitNoNewNonDaemonThreads(Set<Thread> before, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Thread> extra;
        do {
            extra = new ArrayList<>(liveNonDaemonThreads());
            extra.removeAll(before);
            if (extra.isEmpty()) {
                break;
            }
            Thread.sleep(50);
        } while (System.nanoTime() - deadline < 0);
        return extra;
    }
}
