package dev.umbra.kafka;

import dev.umbra.log.AccessCheckLogFilter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Before a worker starts (and before its model loads): may it log in, and may its principal do what its role needs?
 * Asks the cluster with the worker's admin client properties: a login (describe the cluster), then the operations the
 * principal is allowed on each of its topics and on its group (Kafka reports them with {@code
 * includeAuthorizedOperations}, no admin rights needed), and in exactly-once mode whether it may see its
 * transactional id. A refusal ends the start at once with one line naming the
 * user, the servers and every missing right, instead of a consumer retrying for ever. A topic that does not exist is
 * left to the worker's own check, which names it.
 */
public final class KafkaAccessCheck {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaAccessCheck.class);

    private KafkaAccessCheck() {
    }

    /**
     * @throws KafkaAccessException  if the login is refused or a right is missing
     * @throws IllegalStateException if the cluster does not answer within the admin client's
     *                               {@code default.api.timeout.ms} (a minute unless set)
     */
    public static void verify(WorkerConfig config) {
        Map<String, String> clientProps = config.kafkaPropertiesFor("admin");
        Map<String, Object> props = new HashMap<>(clientProps);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        // The suffix keeps the Kafka client's own lines about this check out of the log (AccessCheckLogFilter).
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, config.clientId() + AccessCheckLogFilter.CLIENT_ID_SUFFIX);
        String who = KafkaAccessErrors.principal(clientProps);
        LOG.info("checking that {} may log in to {} and has the rights a worker in the {} role needs", who,
                config.bootstrapServers(), config.role().cliName());
        long t0 = System.nanoTime();
        try (Admin admin = Admin.create(props)) {
            await(admin.describeCluster(new DescribeClusterOptions()).nodes(), config, clientProps, "log in");
            List<String> missing = new ArrayList<>();
            Map<String, KafkaFuture<TopicDescription>> topics = admin.describeTopics(config.topics(),
                    new DescribeTopicsOptions().includeAuthorizedOperations(true)).topicNameValues();
            for (String topic : config.topics()) {
                AclOperation needed = topic.equals(config.inputTopic()) ? AclOperation.READ : AclOperation.WRITE;
                try {
                    TopicDescription d = topics.get(topic).get();
                    if (!allows(d.authorizedOperations(), needed)) {
                        missing.add(needed + " on topic '" + topic + "'");
                    }
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof TopicAuthorizationException) {
                        missing.add(needed + " on topic '" + topic + "'");
                    } else if (KafkaAccessErrors.isFatal(e.getCause())) {
                        throw KafkaAccessErrors.fatal(e.getCause(), config.bootstrapServers(), clientProps).get();
                    }
                    // Anything else (a topic that does not exist) is the worker's own topic check's to name.
                }
            }
            try {
                ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(config.groupId()),
                        new DescribeConsumerGroupsOptions().includeAuthorizedOperations(true))
                        .describedGroups().get(config.groupId()).get();
                if (!allows(group.authorizedOperations(), AclOperation.READ)) {
                    missing.add("READ on group '" + config.groupId() + "'");
                }
            } catch (ExecutionException e) {
                if (e.getCause() instanceof GroupAuthorizationException) {
                    missing.add("READ on group '" + config.groupId() + "'");
                } else if (KafkaAccessErrors.isFatal(e.getCause())) {
                    throw KafkaAccessErrors.fatal(e.getCause(), config.bootstrapServers(), clientProps).get();
                }
                // A group that does not exist yet is made by the consumer's first join.
            }
            if (config.delivery() == Delivery.EXACTLY_ONCE) {
                // Only DESCRIBE can be asked without admin rights; WRITE implies it, so its absence is certain.
                try {
                    admin.describeTransactions(List.of(config.transactionalId())).description(config.transactionalId())
                            .get();
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof TransactionalIdAuthorizationException) {
                        missing.add("WRITE on transactional id '" + config.transactionalId() + "'");
                    } else if (KafkaAccessErrors.isFatal(e.getCause())) {
                        throw KafkaAccessErrors.fatal(e.getCause(), config.bootstrapServers(), clientProps).get();
                    }
                    // An id not used yet is not found: its first use registers it.
                }
            }
            if (!missing.isEmpty()) {
                throw new KafkaAccessException(who + " is not authorized to do what a worker in the "
                        + config.role().cliName() + " role needs at bootstrap servers " + config.bootstrapServers()
                        + ": missing " + String.join(", ", missing) + " (docs/security.md lists the ACLs)", null);
            }
            LOG.info("Kafka access checked for {} at {} in {} ms", who, config.bootstrapServers(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking access to " + config.bootstrapServers(), e);
        }
    }

    /**
     * {@link #verify} on a daemon thread of its own, for a caller with other work meanwhile (loading a model); a
     * caller that gives up on it (its own setup failed) may leave it: it ends within the admin client's timeout.
     */
    public static CompletableFuture<Void> verifyInBackground(WorkerConfig config) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                verify(config);
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        }, "umbra-access-check");
        thread.setDaemon(true);
        thread.start();
        return done;
    }

    /** Waits for {@link #verifyInBackground} and throws what {@link #verify} would have. */
    public static void await(CompletableFuture<Void> check) {
        try {
            check.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause().toString(), e.getCause());
        }
    }

    /** Null means the broker did not say (an older broker): the worker's own calls will tell. */
    private static boolean allows(Set<AclOperation> granted, AclOperation needed) {
        return granted == null || granted.contains(needed) || granted.contains(AclOperation.ALL);
    }

    private static <T> T await(KafkaFuture<T> future, WorkerConfig config, Map<String, String> clientProps,
            String what) throws InterruptedException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            var fatal = KafkaAccessErrors.fatal(cause, config.bootstrapServers(), clientProps);
            if (fatal.isPresent()) {
                throw fatal.get();
            }
            String hint = cause instanceof org.apache.kafka.common.errors.TimeoutException
                    ? " (if the cluster needs TLS or SASL, check security.protocol and the other --kafka-property"
                            + " settings)" : "";
            throw new IllegalStateException("cannot " + what + " to Kafka at " + config.bootstrapServers() + ": "
                    + cause.getMessage() + hint, cause);
        }
    }
}
