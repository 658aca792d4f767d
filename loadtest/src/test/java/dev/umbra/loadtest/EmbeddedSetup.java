package dev.umbra.loadtest;

import dev.umbra.kafka.StreamingWorker;
import dev.umbra.kafka.WorkerConfig;
import dev.umbra.kafka.broker.EmbeddedKafkaBroker;
import dev.umbra.worker.NullEngine;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A demo-like Kafka to point the load tool at, from the test classpath (the tool itself never depends on the
 * worker): an embedded KRaft broker on 127.0.0.1 with the worker's default topics, and optionally a worker on the
 * null model. Runs until Ctrl-C.
 *
 * <pre>
 * mvn -o -q -B -pl loadtest exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.umbra.loadtest.EmbeddedSetup -Dexec.args="--partitions 2 --worker null"
 * </pre>
 *
 * Arguments: {@code --partitions N} (prompts and results topics, default 2); {@code --worker null} or
 * {@code --worker null:E} to run a worker on the null model (embeddings of E values, default 64) in this process.
 */
public final class EmbeddedSetup {

    private EmbeddedSetup() {}

    public static void main(String[] args) throws Exception {
        int partitions = 2;
        String worker = "none";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--partitions" -> partitions = Integer.parseInt(args[i + 1]);
                case "--worker" -> worker = args[i + 1];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            broker.createTopics(Map.of(WorkerConfig.DEFAULT_PROMPTS_TOPIC, partitions,
                    WorkerConfig.DEFAULT_RESULTS_TOPIC, partitions, WorkerConfig.DEFAULT_DEAD_LETTER_TOPIC, 1));
            Vertx vertx = null;
            StreamingWorker running = null;
            if (worker.startsWith("null")) {
                int dim = worker.contains(":") ? Integer.parseInt(worker.substring(5)) : NullEngine.DEFAULT_DIM;
                vertx = Vertx.vertx();
                running = StreamingWorker.start(vertx, WorkerConfig.builder(broker.bootstrapServers()).build(),
                        new NullEngine(dim)).await(60, TimeUnit.SECONDS);
            }
            System.out.println("bootstrap servers: " + broker.bootstrapServers() + "  (topics "
                    + WorkerConfig.DEFAULT_PROMPTS_TOPIC + ", " + WorkerConfig.DEFAULT_RESULTS_TOPIC + ": " + partitions
                    + " partitions; worker: " + worker + "); Ctrl-C stops");
            stop.await();
            if (running != null) {
                running.stop().await(60, TimeUnit.SECONDS);
                vertx.close().await(60, TimeUnit.SECONDS);
            }
        }
    }
}
