package dev.umbra.loadtest;

import dev.umbra.loadtest.pipe.PassThrough;
import dev.umbra.schemas.EventCodec;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code baseline}: the raw Kafka pipe, until SIGTERM or Ctrl-C. */
@Command(
        name = "baseline",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "The raw Kafka pipe: a model-free stand-in for the worker.",
            "",
            "Reads the prompts topic and writes, for each request, an OK ImageResult of the worker's size (keyed"
                    + " by request_id) to the results topic, with the worker's delivery settings (acks=all,"
                    + " idempotent producer, offsets committed only after the broker acknowledged, read from"
                    + " earliest). Point `run` at the same topics to measure what Kafka itself costs on this"
                    + " cluster. Stops cleanly on SIGTERM or Ctrl-C (answers in flight acknowledged, offsets"
                    + " committed).",
            ""
        })
final class BaselineCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    KafkaOptions kafka;

    @CommandLine.Mixin
    BaselineOptions baseline;

    @CommandLine.Mixin
    VerboseOption verbose;

    @Override
    public Integer call() throws Exception {
        PassThrough.Config config = baseline.config(kafka.settings(), kafka.promptsTopic, kafka.resultsTopic);
        PrintWriter err = spec.commandLine().getErr();
        CountDownLatch reported = new CountDownLatch(1);
        try (PassThrough pipe = PassThrough.start(config, new EventCodec(), kafka.setupTimeout)) {
            err.println("baseline " + config.workerId() + ": " + config.promptsTopic() + " -> " + config.resultsTopic()
                    + " at " + kafka.bootstrapServers + " (group " + config.groupId() + "); Ctrl-C stops it");
            err.flush();
            // SIGTERM or Ctrl-C: a clean stop; the JVM exits once the hook returns, so it waits for the report.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                pipe.close();
                awaitQuietly(reported);
            }, "umbra-baseline-stop"));
            Throwable failure = pipe.awaitStopped();
            err.println("baseline " + (failure == null ? "stopped: " : "failed (" + failure + "): ") + pipe.stats());
            err.flush();
            reported.countDown();
            return failure == null ? LoadTestCommand.OK : LoadTestCommand.FAILED;
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
