package dev.umbra.loadtest;

import dev.umbra.loadtest.kafka.KafkaSettings;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The cluster and topics, shared by {@code run} and {@code baseline}. Topic defaults are the worker's. */
final class KafkaOptions {

    static final String DEFAULT_PROMPTS_TOPIC = "umbra.prompts";
    static final String DEFAULT_RESULTS_TOPIC = "umbra.results";

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]", required = true,
            description = "The Kafka cluster.")
    String bootstrapServers;

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
            description = "Extra Kafka client property, repeatable; prefix consumer., producer. or admin. for one"
                    + " kind of client only (security, timeouts...).")
    Map<String, String> kafkaProperties = new LinkedHashMap<>();

    @Option(names = "--prompts-topic", paramLabel = "TOPIC", defaultValue = DEFAULT_PROMPTS_TOPIC,
            description = "Where requests go (default: ${DEFAULT-VALUE}).")
    String promptsTopic;

    @Option(names = "--results-topic", paramLabel = "TOPIC", defaultValue = DEFAULT_RESULTS_TOPIC,
            description = "Where results are read (default: ${DEFAULT-VALUE}).")
    String resultsTopic;

    @Option(names = "--setup-timeout", paramLabel = "DURATION", defaultValue = "30s",
            converter = DurationConverter.class,
            description = "How long finding the topics (and, for run, the results' end offsets) may take"
                    + " (default: ${DEFAULT-VALUE}).")
    Duration setupTimeout;

    /** @throws IllegalArgumentException for a reserved or empty property name */
    KafkaSettings settings() {
        return new KafkaSettings(bootstrapServers, kafkaProperties);
    }
}
