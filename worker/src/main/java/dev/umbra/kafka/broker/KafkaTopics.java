package dev.umbra.kafka.broker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Creates topics through {@link Admin} and waits until every partition has a leader, so that a producer
 * or consumer started right after sees them. Works against any cluster (embedded or not); the
 * replication factor is 1, as fits a single-node cluster.
 */
public final class KafkaTopics {

    /** Polling interval while waiting for leaders; short because a local broker elects them in milliseconds. */
    private static final long POLL_MILLIS = 20;

    private KafkaTopics() {
    }

    /**
     * Creates the topics on the cluster at {@code bootstrapServers} with a short-lived Admin client.
     *
     * @throws KafkaSetupException if they are not ready within {@code timeout}
     * @throws IllegalStateException if a topic already exists with another partition count
     */
    public static void create(String bootstrapServers, Collection<TopicSpec> topics, Duration timeout) {
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.CLIENT_ID_CONFIG, "umbra-topic-setup"))) {
            create(admin, topics, timeout);
        }
    }

    /**
     * Creates the topics with the given Admin client (which the caller keeps and closes). A topic that
     * already exists with the wanted partition count is accepted as it is.
     *
     * @throws KafkaSetupException if they are not ready within {@code timeout}
     * @throws IllegalStateException if a topic already exists with another partition count
     */
    public static void create(Admin admin, Collection<TopicSpec> topics, Duration timeout) {
        if (topics.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        List<NewTopic> newTopics = new ArrayList<>();
        for (TopicSpec t : topics) {
            newTopics.add(new NewTopic(t.name(), t.partitions(), (short) 1).configs(t.configs()));
        }
        var results = admin.createTopics(newTopics).values();
        for (TopicSpec t : topics) {
            try {
                results.get(t.name()).get(remainingNanos(deadline, t, timeout), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new KafkaSetupException("could not create topic '" + t.name() + "' with "
                            + t.partitions() + " partitions: " + e.getCause().getMessage(), e.getCause());
                }
            } catch (TimeoutException e) {
                throw timedOut(t, timeout, "creation was not acknowledged");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaSetupException("interrupted while creating topic '" + t.name() + "'", e);
            }
        }
        for (TopicSpec t : topics) {
            awaitLeaders(admin, t, deadline, timeout);
        }
    }

    private static void awaitLeaders(Admin admin, TopicSpec topic, long deadline, Duration timeout) {
        String lastState = "not described yet";
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw timedOut(topic, timeout, lastState);
            }
            try {
                TopicDescription d = admin.describeTopics(List.of(topic.name())).allTopicNames()
                        .get(left, TimeUnit.NANOSECONDS).get(topic.name());
                List<TopicPartitionInfo> partitions = d.partitions();
                if (partitions.size() != topic.partitions()) {
                    throw new IllegalStateException("topic '" + topic.name() + "' already exists with "
                            + partitions.size() + " partitions, not the " + topic.partitions() + " wanted");
                }
                long withLeader = partitions.stream().filter(p -> p.leader() != null && !p.leader().isEmpty()).count();
                if (withLeader == partitions.size()) {
                    return;
                }
                lastState = withLeader + " of " + partitions.size() + " partitions have a leader";
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw new KafkaSetupException("could not describe topic '" + topic.name() + "': "
                            + e.getCause().getMessage(), e.getCause());
                }
                lastState = "not yet known to the broker";
            } catch (TimeoutException e) {
                throw timedOut(topic, timeout, lastState);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaSetupException("interrupted while waiting for topic '" + topic.name() + "'", e);
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaSetupException("interrupted while waiting for topic '" + topic.name() + "'", e);
            }
        }
    }

    private static long remainingNanos(long deadline, TopicSpec topic, Duration timeout) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw timedOut(topic, timeout, "deadline passed");
        }
        return left;
    }

    private static KafkaSetupException timedOut(TopicSpec topic, Duration timeout, String state) {
        return new KafkaSetupException("topic '" + topic.name() + "' (" + topic.partitions()
                + " partitions) was not ready within " + timeout.toMillis() + " ms: " + state);
    }
}
