package dev.umbra.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.kafka.broker.BrokerOptions;
import dev.umbra.kafka.broker.BrokerSecurity;
import dev.umbra.kafka.broker.EmbeddedKafkaBroker;
import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker on a secured cluster: the embedded broker with a SASL_SSL listener (SCRAM-SHA-512, TLS with a CA and a
 * certificate made here by keytool) and ACLs enforced by the StandardAuthorizer. Clients and workers (the real CLI,
 * {@code run}, in JVMs of their own) log in as users with exactly the ACLs a worker needs, or with a wrong password, or
 * with one ACL missing.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SecureKafkaIntegrationTest {

    private static final String ADMIN = "umbra-admin";
    private static final String ADMIN_PASSWORD = "admin-" + Long.toHexString(System.nanoTime());
    /** A refused login must end the worker well inside this (the consumer would otherwise retry for ever). */
    private static final long REFUSAL_SECONDS = 30;
    private static final Pattern ERROR_LINE = Pattern.compile("(?m)^umbra-worker run: error: (.*)$");

    @TempDir
    static Path dir;
    static TestCertificates certificates;
    static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startSecureBroker() throws Exception {
        long t0 = System.nanoTime();
        certificates = TestCertificates.create(dir.resolve("tls"));
        long certsMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        broker = EmbeddedKafkaBroker.start(BrokerOptions.defaults().withSecurity(BrokerSecurity.saslSsl(
                certificates.keyStore(), certificates.password(), certificates.trustStore(), certificates.password(),
                ADMIN, ADMIN_PASSWORD).withAuthorizer()));
        System.out.printf("secure broker: certificates in %d ms, SASL_SSL broker up in %d ms at %s%n", certsMillis,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) - certsMillis, broker.bootstrapServers());
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void clientsProduceAndConsumeOverSaslSslWithinTheirAcls() throws Exception {
        String topic = "plain-" + Long.toString(System.nanoTime(), 36);
        String other = topic + "-other";
        String group = topic + "-group";
        createTopics(Map.of(topic, 2, other, 1));
        broker.createScramUser("app", "app-pw");
        broker.createAcls(List.of(allow("app", ResourceType.TOPIC, topic, AclOperation.WRITE),
                allow("app", ResourceType.TOPIC, topic, AclOperation.READ),
                allow("app", ResourceType.GROUP, group, AclOperation.READ)));
        Map<String, Object> app = broker.clientProperties("app", "app-pw");

        try (KafkaProducer<byte[], byte[]> producer = producer(app)) {
            for (int i = 0; i < 20; i++) {
                producer.send(new ProducerRecord<>(topic, ("k" + i).getBytes(), ("v" + i).getBytes()))
                        .get(30, TimeUnit.SECONDS);
            }
            // The authorizer is in force: no ACL for the other topic.
            ExecutionException refused = assertThrows(ExecutionException.class, () -> producer.send(
                    new ProducerRecord<>(other, "k".getBytes(), "v".getBytes())).get(30, TimeUnit.SECONDS));
            assertInstanceOf(TopicAuthorizationException.class, refused.getCause());
        }
        Map<String, Object> consumerProps = new HashMap<>(app);
        consumerProps.put("group.id", group);
        consumerProps.put("auto.offset.reset", "earliest");
        Set<String> values = new HashSet<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (values.size() < 20 && System.nanoTime() - deadline < 0) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(new String(r.value())));
            }
            consumer.commitSync();
        }
        assertEquals(20, values.size(), values.toString());
        assertTrue(values.contains("v0") && values.contains("v19"), values.toString());

        // A wrong password is refused at once, as an authentication error (not a timeout).
        long t0 = System.nanoTime();
        try (Admin wrong = Admin.create(broker.clientProperties("app", "not-the-password"))) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> wrong.describeCluster().nodes().get(30, TimeUnit.SECONDS));
            assertInstanceOf(SaslAuthenticationException.class, e.getCause());
        }
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(15), "the refusal took too long");
    }

    @Test
    void aWorkerWithTheAclsItNeedsAnswersOverSaslSsl() throws Exception {
        KafkaTestKit.Topics t = workerTopics("secure-ok");
        grantWorker("worker-ok", "worker-ok-pw", t, Set.of());
        WorkerJvm worker = startWorker("worker-ok", "worker-ok-pw", t);
        try {
            worker.awaitLog(Pattern.compile("assigned \\[TopicPartition"), "its partitions over SASL_SSL");
            Map<String, Object> admin = broker.superUserClientProperties();
            try (KafkaProducer<byte[], byte[]> producer = producer(admin)) {
                for (int i = 0; i < 10; i++) {
                    producer.send(KafkaTestKit.record(t.prompts(), KafkaTestKit.request("secure-" + i, "a red circle")
                            .build())).get(30, TimeUnit.SECONDS);
                }
            }
            List<ConsumerRecord<byte[], byte[]>> results = read(admin, t.results(), 10, Duration.ofSeconds(60));
            Set<String> answered = new HashSet<>();
            for (ConsumerRecord<byte[], byte[]> r : results) {
                ImageResult result = KafkaTestKit.CODEC.decodeImageResult(r.value());
                assertEquals(Status.OK, result.getStatus(), result.toString());
                answered.add(result.getRequestId());
            }
            assertEquals(10, answered.size(), "answered: " + answered + "\n" + worker.log());
        } finally {
            worker.stop();
        }
        assertTrue(worker.log().contains("worker worker-ok stopped"), worker.log());
        assertTrue(errorLines(worker.log()).isEmpty(), worker.log());
    }

    @Test
    void aWrongPasswordEndsTheWorkerAtOnceWithOneClearError() throws Exception {
        KafkaTestKit.Topics t = workerTopics("secure-badpw");
        grantWorker("worker-pw", "the-right-one", t, Set.of());
        String error = refusedWorker("worker-pw", "a-wrong-one", t);
        assertTrue(error.startsWith("authentication failed for user 'worker-pw' at bootstrap servers "
                + broker.bootstrapServers() + " (SASL SCRAM-SHA-512): "), error);
    }

    @Test
    void aWorkerWithoutWriteOnTheResultsTopicEndsWithOneClearError() throws Exception {
        KafkaTestKit.Topics t = workerTopics("secure-nowrite");
        grantWorker("worker-nowrite", "pw", t, Set.of(t.results()));
        String error = refusedWorker("worker-nowrite", "pw", t);
        assertEquals("user 'worker-nowrite' is not authorized to do what a worker in the all role needs at bootstrap"
                + " servers " + broker.bootstrapServers() + ": missing WRITE on topic '" + t.results()
                + "' (docs/security.md lists the ACLs)", error);
    }

    @Test
    void aWorkerWithoutReadOnItsGroupOrPromptsEndsWithOneClearError() throws Exception {
        KafkaTestKit.Topics t = workerTopics("secure-noread");
        grantWorker("worker-noread", "pw", t, Set.of(t.group(), t.prompts()));
        String error = refusedWorker("worker-noread", "pw", t);
        assertEquals("user 'worker-noread' is not authorized to do what a worker in the all role needs at bootstrap"
                + " servers " + broker.bootstrapServers() + ": missing READ on topic '" + t.prompts() + "', READ on"
                + " group '" + t.group() + "' (docs/security.md lists the ACLs)", error);
    }

    /** The access check alone, in this JVM: what it reports for each missing right, and nothing when all are there. */
    @Test
    void theAccessCheckNamesEveryMissingRight() throws Exception {
        KafkaTestKit.Topics t = workerTopics("secure-check");
        grantWorker("checked", "pw", t, Set.of(t.deadLetters()));
        WorkerConfig.Builder config = t.config(broker.bootstrapServers())
                .kafkaProperties(stringProps(broker.clientProperties("checked", "pw")));
        KafkaAccessException e = assertThrows(KafkaAccessException.class,
                () -> KafkaAccessCheck.verify(config.build()));
        assertTrue(e.getMessage().endsWith("missing WRITE on topic '" + t.deadLetters()
                + "' (docs/security.md lists the ACLs)"), e.getMessage());
        broker.createAcls(List.of(allow("checked", ResourceType.TOPIC, t.deadLetters(), AclOperation.WRITE)));
        KafkaAccessCheck.verify(config.build());
        // Exactly once needs the transactional id too.
        WorkerConfig exactlyOnce = config.delivery(Delivery.EXACTLY_ONCE).transactionalId("umbra-checked").build();
        KafkaAccessException tx = assertThrows(KafkaAccessException.class, () -> KafkaAccessCheck.verify(exactlyOnce));
        assertTrue(tx.getMessage().endsWith("missing WRITE on transactional id 'umbra-checked' (docs/security.md lists"
                + " the ACLs)"), tx.getMessage());
        broker.createAcls(List.of(allow("checked", ResourceType.TRANSACTIONAL_ID, "umbra-checked",
                AclOperation.WRITE)));
        KafkaAccessCheck.verify(exactlyOnce);
        // The super user may do anything: no ACLs of its own.
        KafkaAccessCheck.verify(t.config(broker.bootstrapServers())
                .kafkaProperties(stringProps(broker.superUserClientProperties())).build());
    }

    /** A client that does not trust the broker's CA, or does not speak TLS at all, is told which. */
    @Test
    void aTrustStoreWithoutTheCaOrNoTlsAtAllIsToldAsSuch() throws Exception {
        KafkaTestKit.Topics t = workerTopics("secure-tls");
        Map<String, String> login = stringProps(broker.superUserClientProperties());
        Map<String, String> noTrustStore = new HashMap<>(login);
        noTrustStore.keySet().removeIf(k -> k.startsWith("ssl.truststore."));
        KafkaAccessException tls = assertThrows(KafkaAccessException.class, () -> KafkaAccessCheck.verify(
                t.config(broker.bootstrapServers()).kafkaProperties(noTrustStore).build()));
        assertTrue(tls.getMessage().startsWith("TLS handshake failed at bootstrap servers " + broker.bootstrapServers()
                + " (user '" + ADMIN + "'): "), tls.getMessage());
        // PLAINTEXT against the SASL_SSL listener gets no answer at all: a timeout, with the hint.
        IllegalStateException plain = assertThrows(IllegalStateException.class, () -> KafkaAccessCheck.verify(
                t.config(broker.bootstrapServers()).kafkaProperty("admin.default.api.timeout.ms", "3000")
                        .kafkaProperty("admin.request.timeout.ms", "3000").build()));
        assertTrue(plain.getMessage().startsWith("cannot log in to Kafka at " + broker.bootstrapServers()), plain
                .getMessage());
        assertTrue(plain.getMessage().contains("check security.protocol"), plain.getMessage());
        System.out.println("no trust store: " + tls.getMessage() + "\nPLAINTEXT: " + plain.getMessage());
    }

    /**
     * A right withdrawn while the worker runs: its consumer is refused on every poll, which the worker must end
     * on (one error line, non-zero exit), not retry for ever.
     */
    @Test
    void aGroupAclWithdrawnWhileRunningEndsTheWorker() throws Exception {
        KafkaTestKit.Topics t = workerTopics("secure-revoked");
        grantWorker("worker-revoked", "pw", t, Set.of());
        WorkerJvm worker = startWorker("worker-revoked", "pw", t);
        try {
            worker.awaitLog(Pattern.compile("assigned \\[TopicPartition"), "its partitions over SASL_SSL");
            long t0 = System.nanoTime();
            broker.deleteAcls(List.of(new AclBindingFilter(new ResourcePatternFilter(ResourceType.GROUP, t.group(),
                    PatternType.LITERAL), AccessControlEntryFilter.ANY)));
            assertTrue(worker.process().waitFor(60, TimeUnit.SECONDS), "still running:\n" + worker.log());
            System.out.printf("worker with its group ACL withdrawn: exit %d %.1f s later; its log:%n%s%n",
                    worker.process().exitValue(), (System.nanoTime() - t0) / 1e9, worker.log());
            assertNotEquals(0, worker.process().exitValue(), worker.log());
            List<String> errors = errorLines(worker.log());
            assertEquals(1, errors.size(), worker.log());
            assertTrue(errors.get(0).startsWith("user 'worker-revoked' is not authorized for consumer group '"
                    + t.group() + "' at bootstrap servers " + broker.bootstrapServers()), errors.get(0));
        } finally {
            worker.kill();
        }
    }

    // --- helpers ---

    /** Starts a worker meant to be refused; returns its one error line once it has exited non-zero, in time. */
    private String refusedWorker(String user, String password, KafkaTestKit.Topics t) throws Exception {
        long t0 = System.nanoTime();
        WorkerJvm worker = startWorker(user, password, t);
        try {
            assertTrue(worker.process().waitFor(REFUSAL_SECONDS, TimeUnit.SECONDS),
                    "the worker still runs after " + REFUSAL_SECONDS + " s (a retry loop?):\n" + worker.log());
        } finally {
            worker.kill();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        String log = worker.log();
        assertEquals(1, worker.process().exitValue(), log);
        List<String> errors = errorLines(log);
        assertEquals(1, errors.size(), "one error line:\n" + log);
        assertTrue(!log.contains("Exception") && !log.contains("\tat "), "no stack trace:\n" + log);
        System.out.printf("refused worker %s: exit %d after %.1f s (JVM start included): %s%n", user,
                worker.process().exitValue(), seconds, errors.get(0));
        return errors.get(0);
    }

    private static List<String> errorLines(String log) {
        List<String> lines = new ArrayList<>();
        Matcher m = ERROR_LINE.matcher(log);
        while (m.find()) {
            lines.add(m.group(1));
        }
        return lines;
    }

    private WorkerJvm startWorker(String user, String password, KafkaTestKit.Topics t) throws Exception {
        List<String> options = new ArrayList<>(List.of("--bootstrap-servers", broker.bootstrapServers(),
                "--model", "null:8", "--decoder", "none", "--prompts-topic", t.prompts(), "--results-topic",
                t.results(), "--dead-letter-topic", t.deadLetters(), "--group-id", t.group()));
        // The client settings an operator gives: exactly these, as --kafka-property lines (docs/security.md).
        broker.clientProperties(user, password).forEach((k, v) -> {
            if (!k.equals("bootstrap.servers")) {
                options.addAll(List.of("--kafka-property", k + "=" + v));
            }
        });
        return WorkerJvm.start(user, "256m", dir.resolve(user + "-" + System.nanoTime() + ".log"), options);
    }

    /** Fresh topics for one test, made by the super user. */
    private static KafkaTestKit.Topics workerTopics(String test) throws Exception {
        KafkaTestKit.Topics t = KafkaTestKit.Topics.unique(test);
        createTopics(Map.of(t.prompts(), 2, t.results(), 1, t.deadLetters(), 1));
        return t;
    }

    /**
     * Makes the user and grants it what a worker in the {@code all} role needs (docs/security.md), except the
     * resources named in {@code withheld} (topic or group names).
     */
    private static void grantWorker(String user, String password, KafkaTestKit.Topics t, Set<String> withheld) {
        broker.createScramUser(user, password);
        List<AclBinding> acls = new ArrayList<>();
        if (!withheld.contains(t.prompts())) {
            acls.add(allow(user, ResourceType.TOPIC, t.prompts(), AclOperation.READ));
        }
        if (!withheld.contains(t.group())) {
            acls.add(allow(user, ResourceType.GROUP, t.group(), AclOperation.READ));
        }
        for (String out : List.of(t.results(), t.deadLetters())) {
            if (!withheld.contains(out)) {
                acls.add(allow(user, ResourceType.TOPIC, out, AclOperation.WRITE));
            }
        }
        if (!acls.isEmpty()) {
            broker.createAcls(acls);
        }
    }

    private static AclBinding allow(String user, ResourceType type, String name, AclOperation operation) {
        return new AclBinding(new ResourcePattern(type, name, PatternType.LITERAL),
                new AccessControlEntry("User:" + user, "*", operation, AclPermissionType.ALLOW));
    }

    private static void createTopics(Map<String, Integer> topics) throws Exception {
        try (Admin admin = Admin.create(broker.superUserClientProperties())) {
            admin.createTopics(topics.entrySet().stream().map(e -> new NewTopic(e.getKey(), e.getValue(), (short) 1))
                    .toList()).all().get(60, TimeUnit.SECONDS);
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(Map<String, Object> props) {
        Map<String, Object> p = new HashMap<>(props);
        p.put("acks", "all");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static List<ConsumerRecord<byte[], byte[]>> read(Map<String, Object> props, String topic, int count,
            Duration time) {
        Map<String, Object> p = new HashMap<>(props);
        p.put("enable.auto.commit", "false");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<org.apache.kafka.common.TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(i -> new org.apache.kafka.common.TopicPartition(topic, i.partition())).toList();
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

    private static Map<String, String> stringProps(Map<String, Object> props) {
        Map<String, String> p = new HashMap<>();
        props.forEach((k, v) -> {
            if (!k.equals("bootstrap.servers")) {
                p.put(k, String.valueOf(v));
            }
        });
        return p;
    }
}
