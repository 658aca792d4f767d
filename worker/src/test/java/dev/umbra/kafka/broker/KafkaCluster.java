package dev.umbra.kafka.broker;

/**
 * A Kafka cluster a test talks to, whatever runs it: the in-process {@link EmbeddedKafkaBroker} or a
 * Testcontainers Kafka. Made by {@link KafkaClusters}; the test that starts one closes it.
 */
public interface KafkaCluster extends AutoCloseable {

    /** The {@code bootstrap.servers} value for clients. */
    String bootstrapServers();

    /** Stops the cluster and frees what it holds; calling it again does nothing. */
    @Override
    void close();
}
