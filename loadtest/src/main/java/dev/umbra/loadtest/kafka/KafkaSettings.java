package dev.umbra.loadtest.kafka;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which cluster, and the extra client properties of {@code --kafka-property}: a plain key goes to every client, a key
 * prefixed {@code consumer.}, {@code producer.} or {@code admin.} to that kind of client only (without the prefix),
 * as the worker's {@code run} takes them. Keys the tool must set itself are refused.
 *
 * @param bootstrapServers {@code bootstrap.servers}
 * @param properties       extra properties, possibly prefixed
 */
public record KafkaSettings(String bootstrapServers, Map<String, String> properties) {

    /** Set by the tools themselves: the framing (byte arrays), offsets (manual or none), and the cluster. */
    public static final Set<String> RESERVED = Set.of("bootstrap.servers", "group.id", "enable.auto.commit",
            "key.serializer", "value.serializer", "key.deserializer", "value.deserializer");

    private static final Set<String> CLIENTS = Set.of("consumer", "producer", "admin");

    public KafkaSettings {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        if (bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("--bootstrap-servers must name at least one HOST:PORT");
        }
        properties = Map.copyOf(new TreeMap<>(properties));
        for (String key : properties.keySet()) {
            String bare = unprefixed(key);
            if (bare.isEmpty()) {
                throw new IllegalArgumentException("--kafka-property " + key + "=...: no property name after the prefix");
            }
            if (RESERVED.contains(bare)) {
                throw new IllegalArgumentException("--kafka-property " + key + " is set by the load tool itself ("
                        + (bare.equals("group.id") ? "the baseline takes --group-id; the load generator reads without a group"
                                : "byte-array framing, manual offsets, --bootstrap-servers") + ")");
            }
        }
    }

    /** The properties of one kind of client ({@code consumer}, {@code producer}, {@code admin}), cluster included. */
    public Map<String, Object> forClient(String client) {
        if (!CLIENTS.contains(client)) {
            throw new IllegalArgumentException("unknown client kind " + client);
        }
        Map<String, Object> props = new HashMap<>();
        properties.forEach((k, v) -> {
            if (unprefixed(k).equals(k)) {
                props.put(k, v);
            }
        });
        String prefix = client + ".";
        properties.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                props.put(k.substring(prefix.length()), v);
            }
        });
        props.put("bootstrap.servers", bootstrapServers);
        return props;
    }

    private static String unprefixed(String key) {
        for (String c : CLIENTS) {
            if (key.startsWith(c + ".")) {
                return key.substring(c.length() + 1);
            }
        }
        return key;
    }
}
