package dev.umbra.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.batch.BatchPolicy;
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
        assertEquals(4 * BatchPolicy.DEFAULT_MAX_BATCH_ROWS, c.maxInFlightRows());
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
}
