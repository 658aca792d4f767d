package dev.umbra.kafka.broker;

import java.util.function.Supplier;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Starts a {@link KafkaCluster} of either {@link Kind}, so an integration test can run one scenario on
 * both: {@code @ParameterizedTest @EnumSource(KafkaClusters.Kind.class)} and {@code
 * try (KafkaCluster kafka = KafkaClusters.start(kind)) { ... }}. Without a Docker engine the container
 * kind is skipped (a failed JUnit assumption that says why), never failed.
 */
public final class KafkaClusters {

    /** The same Kafka version as the embedded broker; pulled only where a Docker engine runs. */
    public static final DockerImageName KAFKA_IMAGE = DockerImageName.parse("apache/kafka:4.4.0");

    /** Which Kafka runs the cluster. */
    public enum Kind {
        /** {@link EmbeddedKafkaBroker}: in this JVM, no Docker needed. */
        EMBEDDED,
        /** Testcontainers' {@link KafkaContainer} with the {@link #KAFKA_IMAGE} image: needs a Docker engine. */
        CONTAINER
    }

    private KafkaClusters() {
    }

    /** Starts a cluster of the given kind; skips the calling test if that kind cannot run here. */
    public static KafkaCluster start(Kind kind) {
        return switch (kind) {
            case EMBEDDED -> embedded();
            case CONTAINER -> container();
        };
    }

    /** An embedded broker with default options. */
    public static KafkaCluster embedded() {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        return wrap(broker::bootstrapServers, broker::close);
    }

    /** A Kafka container; skips the calling test when no Docker engine answers. */
    @SuppressWarnings("resource") // closed by the returned cluster
    public static KafkaCluster container() {
        Assumptions.assumeTrue(dockerAvailable(),
                "no Docker engine reachable: skipping the Testcontainers Kafka (" + KAFKA_IMAGE + ")");
        KafkaContainer container = new KafkaContainer(KAFKA_IMAGE);
        container.start();
        return wrap(container::getBootstrapServers, container::stop);
    }

    /** True when Testcontainers finds a Docker engine (false within milliseconds when none runs). */
    public static boolean dockerAvailable() {
        return DockerClientFactory.instance().isDockerAvailable();
    }

    private static KafkaCluster wrap(Supplier<String> bootstrapServers, Runnable stop) {
        return new KafkaCluster() {
            private boolean closed;

            @Override
            public String bootstrapServers() {
                return bootstrapServers.get();
            }

            @Override
            public synchronized void close() {
                if (!closed) {
                    closed = true;
                    stop.run();
                }
            }
        };
    }
}
