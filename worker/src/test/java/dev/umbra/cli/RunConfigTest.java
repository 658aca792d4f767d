package dev.umbra.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.config.ConfigDefaults;
import dev.umbra.kafka.WorkerRole;
import dev.umbra.log.LogFormat;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code run}'s options from a file and the environment: the documented examples, and errors as the CLI prints them. */
class RunConfigTest {

    @TempDir
    Path tmp;

    /** run as parsed from these arguments and that environment, not started. */
    private static RunCommand parseRun(Map<String, String> env, String... args) {
        CommandLine umbra = UmbraCommand.commandLine(env, new PrintWriter(new StringWriter()),
                new PrintWriter(new StringWriter()));
        CommandLine.ParseResult parsed = umbra.parseArgs(Stream.concat(Stream.of("run"), Stream.of(args))
                .toArray(String[]::new));
        CommandLine run = umbra.getSubcommands().get("run");
        ((ConfigDefaults) run.getDefaultValueProvider()).applyMultiValued(parsed.subcommand());
        return run.getCommand();
    }

    /** The fenced {@code language} example of docs/configuration.md, written to a file of that extension. */
    private Path example(String language) throws Exception {
        Matcher m = Pattern.compile("```" + language + "\n(.*?)```", Pattern.DOTALL)
                .matcher(Files.readString(ConfigurationDocTest.doc()));
        assertTrue(m.find(), "no " + language + " example in docs/configuration.md");
        return Files.writeString(tmp.resolve("worker." + language), m.group(1));
    }

    private Path file(String text) throws Exception {
        return Files.writeString(tmp.resolve("umbra.yaml"), text);
    }

    @Test
    void theYamlExampleOfTheDocsGivesRunItsOptions() throws Exception {
        RunCommand run = parseRun(Map.of(), "--config", example("yaml").toString());
        assertEquals("kafka-0.kafka:9092,kafka-1.kafka:9092", run.bootstrapServers);
        assertEquals(WorkerRole.PRIOR, run.role);
        assertEquals(Path.of("/models/kandinsky-2.2"), run.model);
        assertEquals("gpu", run.runtime.device);
        assertEquals(32, run.batching.batchSize);
        assertEquals(512, run.maxInFlightRows);
        assertEquals(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "PLAIN", "consumer.max.poll.records",
                "200"), run.kafkaProperties);
        assertEquals(8080, run.http.port);
        assertEquals("0.0.0.0", run.http.host);
        assertEquals(LogFormat.JSON, run.logging.format);
        assertEquals("umbra.prompts", run.promptsTopic, "what the file leaves out keeps its default");
    }

    @Test
    void thePropertiesExampleOfTheDocsGivesRunItsOptions() throws Exception {
        RunCommand run = parseRun(Map.of(), "--config", example("properties").toString());
        assertEquals(WorkerRole.DECODER, run.role);
        assertEquals("http", run.decoding.decoder);
        assertEquals(URI.create("http://decoder:8000"), run.decoding.url);
        assertEquals(4, run.decoding.workers);
        assertEquals(Path.of("/data/images"), run.decoding.imageDir);
        assertEquals(Map.of("security.protocol", "SSL", "ssl.truststore.location", "/etc/kafka/truststore.jks"),
                run.kafkaProperties);
    }

    @Test
    void theEnvironmentOverridesTheFileAndTheCommandLineBoth() throws Exception {
        Path yaml = example("yaml");
        Map<String, String> env = Map.of("UMBRA_CONFIG", yaml.toString(), "UMBRA_BATCH_SIZE", "16",
                "UMBRA_LOG_FORMAT", "text");
        RunCommand run = parseRun(env, "--worker-id", "w-7", "--log-format", "json");
        assertEquals(16, run.batching.batchSize);
        assertEquals("w-7", run.workerId);
        assertEquals(WorkerRole.PRIOR, run.role);
        assertEquals(LogFormat.JSON, run.logging.format);
        assertEquals(LogFormat.TEXT, parseRun(env).logging.format);
    }

    @Test
    void aBadValueInTheFileStopsRunNamingTheKeyAndTheFile() throws Exception {
        Path yaml = file("bootstrap-servers: 127.0.0.1:1\nbatch-size: abc\n");
        CliRun r = CliRun.of("run", "--config", yaml.toString());
        assertEquals(CliErrors.BAD_INPUT, r.code());
        assertTrue(r.err().startsWith("umbra-worker run: error: batch-size \"abc\" in " + yaml + ": 'abc' is not an int\n"),
                r.err());
    }

    @Test
    void anUnknownKeyStopsRunNamingTheNearestKey() throws Exception {
        Path yaml = file("bootstrap-servers: 127.0.0.1:1\nbach-size: 8\n");
        CliRun r = CliRun.of("run", "--config", yaml.toString());
        assertEquals(CliErrors.BAD_INPUT, r.code());
        assertTrue(r.err().startsWith("umbra-worker run: error: unknown key \"bach-size\" in " + yaml
                + " (the nearest key is batch-size)\n"), r.err());
    }

    @Test
    void aBadVariableStopsRunNamingIt() {
        CliRun r = CliRun.withEnv(Map.of("UMBRA_BOOTSTRAP_SERVERS", "127.0.0.1:1", "UMBRA_ROLE", "both"), "run");
        assertEquals(CliErrors.BAD_INPUT, r.code());
        assertTrue(r.err().startsWith("umbra-worker run: error: UMBRA_ROLE \"both\" in the environment:"
                + " --role must be all, prior or decoder (got 'both')\n"), r.err());
    }

    @Test
    void valuesFromTheFileMeetTheChecksOfTheCommandLine() throws Exception {
        // verbose from the file too: the stack trace follows the error line.
        Path yaml = file("bootstrap-servers: 127.0.0.1:1\nbatch-size: 0\nverbose: true\n");
        CliRun r = CliRun.of("run", "--config", yaml.toString());
        assertEquals(CliErrors.BAD_INPUT, r.code());
        assertTrue(r.err().startsWith("umbra-worker run: error: maxBatchRows must be at least 1 (got 0)\n"), r.err());
        assertTrue(r.err().contains("\tat dev.umbra."), r.err());
    }

    @Test
    void umbraLogFormatRulesCommandsWithoutTheOption() {
        try {
            CliRun bad = CliRun.withEnv(Map.of("UMBRA_LOG_FORMAT", "xml"), "help");
            assertEquals(CliErrors.BAD_INPUT, bad.code());
            assertTrue(bad.err().startsWith("umbra-worker help: error: UMBRA_LOG_FORMAT \"xml\" in the environment:"
                    + " the log format must be text or json (got 'xml')"), bad.err());
            assertEquals(0, CliRun.withEnv(Map.of("UMBRA_LOG_FORMAT", "json"), "help").code());
            assertEquals(LogFormat.JSON, LogFormat.current());
            assertEquals(0, CliRun.of("help").code());
            assertEquals(LogFormat.TEXT, LogFormat.current());
        } finally {
            LogFormat.use(LogFormat.TEXT);
        }
    }

    @Test
    void aMistypedOptionIsOneLineWithASuggestion() {
        CliRun r = CliRun.of("run", "--bootstrap-servers", "127.0.0.1:1", "--bach-size", "8");
        assertEquals(CliErrors.BAD_INPUT, r.code());
        assertTrue(r.err().startsWith("umbra-worker run: error: Unknown options: '--bach-size', '8'"), r.err());
        assertTrue(r.err().contains("--batch-size"), r.err());
    }
}
