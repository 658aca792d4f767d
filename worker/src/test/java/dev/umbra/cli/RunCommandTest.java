package dev.umbra.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.model.EmbeddedModels;
import org.junit.jupiter.api.Test;

/** {@code run}'s parsing and validation; the worker it starts is tested through {@code WorkerProcessTest}. */
class RunCommandTest {

    @Test
    void bootstrapServersAreRequired() {
        CliRun r = CliRun.of("run");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--bootstrap-servers"), r.err());
    }

    @Test
    void reservedKafkaPropertyIsRefusedBeforeAnythingStarts() {
        CliRun r = CliRun.of("run", "--bootstrap-servers", "127.0.0.1:1",
                "--kafka-property", "enable.auto.commit=true");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("'enable.auto.commit'"), r.err());
    }

    @Test
    void badBatchSizeIsRefusedNamingIt() {
        CliRun r = CliRun.of("run", "--bootstrap-servers", "127.0.0.1:1", "--batch-size", "0");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("maxBatchRows must be at least 1 (got 0)"), r.err());
    }

    @Test
    void anUnknownRoleIsRefusedNamingTheRoles() {
        CliRun r = CliRun.of("run", "--bootstrap-servers", "127.0.0.1:1", "--role", "both");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--role must be all, prior or decoder (got 'both')"), r.err());
    }

    @Test
    void aDecoderRoleWithoutADecoderSaysSoBeforeConnecting() {
        CliRun r = CliRun.of("run", "--bootstrap-servers", "127.0.0.1:1", "--role", "decoder",
                "--model", EmbeddedModels.tinyModelDir().toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--role decoder needs a decoder"), r.err());
    }

    @Test
    void threadsBelowOneAreRefused() {
        CliRun r = CliRun.of("run", "--bootstrap-servers", "127.0.0.1:1", "--threads", "0");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--threads must be at least 1 (got 0)"), r.err());
    }
}
