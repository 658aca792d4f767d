package dev.umbra.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Values from a file and the environment, their precedence, and errors that name the key and where it came from. */
class ConfigDefaultsTest {

    @Command(name = "serve")
    static final class Serve implements Runnable {
        @Option(names = "--config")
        Path config;

        @Option(names = "--bootstrap-servers", required = true)
        String bootstrapServers;

        @Option(names = "--batch-size", defaultValue = "16")
        int batchSize;

        @Option(names = "--worker-id")
        String workerId;

        @Option(names = "--kafka-property")
        Map<String, String> kafkaProperties = Map.of();

        @Option(names = "--no-embeddings")
        boolean noEmbeddings;

        @Override
        public void run() {}
    }

    @TempDir
    Path tmp;

    private final StringWriter err = new StringWriter();

    /** Parses as UmbraCommand does: the provider during parsing, the options of several values after. */
    private Serve parse(Map<String, String> env, String... args) {
        CommandLine commandLine = new CommandLine(new Serve()).setErr(new PrintWriter(err, true));
        ConfigDefaults.install(commandLine, env);
        ConfigDefaults config = (ConfigDefaults) commandLine.getDefaultValueProvider();
        try {
            config.applyMultiValued(commandLine.parseArgs(args));
        } catch (CommandLine.ParameterException e) {
            throw config.explain(e);
        }
        return commandLine.getCommand();
    }

    private String error(Map<String, String> env, String... args) {
        return assertThrows(CommandLine.ParameterException.class, () -> parse(env, args)).getMessage();
    }

    private Path file(String name, String text) throws Exception {
        return Files.writeString(tmp.resolve(name), text);
    }

    @Test
    void aYamlFileGivesValuesAndSatisfiesRequiredOptions() throws Exception {
        Path yaml = file("umbra.yaml", """
                bootstrap-servers: kafka:9092
                batch-size: 32
                no-embeddings: true
                kafka-property:
                  security.protocol: SSL
                  consumer.max.poll.records: 100
                """);
        Serve s = parse(Map.of(), "--config", yaml.toString());
        assertEquals("kafka:9092", s.bootstrapServers);
        assertEquals(32, s.batchSize);
        assertTrue(s.noEmbeddings);
        assertEquals(Map.of("security.protocol", "SSL", "consumer.max.poll.records", "100"), s.kafkaProperties);
        assertEquals(null, s.workerId, "a key the file leaves out keeps its default");
    }

    @Test
    void aPropertiesFileGivesValuesWithMapEntriesAsDottedKeys() throws Exception {
        Path properties = file("umbra.properties", """
                bootstrap-servers=kafka:9092
                batch-size=8
                kafka-property.security.protocol=SSL
                kafka-property.sasl.jaas.config=org.Login required user="u" password="p=q";
                """);
        Serve s = parse(Map.of(), "--config=" + properties);
        assertEquals(8, s.batchSize);
        assertEquals(Map.of("security.protocol", "SSL", "sasl.jaas.config", "org.Login required user=\"u\" password=\"p=q\";"),
                s.kafkaProperties);
    }

    @Test
    void aRepeatableOptionTakesAYamlListAndStartsOverOnTheCommandLine() throws Exception {
        Path yaml = file("list.yaml", """
                bootstrap-servers: kafka:9092
                kafka-property: ["acks=all", "linger.ms=5"]
                """);
        assertEquals(Map.of("acks", "all", "linger.ms", "5"), parse(Map.of(), "--config", yaml.toString()).kafkaProperties);
        assertEquals(Map.of("acks", "1"), parse(Map.of(), "--config", yaml.toString(), "--kafka-property", "acks=1")
                .kafkaProperties, "the command line's entries replace the file's, as for any option");
    }

    @Test
    void environmentOverridesTheFileAndTheCommandLineOverridesBoth() throws Exception {
        Path yaml = file("umbra.yaml", "bootstrap-servers: kafka:9092\nbatch-size: 32\nworker-id: from-file\n");
        Map<String, String> env = Map.of("UMBRA_BATCH_SIZE", "64", "UMBRA_KAFKA_PROPERTY", "acks=all\nlinger.ms=5\n");
        Serve s = parse(env, "--config", yaml.toString());
        assertEquals(64, s.batchSize);
        assertEquals("from-file", s.workerId);
        assertEquals(Map.of("acks", "all", "linger.ms", "5"), s.kafkaProperties, "one entry a line");
        assertEquals(128, parse(env, "--config", yaml.toString(), "--batch-size", "128").batchSize);
    }

