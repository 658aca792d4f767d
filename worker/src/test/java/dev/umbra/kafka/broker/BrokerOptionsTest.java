package dev.umbra.kafka.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** Option validation and the broker properties derived from options; no broker is started. */
class BrokerOptionsTest {

    @Test
    void defaultsPickTemporaryStorageAndFreePorts() {
        BrokerOptions d = BrokerOptions.defaults();
        assertNull(d.dataDir());
        assertEquals(0, d.brokerPort());
        assertEquals(0, d.controllerPort());
        assertEquals(BrokerOptions.DEFAULT_START_TIMEOUT, d.startTimeout());
        assertTrue(d.extraProperties().isEmpty());
    }

    @Test
    void refusesReservedPropertiesNamingTheKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BrokerOptions.defaults().withProperty("listeners", "PLAINTEXT://0.0.0.0:9092"));
        assertTrue(e.getMessage().contains("'listeners'"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> BrokerOptions.defaults().withProperty("advertised.listeners", "PLAINTEXT://example.com:9092"));
    }

    @Test
    void refusesBadPortsAndTimeoutsNamingTheValue() {
        IllegalArgumentException port = assertThrows(IllegalArgumentException.class,
                () -> BrokerOptions.defaults().withBrokerPort(70000));
        assertTrue(port.getMessage().contains("brokerPort") && port.getMessage().contains("70000"), port.getMessage());
        IllegalArgumentException same = assertThrows(IllegalArgumentException.class,
                () -> BrokerOptions.defaults().withBrokerPort(9092).withControllerPort(9092));
        assertTrue(same.getMessage().contains("9092"), same.getMessage());
        IllegalArgumentException timeout = assertThrows(IllegalArgumentException.class,
                () -> BrokerOptions.defaults().withStartTimeout(Duration.ZERO));
        assertTrue(timeout.getMessage().contains("PT0S"), timeout.getMessage());
    }

    @Test
    void brokerPropertiesBindLoopbackOnlyAndFitOneNode() {
        BrokerOptions options = BrokerOptions.defaults().withProperty("num.partitions", "4");
        Properties p = EmbeddedKafkaBroker.brokerProperties(options, Path.of("/tmp/x"), 7, 10001, 10002);
        assertEquals("BROKER://127.0.0.1:10001,CONTROLLER://127.0.0.1:10002", p.getProperty("listeners"));
        assertEquals("BROKER://127.0.0.1:10001", p.getProperty("advertised.listeners"));
        assertEquals("7@127.0.0.1:10002", p.getProperty("controller.quorum.voters"));
        assertEquals("broker,controller", p.getProperty("process.roles"));
        for (String key : new String[] {"offsets.topic.replication.factor", "transaction.state.log.replication.factor",
                "transaction.state.log.min.isr", "min.insync.replicas", "default.replication.factor"}) {
            assertEquals("1", p.getProperty(key), key);
        }
        assertEquals("0", p.getProperty("group.initial.rebalance.delay.ms"));
        assertEquals("4", p.getProperty("num.partitions"), "extra properties are applied");
    }

    @Test
    void topicSpecRefusesBadValuesNamingThem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TopicSpec.of("prompts", 0));
        assertTrue(e.getMessage().contains("'prompts'") && e.getMessage().contains("0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TopicSpec.of(" ", 1));
        assertEquals(Map.of(), TopicSpec.of("t", 1).configs());
    }
}
