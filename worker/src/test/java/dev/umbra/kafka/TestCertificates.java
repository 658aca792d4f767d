package dev.umbra.kafka;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway certificate authority and a broker certificate it signed (EC P-256 keys), made at test time with the
 * JDK's own {@code keytool} (no hand-written crypto, no network): the broker's PKCS12 key store holds its key and the
 * chain (broker certificate, CA), and the trust store holds the CA only, so that clients verify the chain and the
 * host name (the certificate names {@code 127.0.0.1} and {@code localhost}).
 *
 * @param keyStore   the broker's key store (PKCS12), password {@link #password}
 * @param trustStore the CA alone (PKCS12), password {@link #password}
 * @param password   of both stores and of the broker's key
 */
public record TestCertificates(Path keyStore, Path trustStore, String password) {

    private static final long KEYTOOL_TIMEOUT_SECONDS = 60;

    /** Makes {@code ca.p12}, {@code broker.p12} and {@code truststore.p12} in {@code dir}: seconds (keytool JVMs). */
    public static TestCertificates create(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        String pw = "umbra-test-" + Long.toHexString(System.nanoTime());
        Path ca = dir.resolve("ca.p12");
        Path broker = dir.resolve("broker.p12");
        Path trust = dir.resolve("truststore.p12");
        Path caCert = dir.resolve("ca.pem");
        Path csr = dir.resolve("broker.csr");
        Path brokerCert = dir.resolve("broker.pem");
        // The CA: a self-signed key pair marked as a CA (BasicConstraints), able to sign certificates.
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=Umbra test CA", "-ext", "bc:c", "-keystore", ca.toString(), "-storetype", "PKCS12",
                "-storepass", pw);
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-storepass", pw,
                "-file", caCert.toString());
        // The broker's key pair, then its certificate signed by the CA, valid for the loopback names clients use.
        keytool("-genkeypair", "-alias", "broker", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=localhost", "-keystore", broker.toString(), "-storetype", "PKCS12", "-storepass", pw);
        keytool("-certreq", "-alias", "broker", "-keystore", broker.toString(), "-storepass", pw,
                "-file", csr.toString());
        keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-storepass", pw,
                "-infile", csr.toString(), "-outfile", brokerCert.toString(), "-validity", "2",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-ext", "KU=digitalSignature",
                "-ext", "EKU=serverAuth,clientAuth");
        // The chain goes into the broker's store: the CA first (so that keytool can link the reply), then the reply.
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caCert.toString(), "-keystore", broker.toString(),
                "-storepass", pw);
        keytool("-importcert", "-alias", "broker", "-file", brokerCert.toString(), "-keystore", broker.toString(),
                "-storepass", pw);
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caCert.toString(), "-keystore", trust.toString(),
                "-storetype", "PKCS12", "-storepass", pw);
        return new TestCertificates(broker, trust, pw);
    }

    /** Runs the keytool of the JDK running the tests, failing with its output if it fails. */
    private static void keytool(String... args) throws IOException, InterruptedException {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        if (!Files.isExecutable(keytool)) {
            throw new IOException("no keytool at " + keytool + " (the JDK running the tests lacks it)");
        }
        // A short-lived JVM each: the C1 compiler alone starts it sooner.
        List<String> command = new ArrayList<>(List.of(keytool.toString(), "-J-XX:TieredStopAtLevel=1"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        boolean done = p.waitFor(KEYTOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!done) {
            p.destroyForcibly();
            throw new IOException("keytool " + args[0] + " did not finish within " + KEYTOOL_TIMEOUT_SECONDS
                    + " s");
        }
        if (p.exitValue() != 0) {
            throw new IOException("keytool " + String.join(" ", args) + " failed (exit " + p.exitValue() + "): " + output);
        }
    }
}
