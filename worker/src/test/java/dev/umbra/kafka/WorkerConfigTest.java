package dev.umbra.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.batch.BatchPolicy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkerConfigTest {

    @Test
    void defaults() {
        WorkerConfig c = WorkerConfig.builder("127.0.0.1:9092").workerId("w1").build();
        assertEquals("umbra.prompts", c.promptsTopic());
        assertEquals("umbra.results", c.resultsTopic());
        assertEquals("umbra.dead-letter", c.deadLetterTopic());
        assertEquals("umbra-worker", c.groupId());
        assertEquals("w1", c.clientId());
        assertEquals(4 * BatchPolicy.DEFAULT_MAX_BATCH_ROWS, c.minInFlightRows());
        assertEquals(WorkerConfig.DEFAULT_MAX_IN_FLIGHT_ROWS, c.maxInFlightRows());
        assertTrue(c.adaptiveInFlight());
        WorkerConfig fixed = WorkerConfig.builder("b:1").maxInFlightRows(100).build();
        assertEquals(100, fixed.minInFlightRows());
        assertEquals(100, fixed.maxInFlightRows());
        assertFalse(fixed.adaptiveInFlight());
        // Slow decoders fetch no more than the least bound a poll; embeddings alone, Kafka's default.
        assertEquals(64, c.maxPollRecords(true));
        assertEquals(500, c.maxPollRecords(false));
        assertEquals(1000, WorkerConfig.builder("b:1").maxInFlightRows(1000).build().maxPollRecords(false));
        assertEquals(4, WorkerConfig.builder("b:1").maxInFlightRows(4).build().maxPollRecords(false),
                "a fixed bound caps the polls too");
        assertEquals(1000, c.limits().maxPromptChars());
        assertEquals(8, c.limits().maxImagesPerRequest());
    }

    @Test
    void plainPropertiesGoToEveryClientAndPrefixedOnesToOneWinning() {
        WorkerConfig c = WorkerConfig.builder("b:1")
                .kafkaProperty("security.protocol", "SSL")
                .kafkaProperty("max.poll.records", "7")
                .kafkaProperty("consumer.max.poll.records", "9")
                .kafkaProperty("producer.linger.ms", "1")
                .build();
        assertEquals(Map.of("security.protocol", "SSL", "max.poll.records", "9"), c.kafkaPropertiesFor("consumer"));
        assertEquals(Map.of("security.protocol", "SSL", "max.poll.records", "7", "linger.ms", "1"),
                c.kafkaPropertiesFor("producer"));
    }

    @Test
    void propertiesTheWorkerControlsAreRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WorkerConfig.builder("b:1").kafkaProperty("consumer.enable.auto.commit", "true").build());
        assertTrue(e.getMessage().contains("'consumer.enable.auto.commit'"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> WorkerConfig.builder("b:1").kafkaProperty("group.id", "x").build());
    }

    @Test
    void badValuesAreRefusedNamingThem() {
        IllegalArgumentException blank = assertThrows(IllegalArgumentException.class,
                () -> WorkerConfig.builder(" ").build());
        assertTrue(blank.getMessage().startsWith("bootstrapServers"), blank.getMessage());
        IllegalArgumentException same = assertThrows(IllegalArgumentException.class,
                () -> WorkerConfig.builder("b:1").resultsTopic("umbra.prompts").build());
        assertTrue(same.getMessage().contains("must differ"), same.getMessage());
        assertThrows(IllegalArgumentException.class, () -> WorkerConfig.builder("b:1").maxInFlightRows(0).build());
    }

    @Test
    void eachRoleReadsItsOwnTopicInItsOwnGroup() {
        WorkerConfig all = WorkerConfig.builder("b:1").build();
        assertEquals(WorkerRole.ALL, all.role());
        assertEquals("umbra.prompts", all.inputTopic());
        assertEquals(List.of("umbra.prompts", "umbra.results", "umbra.dead-letter"), all.topics());
        WorkerConfig prior = WorkerConfig.builder("b:1").role(WorkerRole.PRIOR).build();
        assertEquals("umbra-worker", prior.groupId());
        assertEquals(List.of("umbra.prompts", "umbra.embeddings", "umbra.results", "umbra.dead-letter"),
                prior.topics());
        WorkerConfig decoder = WorkerConfig.builder("b:1").role(WorkerRole.DECODER).build();
        assertEquals("umbra-decoder", decoder.groupId());
        assertEquals("umbra.embeddings", decoder.inputTopic());
        assertEquals("mine", WorkerConfig.builder("b:1").role(WorkerRole.DECODER).groupId("mine").build().groupId());
        IllegalArgumentException same = assertThrows(IllegalArgumentException.class, () -> WorkerConfig.builder("b:1")
                .role(WorkerRole.DECODER).embeddingsTopic("umbra.results").build());
        assertTrue(same.getMessage().contains("embeddings topic 'umbra.results' must differ"), same.getMessage());
        assertEquals(WorkerRole.DECODER, WorkerRole.parse(" Decoder"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> WorkerRole.parse("both"));
        assertEquals("--role must be all, prior or decoder (got 'both')", bad.getMessage());
    }
}
