package dev.umbra.kafka.broker;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A SASL_SSL client listener for the {@link EmbeddedKafkaBroker}: TLS with the given PKCS12 key store, logins with
 * SCRAM-SHA-512, and a super user whose credentials are written when the data directory is formatted. With
 * {@link #authorizer()}, ACLs are enforced by Kafka's {@code StandardAuthorizer} (nothing is allowed without one, but
 * for super users). The controller listener stays PLAINTEXT on 127.0.0.1.
 *
 * @param keyStore           the broker's PKCS12 key store: its key and certificate (valid for 127.0.0.1)
 * @param keyStorePassword   the key store's password, also the key's
 * @param trustStore         a PKCS12 trust store holding the CA that signed the broker's certificate (for the broker's
 *                           own clients and for {@link #clientProperties})
 * @param trustStorePassword the trust store's password
 * @param superUser          the SCRAM user made at format time and named in {@code super.users}
 * @param superUserPassword  its password
 * @param authorizer         whether ACLs are enforced
 */
public record BrokerSecurity(Path keyStore, String keyStorePassword, Path trustStore, String trustStorePassword,
        String superUser, String superUserPassword, boolean authorizer) {

    public static final String MECHANISM = "SCRAM-SHA-512";
    public static final String STANDARD_AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";
    /** Names that need no quoting in Kafka's SCRAM format arguments, JAAS options or ACL principals. */
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9._-]+");

    public BrokerSecurity {
        Objects.requireNonNull(keyStore, "keyStore");
        Objects.requireNonNull(trustStore, "trustStore");
        checkSecret("keyStorePassword", keyStorePassword);
        checkSecret("trustStorePassword", trustStorePassword);
        checkUser("superUser", superUser);
        checkSecret("superUserPassword", superUserPassword);
        keyStore = keyStore.toAbsolutePath();
        trustStore = trustStore.toAbsolutePath();
    }

    /** SASL_SSL with SCRAM-SHA-512 and no authorizer: any user with SCRAM credentials may do anything. */
    public static BrokerSecurity saslSsl(Path keyStore, String keyStorePassword, Path trustStore,
            String trustStorePassword, String superUser, String superUserPassword) {
        return new BrokerSecurity(keyStore, keyStorePassword, trustStore, trustStorePassword, superUser,
                superUserPassword, false);
    }

    /** The same listener with ACLs enforced by the StandardAuthorizer. */
    public BrokerSecurity withAuthorizer() {
        return new BrokerSecurity(keyStore, keyStorePassword, trustStore, trustStorePassword, superUser,
                superUserPassword, true);
    }

    /**
     * The client properties (besides {@code bootstrap.servers}) to log in to this listener as {@code user}: SASL_SSL,
     * SCRAM-SHA-512, the trust store, host name verification left on.
     */
    public Map<String, String> clientProperties(String user, String password) {
        Map<String, String> p = new TreeMap<>();
        p.put("security.protocol", "SASL_SSL");
        p.put("sasl.mechanism", MECHANISM);
        p.put("sasl.jaas.config", jaasConfig(user, password));
        p.put("ssl.truststore.type", "PKCS12");
        p.put("ssl.truststore.location", trustStore.toString());
        p.put("ssl.truststore.password", trustStorePassword);
        return p;
    }

    /** The {@code sasl.jaas.config} value of a SCRAM login. */
    public static String jaasConfig(String user, String password) {
        checkUser("user", user);
        checkSecret("password", password);
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";";
    }

    /** The broker properties of this listener, for {@code listenerName} (the rest of the node's settings aside). */
    Map<String, String> brokerProperties(String listenerName) {
        String prefix = "listener.name." + listenerName.toLowerCase(java.util.Locale.ROOT) + ".";
        Map<String, String> p = new TreeMap<>();
        p.put("sasl.enabled.mechanisms", MECHANISM);
        p.put("sasl.mechanism.inter.broker.protocol", MECHANISM);
        // Server side of SCRAM, and the login the broker uses for its own connections to this listener.
        p.put(prefix + MECHANISM.toLowerCase(java.util.Locale.ROOT) + ".sasl.jaas.config",
                jaasConfig(superUser, superUserPassword));
        p.put(prefix + "ssl.keystore.type", "PKCS12");
        p.put(prefix + "ssl.keystore.location", keyStore.toString());
        p.put(prefix + "ssl.keystore.password", keyStorePassword);
        p.put(prefix + "ssl.key.password", keyStorePassword);
        p.put(prefix + "ssl.truststore.type", "PKCS12");
        p.put(prefix + "ssl.truststore.location", trustStore.toString());
        p.put(prefix + "ssl.truststore.password", trustStorePassword);
        if (authorizer) {
            p.put("authorizer.class.name", STANDARD_AUTHORIZER);
            // ANONYMOUS is the principal of the PLAINTEXT controller listener, which only the node itself uses (its
            // broker half registers and heartbeats there, and those requests are authorized too); it is bound to
            // 127.0.0.1. Clients on the SASL_SSL listener are never ANONYMOUS.
            p.put("super.users", "User:" + superUser + ";User:ANONYMOUS");
        }
        return p;
    }

    /** The formatter's argument that writes the super user's credentials into the bootstrap metadata. */
    String scramFormatArgument() {
        return MECHANISM + "=[name=" + superUser + ",password=\"" + superUserPassword + "\"]";
    }

    /** Without the passwords. */
    @Override
    public String toString() {
        return "BrokerSecurity[SASL_SSL " + MECHANISM + ", super user " + superUser + ", key store " + keyStore
                + ", trust store " + trustStore + (authorizer ? ", ACLs enforced" : ", no authorizer") + "]";
    }

    private static void checkUser(String what, String user) {
        if (user == null || !USER.matcher(user).matches()) {
            throw new IllegalArgumentException(what + " must be letters, digits, '.', '_' or '-' (got '" + user + "')");
        }
    }

    private static void checkSecret(String what, String secret) {
        // Quoted in JAAS and in the formatter's arguments, neither of which has an escape we rely on.
        if (secret == null || secret.isEmpty() || secret.contains("\"") || secret.contains("\\")) {
            throw new IllegalArgumentException(what + " must be non-empty, without '\"' or '\\'");
        }
    }
}