    @Test
    void umbraConfigNamesTheFileWhenTheCommandLineDoesNot() throws Exception {
        Path yaml = file("umbra.yaml", "bootstrap-servers: kafka:9092\n");
        Path other = file("other.yaml", "bootstrap-servers: other:9092\n");
        Map<String, String> env = Map.of("UMBRA_CONFIG", yaml.toString());
        assertEquals("kafka:9092", parse(env).bootstrapServers);
        assertEquals("other:9092", parse(env, "--config", other.toString()).bootstrapServers);
    }

    @Test
    void anUnknownKeyIsRefusedNamingTheFileAndTheNearestKey() throws Exception {
        Path yaml = file("typo.yaml", "bootstrap-servers: kafka:9092\nbach-size: 32\n");
        assertEquals("unknown key \"bach-size\" in " + yaml + " (the nearest key is batch-size)",
                error(Map.of(), "--config", yaml.toString()));
        Path properties = file("typo.properties", "bootstrap-servers=kafka:9092\nbatch-size.x=3\n");
        assertTrue(error(Map.of(), "--config", properties.toString()).startsWith("unknown key \"batch-size.x\""),
                "only an option of several values takes dotted entries");
    }

    @Test
    void aBadValueIsRefusedNamingTheKeyAndTheFile() throws Exception {
        Path yaml = file("bad.yaml", "bootstrap-servers: kafka:9092\nbatch-size: abc\n");
        assertEquals("batch-size \"abc\" in " + yaml + ": 'abc' is not an int", error(Map.of(), "--config", yaml.toString()));
        Path map = file("bad-map.yaml", "bootstrap-servers: kafka:9092\nkafka-property: [acks]\n");
        String message = error(Map.of(), "--config", map.toString());
        assertTrue(message.startsWith("kafka-property \"acks\" in " + map + ": "), message);
    }

    @Test
    void aBadValueFromTheEnvironmentNamesTheVariable() {
        assertEquals("UMBRA_BATCH_SIZE \"many\" in the environment: 'many' is not an int",
                error(Map.of("UMBRA_BATCH_SIZE", "many"), "--bootstrap-servers", "k:1"));
        assertEquals("UMBRA_NO_EMBEDDINGS \"yes\" in the environment: 'yes' is not a boolean",
                error(Map.of("UMBRA_NO_EMBEDDINGS", "yes"), "--bootstrap-servers", "k:1"));
    }

    @Test
    void aBadValueOnTheCommandLineIsPicoclisOwnError() {
        assertEquals("Invalid value for option '--batch-size': 'x' is not an int",
                error(Map.of("UMBRA_BATCH_SIZE", "8"), "--bootstrap-servers", "k:1", "--batch-size", "x"));
    }

    @Test
    void fileMistakesAreNamed() throws Exception {
        Path missing = tmp.resolve("nope.yaml");
        assertEquals("config file " + missing + ": no such file", error(Map.of(), "--config", missing.toString()));
        Path list = file("list.yaml", "bootstrap-servers: [a, b]\n");
        assertEquals("bootstrap-servers in " + list + ": takes one value, not a list or map",
                error(Map.of(), "--config", list.toString()));
        Path twice = file("twice.yaml", "batch-size: 1\nbatch-size: 2\n");
        assertTrue(error(Map.of(), "--config", twice.toString()).contains("Duplicate field 'batch-size'"));
        Path nested = file("nested.yaml", "kafka-property:\n  security:\n    protocol: SSL\n");
        assertEquals("kafka-property in " + nested + ": its list or map may hold only single values",
                error(Map.of(), "--config", nested.toString()));
        Path other = file("self.yaml", "config: other.yaml\n");
        assertEquals("config in " + other + ": a configuration file cannot name another",
                error(Map.of(), "--config", other.toString()));
        Path json = file("umbra.json", "{}");
        assertEquals("config file " + json + ": name it .yaml, .yml or .properties",
                error(Map.of(), "--config", json.toString()));
    }

    @Test
    void aMisspelledVariableIsWarnedAboutAndOthersAreLeftAlone() {
        parse(Map.of("UMBRA_BATCH_SIZ", "8", "UMBRA_LOG_LEVEL", "DEBUG", "UMBRA_CACHE_DIR", "/tmp"),
                "--bootstrap-servers", "k:1");
        assertEquals("serve: warning: UMBRA_BATCH_SIZ is not an option of serve (did you mean UMBRA_BATCH_SIZE?)\n",
                err.toString().replace(System.lineSeparator(), "\n"));
    }
}
