package dev.umbra.kafka;

import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;

/**
 * Which Kafka errors a worker must stop on rather than retry, and the one line that says why. A refused login (SASL,
 * TLS) or a missing ACL stays refused however often the client retries, and the Kafka clients do retry: a consumer
 * reports the error on every poll, for ever. Everything else (a broker away, a leader moving, a timeout) may pass.
 */
public final class KafkaAccessErrors {

    private static final Pattern USERNAME = Pattern.compile("username\\s*=\\s*(?:\"([^\"]*)\"|([^\\s;\"]+))");

    private KafkaAccessErrors() {
    }

    /** True when {@code error} or one of its causes is an authentication or authorization failure. */
    public static boolean isFatal(Throwable error) {
        return find(error) != null;
    }

    /**
     * The error to stop with when {@code error} (or a cause) is an authentication or authorization failure of a client
     * made with {@code clientProperties} against {@code bootstrapServers}; empty for any other error.
     */
    public static Optional<KafkaAccessException> fatal(Throwable error, String bootstrapServers,
            Map<String, String> clientProperties) {
        return describe(error, bootstrapServers, clientProperties).map(m -> new KafkaAccessException(m, find(error)));
    }

    /** {@link #fatal(Throwable, String, Map)} for the worker's {@code client} ("consumer", "producer" or "admin"). */
    public static Optional<KafkaAccessException> fatal(Throwable error, WorkerConfig config, String client) {
        return fatal(error, config.bootstrapServers(), config.kafkaPropertiesFor(client));
    }

    /** One line naming the cause, the user and the servers, or empty when {@code error} is not an access failure. */
    public static Optional<String> describe(Throwable error, String bootstrapServers,
            Map<String, String> clientProperties) {
        Throwable cause = find(error);
        if (cause == null) {
            return Optional.empty();
        }
        String who = principal(clientProperties);
        String where = " at bootstrap servers " + bootstrapServers;
        String detail = oneLine(cause.getMessage());
        String message;
        if (cause instanceof SslAuthenticationException) {
            message = "TLS handshake failed" + where + " (" + who + "): " + detail + "; check ssl.truststore.location"
                    + " (it must hold the CA that signed the broker's certificate) and that the certificate names the"
                    + " host in bootstrap.servers";
        } else if (cause instanceof AuthenticationException) {
            String mechanism = clientProperties.getOrDefault("sasl.mechanism", "GSSAPI");
            message = "authentication failed for " + who + where + " (SASL " + mechanism + "): " + detail
                    + (cause instanceof SaslAuthenticationException ? "; check the user and password in"
                            + " sasl.jaas.config" : "");
        } else if (cause instanceof TopicAuthorizationException t) {
            message = who + " is not authorized for topic(s) " + new TreeSet<>(t.unauthorizedTopics()) + where
                    + ": " + detail + "; it needs READ on the input topic and WRITE on the topics it publishes to"
                    + " (docs/security.md)";
        } else if (cause instanceof GroupAuthorizationException g) {
            message = who + " is not authorized for consumer group " + (g.groupId() == null ? "" : "'" + g.groupId()
                    + "' ") + where.strip() + ": " + detail + "; it needs READ on the group (docs/security.md)";
        } else if (cause instanceof TransactionalIdAuthorizationException) {
            message = who + " is not authorized for its transactional id" + where + ": " + detail
                    + "; it needs WRITE on the transactional id (docs/security.md)";
        } else if (cause instanceof ClusterAuthorizationException) {
            message = who + " is not authorized for a cluster operation" + where + ": " + detail;
        } else {
            message = who + " is not authorized" + where + ": " + detail;
        }
        return Optional.of(message);
    }

    /**
     * Who the client logs in as, for messages: {@code user 'alice'} from a {@code sasl.jaas.config} with a username,
     * else the security protocol's principal in words.
     */
    static String principal(Map<String, String> clientProperties) {
        String jaas = clientProperties.get("sasl.jaas.config");
        if (jaas != null) {
            Matcher m = USERNAME.matcher(jaas);
            if (m.find()) {
                return "user '" + (m.group(1) != null ? m.group(1) : m.group(2)) + "'";
            }
        }
        String protocol = clientProperties.getOrDefault("security.protocol", "PLAINTEXT");
        return switch (protocol.toUpperCase(java.util.Locale.ROOT)) {
            case "PLAINTEXT" -> "the anonymous client (security.protocol=PLAINTEXT)";
            case "SSL" -> "the TLS client (security.protocol=SSL)";
            default -> "the " + protocol + " client";
        };
    }

    /** The authentication or authorization failure among {@code error} and its causes, or null. */
    static Throwable find(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof AuthenticationException || t instanceof AuthorizationException) {
                return t;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    private static String oneLine(String s) {
        return s == null ? "(no detail)" : s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }
}
