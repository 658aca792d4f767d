package dev.umbra.kafka.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The broker properties of a SASL_SSL listener, and what a plaintext broker keeps; no broker is started. */
class BrokerSecurityTest {

    private static final BrokerSecurity SECURE = BrokerSecurity.saslSsl(Path.of("/certs/broker.p12"), "ks-pw",
            Path.of("/certs/trust.p12"), "ts-pw", "admin", "admin-pw");

    @Test
    void onlyTheClientListenerIsSecuredAndEverythingStaysOnLoopback() {
        Properties p = EmbeddedKafkaBroker.brokerProperties(BrokerOptions.defaults().withSecurity(SECURE),
                Path.of("/tmp/x"), 7, 10001, 10002);
        assertEquals("BROKER:SASL_SSL,CONTROLLER:PLAINTEXT", p.getProperty("listener.security.protocol.map"));
        assertEquals("BROKER://127.0.0.1:10001,CONTROLLER://127.0.0.1:10002", p.getProperty("listeners"));
        assertEquals("BROKER://127.0.0.1:10001", p.getProperty("advertised.listeners"));
        assertEquals("SCRAM-SHA-512", p.getProperty("sasl.enabled.mechanisms"));
        assertEquals("SCRAM-SHA-512", p.getProperty("sasl.mechanism.inter.broker.protocol"));
        assertEquals("/certs/broker.p12", p.getProperty("listener.name.broker.ssl.keystore.location"));
        assertEquals("PKCS12", p.getProperty("listener.name.broker.ssl.keystore.type"));
        assertTrue(p.getProperty("listener.name.broker.scram-sha-512.sasl.jaas.config")
                .contains("username=\"admin\" password=\"admin-pw\""));
        // Without the authorizer, no ACLs: any SCRAM user may do anything.
        assertNull(p.getProperty("authorizer.class.name"));
    }

    @Test
    void theAuthorizerMakesTheAdminAndTheNodesOwnControllerPrincipalSuperUsers() {
        Properties p = EmbeddedKafkaBroker.brokerProperties(
                BrokerOptions.defaults().withSecurity(SECURE.withAuthorizer()), Path.of("/tmp/x"), 7, 10001, 10002);
        assertEquals(BrokerSecurity.STANDARD_AUTHORIZER, p.getProperty("authorizer.class.name"));
        assertEquals("User:admin;User:ANONYMOUS", p.getProperty("super.users"));
    }

    @Test
    void thePlaintextDefaultHasNoSecuritySettings() {
        Properties p = EmbeddedKafkaBroker.brokerProperties(BrokerOptions.defaults(), Path.of("/tmp/x"), 7, 10001,
                10002);
        assertEquals("BROKER:PLAINTEXT,CONTROLLER:PLAINTEXT", p.getProperty("listener.security.protocol.map"));
        assertTrue(p.stringPropertyNames().stream().noneMatch(k -> k.contains("sasl") || k.contains("ssl")
                || k.startsWith("authorizer") || k.equals("super.users")), p.toString());
    }

    @Test
    void clientPropertiesLogInWithScramOverTlsAndToStringHidesThePasswords() {
        var c = SECURE.clientProperties("alice", "alice-pw");
        assertEquals("SASL_SSL", c.get("security.protocol"));
        assertEquals("SCRAM-SHA-512", c.get("sasl.mechanism"));
        assertEquals("org.apache.kafka.common.security.scram.ScramLoginModule required username=\"alice\""
                + " password=\"alice-pw\";", c.get("sasl.jaas.config"));
        assertEquals("/certs/trust.p12", c.get("ssl.truststore.location"));
        // Host name verification stays Kafka's default (on).
        assertFalse(c.containsKey("ssl.endpoint.identification.algorithm"));
        assertEquals("SCRAM-SHA-512=[name=admin,password=\"admin-pw\"]", SECURE.scramFormatArgument());
        assertFalse(SECURE.toString().contains("pw"), SECURE.toString());
    }

    @Test
    void refusesNamesAndPasswordsThatWouldNeedQuoting() {
        assertThrows(IllegalArgumentException.class, () -> BrokerSecurity.jaasConfig("a b", "pw"));
        assertThrows(IllegalArgumentException.class, () -> BrokerSecurity.jaasConfig("alice", "p\"w"));
        assertThrows(IllegalArgumentException.class, () -> BrokerSecurity.saslSsl(Path.of("k"), "", Path.of("t"),
                "t", "admin", "pw"));
    }
}
