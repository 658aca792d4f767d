package dev.umbra.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.WakeupException;
import org.junit.jupiter.api.Test;

class KafkaAccessErrorsTest {

    private static final String SERVERS = "kafka-1:9093,kafka-2:9093";
    private static final Map<String, String> SCRAM = Map.of(
            "security.protocol", "SASL_SSL",
            "sasl.mechanism", "SCRAM-SHA-512",
            "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required"
                    + " username=\"umbra-worker\" password=\"s3cret\";");

    @Test
    void aRefusedPasswordNamesTheUserTheServersAndTheMechanismOnOneLine() {
        var sasl = new SaslAuthenticationException("Authentication failed during authentication due to invalid"
                + " credentials with SASL mechanism SCRAM-SHA-512");
        // As a consumer's poll or a future reports it: wrapped.
        KafkaAccessException e = KafkaAccessErrors.fatal(new CompletionException(new KafkaException(sasl)), SERVERS,
                SCRAM).orElseThrow();
        assertSame(sasl, e.getCause());
        assertTrue(e.getMessage().startsWith("authentication failed for user 'umbra-worker' at bootstrap servers "
                + SERVERS + " (SASL SCRAM-SHA-512): Authentication failed"), e.getMessage());
        assertTrue(e.getMessage().contains("sasl.jaas.config"), e.getMessage());
        assertFalse(e.getMessage().contains("s3cret"), "never the password: " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void aFailedTlsHandshakeSaysTlsAndPointsAtTheTrustStore() {
        String m = KafkaAccessErrors.describe(new SslAuthenticationException("SSL handshake failed\nPKIX path"
                + " building failed"), SERVERS, SCRAM).orElseThrow();
        assertTrue(m.startsWith("TLS handshake failed at bootstrap servers " + SERVERS + " (user 'umbra-worker'): SSL"
                + " handshake failed PKIX path building failed;"), m);
        assertTrue(m.contains("ssl.truststore.location"), m);
    }

    @Test
    void missingAclsNameTheTopicsOrTheGroup() {
        String topics = KafkaAccessErrors.describe(new TopicAuthorizationException(Set.of("umbra.results",
                "umbra.prompts")), SERVERS, SCRAM).orElseThrow();
        assertTrue(topics.startsWith("user 'umbra-worker' is not authorized for topic(s) [umbra.prompts,"
                + " umbra.results] at bootstrap servers " + SERVERS + ": "), topics);
        String group = KafkaAccessErrors.describe(GroupAuthorizationException.forGroupId("umbra-worker"), SERVERS,
                SCRAM).orElseThrow();
        assertTrue(group.startsWith("user 'umbra-worker' is not authorized for consumer group 'umbra-worker' at"
                + " bootstrap servers " + SERVERS + ": "), group);
        assertTrue(group.contains("READ on the group"), group);
        assertTrue(KafkaAccessErrors.isFatal(new TransactionalIdAuthorizationException("no")));
    }

    @Test
    void errorsThatMayPassAreNotFatal() {
        assertFalse(KafkaAccessErrors.isFatal(new TimeoutException("broker away")));
        assertFalse(KafkaAccessErrors.isFatal(new WakeupException()));
        assertFalse(KafkaAccessErrors.isFatal(new KafkaException(new UnknownTopicOrPartitionException("x"))));
        assertFalse(KafkaAccessErrors.isFatal(null));
        assertTrue(KafkaAccessErrors.describe(new TimeoutException("t"), SERVERS, SCRAM).isEmpty());
    }

    @Test
    void thePrincipalComesFromTheJaasUsernameOrTheProtocol() {
        assertEquals("user 'umbra-worker'", KafkaAccessErrors.principal(SCRAM));
        assertEquals("user 'bob'", KafkaAccessErrors.principal(Map.of("sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=bob password=x;")));
        assertEquals("the anonymous client (security.protocol=PLAINTEXT)", KafkaAccessErrors.principal(Map.of()));
        assertEquals("the TLS client (security.protocol=SSL)",
                KafkaAccessErrors.principal(Map.of("security.protocol", "SSL")));
    }

    @Test
    void theWorkersClientPropertiesAreTheOnesNamed() {
        WorkerConfig config = WorkerConfig.builder(SERVERS).kafkaProperties(SCRAM)
                .kafkaProperty("consumer.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule"
                        + " required username=\"reader\" password=\"p\";").build();
        String m = KafkaAccessErrors.fatal(new SaslAuthenticationException("bad"), config, "consumer").orElseThrow()
                .getMessage();
        assertTrue(m.startsWith("authentication failed for user 'reader' at bootstrap servers " + SERVERS), m);
    }
}
