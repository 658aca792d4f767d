package dev.umbra.loadtest.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Checks that the topics exist before anything is sent: the tools never create topics (a broker with topic
 * auto-creation would otherwise make a one-partition prompts topic from the first send, and the load would measure
 * that).
 */
public final class Topics {

    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(2);

    private Topics() {}

    /**
     * The partition count of each topic.
     *
     * @throws IllegalArgumentException naming the missing topics and the cluster
     * @throws IllegalStateException    if the cluster does not answer within {@code timeout}
     */
    public static Map<String, Integer> require(KafkaSettings kafka, List<String> topics, Duration timeout)
            throws InterruptedException {
        Map<String, Object> props = kafka.forClient("admin");
        props.putIfAbsent("client.id", "umbra-loadtest-admin");
        Admin admin;
        try {
            admin = Admin.create(props);
        } catch (KafkaException e) {
            // Unresolvable bootstrap addresses and malformed properties fail here, before any network call.
            throw new IllegalArgumentException("cannot make a Kafka client for " + kafka.bootstrapServers() + ": "
                    + rootMessage(e), e);
        }
        try {
            Map<String, Integer> partitions = new TreeMap<>();
            List<String> missing = new ArrayList<>();
            for (var e : admin.describeTopics(topics).topicNameValues().entrySet()) {
                try {
                    TopicDescription d = e.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                    partitions.put(e.getKey(), d.partitions().size());
                } catch (ExecutionException x) {
                    if (x.getCause() instanceof UnknownTopicOrPartitionException) {
                        missing.add(e.getKey());
                    } else {
                        throw new IllegalStateException("cannot describe topic " + e.getKey() + " at "
                                + kafka.bootstrapServers() + ": " + x.getCause().getMessage(), x.getCause());
                    }
                } catch (TimeoutException x) {
                    throw new IllegalStateException("Kafka at " + kafka.bootstrapServers() + " did not answer within "
                            + timeout.toSeconds() + " s", x);
                }
            }
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException("topic" + (missing.size() > 1 ? "s " : " ") + missing
                        + " do" + (missing.size() > 1 ? "" : "es") + " not exist at " + kafka.bootstrapServers()
                        + "; create " + (missing.size() > 1 ? "them" : "it") + " first (the load tool never does)");
            }
            return partitions;
        } finally {
            admin.close(CLOSE_TIMEOUT);
        }
    }

    /** The innermost message: Kafka wraps the useful one ("No resolvable bootstrap urls...") in "Failed to create...". */
    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
