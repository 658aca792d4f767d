package dev.umbra.kafka.broker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real, single-node Apache Kafka broker (KRaft, combined broker and controller) running inside this
 * JVM, built from Kafka's own server jars. It listens on 127.0.0.1 only.
 *
 * <pre>{@code
 * try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start()) {
 *     kafka.createTopics(Map.of("prompts", 3));
 *     Map<String, Object> props = Map.of("bootstrap.servers", kafka.bootstrapServers());
 *     // ... plain kafka-clients producers, consumers, transactions ...
 * }
 * }</pre>
 *
 * <p>Settings fit one node: replication factor and min ISR 1 everywhere (offsets, transaction state,
 * share-group state), one partition for the internal topics, {@code group.initial.rebalance.delay.ms=0},
 * small thread pools and a 4 MB log-cleaner buffer (Kafka's default of 128 MB is most of a broker's heap).
 * Other settings keep Kafka's defaults (topic auto-creation stays on). {@link BrokerOptions#extraProperties()}
 * can change any of them except the node's identity, storage and addresses.
 *
 * <p>{@link #start(BrokerOptions)} returns only once an Admin client has seen the broker in the cluster;
 * a start that outlasts its timeout throws at the deadline and the node shuts itself down in the
 * background when Kafka's startup ends. Several brokers may run in one JVM; each has its own ports,
 * directory and node id. While any runs, Kafka's calls to exit or halt the JVM on a fatal fault are
 * refused (logged and thrown) rather than ending the application. {@link #close()} is idempotent and
 * thread-safe; whoever started the broker closes it. The broker's own threads end with it.
 *
 * <p>With {@link BrokerOptions#withSecurity}, the client listener is SASL_SSL with SCRAM-SHA-512 (optionally with ACLs
 * enforced); {@link #clientProperties(String, String)} gives a client's login, {@link #createScramUser} and
 * {@link #createAcls} set users and rights up, and the broker's own admin client logs in as the super user.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

    static final String LOOPBACK = "127.0.0.1";
    private static final String BROKER_LISTENER = "BROKER";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    /** Tries with freshly picked free ports, in case another process takes one between pick and bind. */
    private static final int PORT_ATTEMPTS = 3;
    private static final Duration CLOSE_ADMIN_TIMEOUT = Duration.ofSeconds(5);
    /** Distinct node ids keep the per-node JMX names of brokers in one JVM from colliding. */
    private static final AtomicInteger NEXT_NODE_ID = new AtomicInteger(1);

    private final KafkaRaftServer server;
    private final Admin admin;
    private final Path dataDir;
    private final boolean deleteDataDir;
    private final int nodeId;
    private final int brokerPort;
    private final String clusterId;
    private final Duration startTimeout;
    private final BrokerSecurity security;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedKafkaBroker(KafkaRaftServer server, Admin admin, Path dataDir, boolean deleteDataDir,
                                int nodeId, int brokerPort, String clusterId, Duration startTimeout,
                                BrokerSecurity security) {
        this.server = server;
        this.admin = admin;
        this.dataDir = dataDir;
        this.deleteDataDir = deleteDataDir;
        this.nodeId = nodeId;
        this.brokerPort = brokerPort;
        this.clusterId = clusterId;
        this.startTimeout = startTimeout;
        this.security = security;
    }

    /** Starts a broker with {@link BrokerOptions#defaults()}: temporary directory, free loopback ports. */
    public static EmbeddedKafkaBroker start() {
        return start(BrokerOptions.defaults());
    }

    /**
     * Formats the data directory (unless an earlier run did), starts the broker and waits until it accepts
     * clients.
     *
     * @throws KafkaSetupException if it does not accept clients within {@link BrokerOptions#startTimeout()},
     *                             or fails to start; nothing is left running and a temporary directory is removed
     */
    public static EmbeddedKafkaBroker start(BrokerOptions options) {
        long startNanos = System.nanoTime();
        long deadline = startNanos + options.startTimeout().toNanos();
        boolean temporary = options.temporaryDataDir();
        Path dataDir = temporary ? createTempDir() : options.dataDir().toAbsolutePath();
        KafkaExitGuard.acquire();
        Runnable cleanUp = () -> {
            KafkaExitGuard.release();
            if (temporary) {
                deleteQuietly(dataDir);
            }
        };
        try {
            checkFixedPortFree("brokerPort", options.brokerPort());
            checkFixedPortFree("controllerPort", options.controllerPort());
            // A directory from an earlier run keeps its node id; Kafka refuses to start under another.
            StoredIdentity stored = readStoredIdentity(dataDir);
            int nodeId = stored != null ? stored.nodeId() : NEXT_NODE_ID.getAndIncrement();
            for (int attempt = 1; ; attempt++) {
                int[] ports = pickPorts(options.brokerPort(), options.controllerPort());
                try {
                    EmbeddedKafkaBroker broker = startOnce(options, dataDir, temporary, nodeId,
                            ports[0], ports[1], deadline, cleanUp);
                    LOG.info("Kafka broker {} up at {} in {} ms (data in {})", nodeId, broker.bootstrapServers(),
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), dataDir);
                    return broker;
                } catch (KafkaSetupException e) {
                    // Only ports picked here can be re-picked; a fixed port taken meanwhile fails at once.
                    if (e instanceof StartupStillRunning || !(attempt < PORT_ATTEMPTS && isBindFailure(e)
                            && !mentionsPort(e, options.brokerPort()) && !mentionsPort(e, options.controllerPort()))) {
                        throw e;
                    }
                    LOG.warn("Kafka broker ports {} and {} were taken before it bound them; picking others",
                            ports[0], ports[1]);
                }
            }
        } catch (RuntimeException e) {
            if (!(e instanceof StartupStillRunning)) {
                cleanUp.run();
            }
            throw e;
        }
    }

    /** The start deadline passed while Kafka's startup still ran; it shuts down and cleans up when that ends. */
    private static final class StartupStillRunning extends KafkaSetupException {
        StartupStillRunning(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static EmbeddedKafkaBroker startOnce(BrokerOptions options, Path dataDir, boolean temporary, int nodeId,
                                                 int brokerPort, int controllerPort, long deadline, Runnable cleanUp) {
        Properties props = brokerProperties(options, dataDir, nodeId, brokerPort, controllerPort);
        KafkaConfig config = KafkaConfig.fromProps(props, false);
        StoredIdentity stored = readStoredIdentity(dataDir);
        String clusterId = stored != null ? stored.clusterId() : format(dataDir, nodeId, options.security());
        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        String where = "broker " + nodeId + " at " + LOOPBACK + ":" + brokerPort + " (controller port "
                + controllerPort + ", data in " + dataDir + ")";
        awaitStartup(server, deadline, where, options.startTimeout(), cleanUp);
        Admin admin = null;
        try {
            Map<String, Object> adminProps = new HashMap<>();
            BrokerSecurity security = options.security();
            if (security != null) {
                adminProps.putAll(security.clientProperties(security.superUser(), security.superUserPassword()));
            }
            adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, LOOPBACK + ":" + brokerPort);
            adminProps.put(AdminClientConfig.CLIENT_ID_CONFIG, "umbra-embedded-kafka-" + nodeId);
            admin = Admin.create(adminProps);
            awaitClusterVisible(admin, deadline, where, options.startTimeout());
            return new EmbeddedKafkaBroker(server, admin, dataDir, temporary, nodeId, brokerPort, clusterId,
                    options.startTimeout(), security);
        } catch (RuntimeException e) {
            if (admin != null) {
                admin.close(Duration.ZERO);
            }
            shutdown(server);
            throw e;
        }
    }

    /**
     * Runs Kafka's blocking startup on its own thread so that a slow one cannot outlast the deadline. Kafka
     * cannot stop a node in the middle of its startup (awaitShutdown then hangs), so on a timeout the
     * node is shut down, and {@code cleanUp} run, only once its startup has ended.
     */
    private static void awaitStartup(KafkaRaftServer server, long deadline, String where, Duration timeout,
                                     Runnable cleanUp) {
        CompletableFuture<Void> started = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                server.startup();
                started.complete(null);
            } catch (Throwable e) {
                started.completeExceptionally(e);
            }
        }, "umbra-kafka-startup");
        thread.setDaemon(true);
        thread.start();
        try {
            started.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            started.whenComplete((ignored, failure) -> {
                shutdown(server);
                cleanUp.run();
            });
            throw new StartupStillRunning("could not start " + where + " within " + timeout.toMillis()
                    + " ms; it will be shut down when its startup ends", e);
        } catch (ExecutionException e) {
            shutdown(server);
            throw new KafkaSetupException("could not start " + where + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            started.whenComplete((ignored, failure) -> {
                shutdown(server);
                cleanUp.run();
            });
            throw new StartupStillRunning("interrupted while starting " + where, e);
        }
    }

    /** The {@code bootstrap.servers} value for clients: {@code 127.0.0.1:<port>}. */
    public String bootstrapServers() {
        return LOOPBACK + ":" + brokerPort;
    }

    /** The client port on 127.0.0.1. */
    public int port() {
        return brokerPort;
    }

    /** The SASL_SSL listener's settings, or empty for a PLAINTEXT broker. */
    public Optional<BrokerSecurity> security() {
        return Optional.ofNullable(security);
    }

    /**
     * What a client needs to reach this broker: {@code bootstrap.servers}, and on a SASL_SSL broker the login of
     * {@code user} (see {@link BrokerSecurity#clientProperties}). On a PLAINTEXT broker the user is ignored.
     */
    public Map<String, Object> clientProperties(String user, String password) {
        Map<String, Object> p = new HashMap<>();
        if (security != null) {
            p.putAll(security.clientProperties(user, password));
        }
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return p;
    }

    /** {@link #clientProperties(String, String)} of the super user (no login on a PLAINTEXT broker). */
    public Map<String, Object> superUserClientProperties() {
        return security == null ? clientProperties(null, null)
                : clientProperties(security.superUser(), security.superUserPassword());
    }

    /**
     * Gives {@code user} SCRAM-SHA-512 credentials (replacing any it had) and waits until the broker accepts its login.
     *
     * @throws KafkaSetupException if the login is not accepted within the broker's start timeout
     */
    public void createScramUser(String user, String password) {
        requireSecurity();
        Map<String, Object> login = clientProperties(user, password);
        long deadline = System.nanoTime() + startTimeout.toNanos();
        get(admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user,
                new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password))).all(),
                "create SCRAM credentials for " + user);
        // The controller commits the credentials before the broker's metadata has them: log in until it works.
        Throwable last = null;
        while (deadline - System.nanoTime() > 0) {
            try (Admin probe = Admin.create(login)) {
                probe.describeCluster(new DescribeClusterOptions().timeoutMs(5_000)).nodes().get(5, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException e) {
                last = e.getCause();
                if (!(last instanceof AuthenticationException)) {
                    break;
                }
            } catch (TimeoutException e) {
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaSetupException("interrupted while waiting for " + user + "'s login", e);
            }
            sleep(100);
        }
        throw new KafkaSetupException("broker " + nodeId + " at " + bootstrapServers() + " did not accept " + user
                + "'s " + BrokerSecurity.MECHANISM + " login within " + startTimeout.toMillis() + " ms: " + last, last);
    }

    /** Adds ACLs and waits until the broker's authorizer lists them all (so that they are in force). */
    public void createAcls(Collection<AclBinding> acls) {
        requireSecurity();
        get(admin.createAcls(acls).all(), "create ACLs " + acls);
        awaitAcls(acls, true);
    }

    /** Removes the ACLs matching the filters and waits until the broker's authorizer no longer lists them. */
    public void deleteAcls(Collection<AclBindingFilter> filters) {
        requireSecurity();
        Collection<AclBinding> deleted = get(admin.deleteAcls(filters).all(), "delete ACLs " + filters);
        awaitAcls(deleted, false);
    }

    private void awaitAcls(Collection<AclBinding> acls, boolean present) {
        long deadline = System.nanoTime() + startTimeout.toNanos();
        Set<AclBinding> listed = Set.of();
        while (deadline - System.nanoTime() > 0) {
            listed = new HashSet<>(get(admin.describeAcls(AclBindingFilter.ANY).values(), "describe ACLs"));
            if (present ? listed.containsAll(acls) : acls.stream().noneMatch(listed::contains)) {
                return;
            }
            sleep(50);
        }
        throw new KafkaSetupException("broker " + nodeId + " at " + bootstrapServers() + " did not "
                + (present ? "list ACLs " : "drop ACLs ") + acls + " within " + startTimeout.toMillis()
                + " ms (it lists " + listed + ")");
    }

    private BrokerSecurity requireSecurity() {
        if (closed.get()) {
            throw new IllegalStateException("broker " + nodeId + " at " + bootstrapServers() + " is closed");
        }
        if (security == null) {
            throw new IllegalStateException("broker " + nodeId + " at " + bootstrapServers()
                    + " has a PLAINTEXT listener: start it with BrokerOptions.withSecurity for users and ACLs");
        }
        return security;
    }

    private <T> T get(org.apache.kafka.common.KafkaFuture<T> future, String what) {
        try {
            return future.get(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new KafkaSetupException("could not " + what + " at " + bootstrapServers() + ": " + e.getCause(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new KafkaSetupException("could not " + what + " at " + bootstrapServers() + " within "
                    + startTimeout.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaSetupException("interrupted while trying to " + what, e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaSetupException("interrupted", e);
        }
    }

    /** The KRaft cluster id stored in the data directory. */
    public String clusterId() {
        return clusterId;
    }

    /** Where the broker keeps its data; a temporary directory is gone after {@link #close()}. */
    public Path dataDir() {
        return dataDir;
    }

    /**
     * Creates topics (name to partition count) and waits until each partition has a leader.
     *
     * @throws KafkaSetupException if they are not ready within the broker's start timeout
     * @throws IllegalStateException if a topic exists with another partition count, or the broker is closed
     */
    public void createTopics(Map<String, Integer> nameToPartitions) {
        createTopics(nameToPartitions.entrySet().stream()
                .map(e -> TopicSpec.of(e.getKey(), e.getValue()))
                .toList());
    }

    /** Creates topics with their configs; see {@link #createTopics(Map)}. */
    public void createTopics(Collection<TopicSpec> topics) {
        if (closed.get()) {
            throw new IllegalStateException("broker " + nodeId + " at " + bootstrapServers() + " is closed");
        }
        KafkaTopics.create(admin, topics, startTimeout);
    }

    /** Shuts the broker down, waits for its threads to end and removes a temporary data directory. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long t0 = System.nanoTime();
        try {
            admin.close(CLOSE_ADMIN_TIMEOUT);
        } finally {
            shutdown(server);
            KafkaExitGuard.release();
            if (deleteDataDir) {
                deleteQuietly(dataDir);
            }
        }
        LOG.debug("Kafka broker {} at {} closed in {} ms", nodeId, bootstrapServers(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    @Override
    public String toString() {
        return "EmbeddedKafkaBroker[" + bootstrapServers() + ", node " + nodeId + ", " + dataDir + "]";
    }

    static Properties brokerProperties(BrokerOptions options, Path dataDir, int nodeId,
                                       int brokerPort, int controllerPort) {
        Properties p = new Properties();
        // Tuning for one node on a small machine: every default here may be replaced by extraProperties.
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "2");
        p.put("background.threads", "2");
        p.put("num.recovery.threads.per.data.dir", "1");
        // The log cleaner (needed by the compacted internal topics) allocates this much heap up front: 128 MB by default.
        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(4 * 1024 * 1024));
        p.putAll(options.extraProperties());
        BrokerSecurity security = options.security();
        if (security != null) {
            p.putAll(security.brokerProperties(BROKER_LISTENER));
        }
        // Identity, storage and addresses: loopback only, never overridden (BrokerOptions refuses them).
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(nodeId));
        p.put("listeners", BROKER_LISTENER + "://" + LOOPBACK + ":" + brokerPort + ","
                + CONTROLLER_LISTENER + "://" + LOOPBACK + ":" + controllerPort);
        p.put("advertised.listeners", BROKER_LISTENER + "://" + LOOPBACK + ":" + brokerPort);
        // Only the client listener may be secured; the controller's stays PLAINTEXT, for the node itself, on loopback.
        p.put("listener.security.protocol.map", BROKER_LISTENER + (security == null ? ":PLAINTEXT," : ":SASL_SSL,")
                + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("inter.broker.listener.name", BROKER_LISTENER);
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("controller.quorum.voters", nodeId + "@" + LOOPBACK + ":" + controllerPort);
        p.put("log.dirs", dataDir.toString());
        return p;
    }

    /** The node id and cluster id of a data directory an earlier run formatted, or null for a fresh one. */
    private record StoredIdentity(int nodeId, String clusterId) {
    }

    private static StoredIdentity readStoredIdentity(Path dataDir) {
        Path metaProperties = dataDir.resolve("meta.properties");
        if (!Files.exists(metaProperties)) {
            return null;
        }
        Properties meta = new Properties();
        try (var in = Files.newInputStream(metaProperties)) {
            meta.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + metaProperties, e);
        }
        String node = meta.getProperty("node.id");
        String cluster = meta.getProperty("cluster.id");
        if (node == null || cluster == null) {
            throw new KafkaSetupException(metaProperties + " lacks node.id or cluster.id (got " + meta + ")");
        }
        try {
            return new StoredIdentity(Integer.parseInt(node.strip()), cluster.strip());
        } catch (NumberFormatException e) {
            throw new KafkaSetupException(metaProperties + " has a non-numeric node.id '" + node + "'", e);
        }
    }

    /**
     * Formats an empty data directory as a single-voter KRaft node with a new cluster id, which it returns; with
     * {@code security}, the super user's SCRAM credentials go into the bootstrap metadata, so that the broker's own
     * admin client (and the broker itself, on its SASL_SSL listener) can log in from the first moment.
     */
    private static String format(Path dataDir, int nodeId, BrokerSecurity security) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String clusterId = Uuid.randomUuid().toString();
        try {
            Files.createDirectories(dataDir);
            Formatter formatter = new Formatter();
            if (security != null) {
                formatter.setScramArguments(List.of(security.scramFormatArgument()));
            }
            formatter
                    .setPrintStream(new PrintStream(out, true, StandardCharsets.UTF_8))
                    .setNodeId(nodeId)
                    .setClusterId(clusterId)
                    .setDirectories(List.of(dataDir.toString()))
                    .setMetadataLogDirectory(dataDir.toString())
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .run();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create Kafka data directory " + dataDir, e);
        } catch (Exception e) {
            throw new KafkaSetupException("cannot format Kafka data directory " + dataDir + ": " + e.getMessage(), e);
        }
        LOG.debug("Formatted {}: {}", dataDir, out.toString(StandardCharsets.UTF_8).strip());
        return clusterId;
    }

    private static Path createTempDir() {
        try {
            return Files.createTempDirectory("umbra-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary Kafka data directory", e);
        }
    }

    /** The requested ports, with each 0 replaced by a loopback port that was free a moment ago. */
    private static int[] pickPorts(int brokerPort, int controllerPort) {
        // Both sockets are open at once, so the two picks differ.
        try (ServerSocket a = new ServerSocket(); ServerSocket b = new ServerSocket()) {
            InetAddress loopback = InetAddress.getByName(LOOPBACK);
            a.bind(new InetSocketAddress(loopback, 0));
            b.bind(new InetSocketAddress(loopback, 0));
            int[] ports = {brokerPort == 0 ? a.getLocalPort() : brokerPort,
                    controllerPort == 0 ? b.getLocalPort() : controllerPort};
            if (ports[0] == ports[1]) {
                ports[1] = brokerPort == 0 ? b.getLocalPort() : a.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on " + LOOPBACK, e);
        }
    }

    /** Fails fast, naming the port, when a port the caller fixed is already taken on loopback. */
    private static void checkFixedPortFree(String name, int port) {
        if (port == 0) {
            return;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), port));
        } catch (IOException e) {
            throw new KafkaSetupException(name + " " + port + " on " + LOOPBACK + " is not available: " + e.getMessage(), e);
        }
    }

    private static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException
                    || (t.getMessage() != null && t.getMessage().contains("Address already in use"))) {
                return true;
            }
        }
        return false;
    }

    /** True when a fixed (non-zero) port appears in the failure's messages, as in "failed to bind to host:port". */
    private static boolean mentionsPort(Throwable e, int port) {
        if (port == 0) {
            return false;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains(LOOPBACK + ":" + port)) {
                return true;
            }
        }
        return false;
    }

    /** Waits until the broker answers a describeCluster request and lists itself. */
    private static void awaitClusterVisible(Admin admin, long deadline, String where, Duration timeout) {
        Throwable last = null;
        while (deadline - System.nanoTime() > 0) {
            long leftMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            try {
                var nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) Math.min(leftMillis, Integer.MAX_VALUE)))
                        .nodes().get(leftMillis, TimeUnit.MILLISECONDS);
                if (!nodes.isEmpty()) {
                    return;
                }
            } catch (ExecutionException e) {
                last = e.getCause();
            } catch (TimeoutException e) {
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaSetupException("interrupted while waiting for " + where, e);
            }
        }
        throw new KafkaSetupException(where + " did not accept clients within " + timeout.toMillis() + " ms"
                + (last == null ? "" : ": " + last), last);
    }

    private static void shutdown(KafkaRaftServer server) {
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException e) {
            LOG.warn("Kafka broker did not shut down cleanly", e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            Utils.delete(dir.toFile());
        } catch (IOException e) {
            LOG.warn("Could not delete Kafka data directory {}", dir, e);
        }
    }
}
