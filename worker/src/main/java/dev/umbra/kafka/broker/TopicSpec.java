package dev.umbra.kafka.broker;

import java.util.Map;
import java.util.Objects;

/**
 * A topic to create: its name, partition count and topic-level configs (such as {@code retention.ms}).
 * The replication factor is 1: the embedded broker is a single node.
 */
public record TopicSpec(String name, int partitions, Map<String, String> configs) {

    public TopicSpec {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("topic name must not be blank (got '" + name + "')");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException(
                    "topic '" + name + "' needs at least 1 partition (got " + partitions + ")");
        }
        configs = Map.copyOf(Objects.requireNonNull(configs, "configs"));
    }

    public static TopicSpec of(String name, int partitions) {
        return new TopicSpec(name, partitions, Map.of());
    }
}
