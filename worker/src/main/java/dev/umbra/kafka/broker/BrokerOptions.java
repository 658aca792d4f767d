package dev.umbra.kafka.broker;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * How to start an {@link EmbeddedKafkaBroker}. Immutable; start from {@link #defaults()} and change
 * fields with the {@code withX} methods.
 *
 * @param dataDir         where the broker keeps its logs and metadata; {@code null} (the default) means a
 *                        fresh temporary directory that {@link EmbeddedKafkaBroker#close()} deletes. A given
 *                        directory is kept, and a directory formatted by an earlier run is reused as it is.
 * @param brokerPort      loopback port for clients; 0 (the default) picks a free one
 * @param controllerPort  loopback port for the KRaft controller; 0 (the default) picks a free one
 * @param startTimeout    how long {@link EmbeddedKafkaBroker#start(BrokerOptions)} may wait for the broker to
 *                        accept clients (default {@link #DEFAULT_START_TIMEOUT})
 * @param extraProperties broker properties added to (or replacing) the defaults, such as
 *                        {@code num.partitions} or {@code log.retention.ms}; the keys that fix the node's
 *                        identity, storage and addresses ({@link #RESERVED_PROPERTIES}) are refused
 * @param security        null (the default) for a PLAINTEXT client listener; otherwise a SASL_SSL one with
 *                        SCRAM-SHA-512 (and ACLs when {@link BrokerSecurity#authorizer()}), whose properties win over
 *                        {@code extraProperties}
 */
public record BrokerOptions(
        Path dataDir, int brokerPort, int controllerPort, Duration startTimeout, Map<String, String> extraProperties,
        BrokerSecurity security) {

    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(60);

    /**
     * Properties the embedded broker sets itself: they keep it a single combined node, bound to
     * 127.0.0.1 only, storing in {@link #dataDir}. Use the record's fields for ports and storage.
     */
    public static final Set<String> RESERVED_PROPERTIES = Set.of(
            "process.roles", "node.id", "broker.id",
            "listeners", "advertised.listeners", "listener.security.protocol.map",
            "controller.listener.names", "inter.broker.listener.name",
            "controller.quorum.voters", "controller.quorum.bootstrap.servers",
            "log.dir", "log.dirs", "metadata.log.dir");

    public BrokerOptions {
        checkPort("brokerPort", brokerPort);
        checkPort("controllerPort", controllerPort);
        if (brokerPort != 0 && brokerPort == controllerPort) {
            throw new IllegalArgumentException(
                    "brokerPort and controllerPort must differ (both are " + brokerPort + ")");
        }
        Objects.requireNonNull(startTimeout, "startTimeout");
        if (startTimeout.isNegative() || startTimeout.isZero()) {
            throw new IllegalArgumentException("startTimeout must be positive (got " + startTimeout + ")");
        }
        Objects.requireNonNull(extraProperties, "extraProperties");
        for (Map.Entry<String, String> e : extraProperties.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new IllegalArgumentException("extraProperties may not hold null keys or values (got "
                        + e.getKey() + "=" + e.getValue() + ")");
            }
            if (RESERVED_PROPERTIES.contains(e.getKey())) {
                throw new IllegalArgumentException("extraProperties may not set '" + e.getKey()
                        + "': the embedded broker sets it itself (reserved: "
                        + new TreeSet<>(RESERVED_PROPERTIES) + ")");
            }
        }
        extraProperties = Map.copyOf(extraProperties);
    }

    /** A temporary data directory, free loopback ports, a 60 s start timeout and no extra properties. */
    public static BrokerOptions defaults() {
        return new BrokerOptions(null, 0, 0, DEFAULT_START_TIMEOUT, Map.of(), null);
    }

    public BrokerOptions withDataDir(Path dir) {
        return new BrokerOptions(dir, brokerPort, controllerPort, startTimeout, extraProperties, security);
    }

    public BrokerOptions withBrokerPort(int port) {
        return new BrokerOptions(dataDir, port, controllerPort, startTimeout, extraProperties, security);
    }

    public BrokerOptions withControllerPort(int port) {
        return new BrokerOptions(dataDir, brokerPort, port, startTimeout, extraProperties, security);
    }

    public BrokerOptions withStartTimeout(Duration timeout) {
        return new BrokerOptions(dataDir, brokerPort, controllerPort, timeout, extraProperties, security);
    }

    /** These options plus one more broker property (replacing an earlier value of the same key). */
    public BrokerOptions withProperty(String key, String value) {
        Map<String, String> props = new TreeMap<>(extraProperties);
        props.put(key, value);
        return new BrokerOptions(dataDir, brokerPort, controllerPort, startTimeout, props, security);
    }

    /**
     * A SASL_SSL client listener (SCRAM-SHA-512) instead of PLAINTEXT; the super user's credentials are written when
     * the data directory is formatted, so a directory formatted without them cannot gain them this way.
     */
    public BrokerOptions withSecurity(BrokerSecurity value) {
        return new BrokerOptions(dataDir, brokerPort, controllerPort, startTimeout, extraProperties, value);
    }

    /** True when the broker owns (and deletes on close) a temporary data directory. */
    boolean temporaryDataDir() {
        return dataDir == null;
    }

    private static void checkPort(String name, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(name + " must be 0 (pick a free one) or 1-65535 (got " + port + ")");
        }
    }
}
