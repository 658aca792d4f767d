package dev.umbra.cli;

import dev.umbra.jobs.BatchJob;
import dev.umbra.jobs.BatchJobOptions;
import dev.umbra.jobs.BatchReport;
import dev.umbra.kafka.WorkerConfig;
import dev.umbra.model.DjlRuntime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code batch}: a prompts file through a worker into a resumable job directory. */
@Command(
        name = "batch",
        mixinStandardHelpOptions = true,
        description = {
            "Sends every line of a prompts file as a request; writes each line's result",
            "to DIR/results.jsonl and its pictures to DIR/images/<request>/<index>.png,",
            "with progress on stderr and a summary at the end. Request ids are JOB-000001",
            "(line 1) and so on. Resumable: run it again with the same --out after Ctrl-C,",
            "a kill or a timeout, and it sends only the lines still without a result.",
            "Without --bootstrap-servers it starts an embedded broker and a worker on the",
            "default model, as demo does (the decoder options are that worker's).",
            "Exit code 0 only when every line has exactly one result.",
        })
final class BatchCommand implements Callable<Integer> {

    @Option(names = "--prompts", paramLabel = "FILE", required = true,
            description = "UTF-8 prompts, one request per line (an empty line too: its result is a rejection).")
    Path prompts;

    @Option(names = "--out", paramLabel = "DIR", required = true,
            description = "The job directory: job.json, results.jsonl, images/ (created if needed).")
    Path out;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "The Kafka cluster a worker serves (default: an embedded broker and worker in this process).")
    String bootstrapServers;

    @Option(names = "--images", paramLabel = "N",
            description = "num_images of each request (default: 1 for a new job, the job's own on a rerun).")
    Integer images;

    @Option(names = "--seed", paramLabel = "N",
            description = "Line i (from 0) uses seed N + i * images (default: drawn once and kept in DIR/job.json).")
    Long seed;

    @Option(names = "--job-id", paramLabel = "ID",
            description = "The job's id, prefix of its request ids and name of its consumer group (default: the"
                    + " directory's job, or a new id).")
    String jobId;

    @Option(names = "--prompts-topic", paramLabel = "TOPIC", defaultValue = WorkerConfig.DEFAULT_PROMPTS_TOPIC,
            description = "Where requests go (default: ${DEFAULT-VALUE}).")
    String promptsTopic;

    @Option(names = "--results-topic", paramLabel = "TOPIC", defaultValue = WorkerConfig.DEFAULT_RESULTS_TOPIC,
            description = "Where results are read (default: ${DEFAULT-VALUE}).")
    String resultsTopic;

    @Option(names = "--timeout-s", paramLabel = "N", defaultValue = "300",
            description = "Give up when no new result came for N seconds; a rerun goes on (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--threads", paramLabel = "N",
            description = "The embedded worker's libtorch intra-op threads (default: one per core).")
    Integer threads;

    @CommandLine.Mixin
    DecoderMixin decoding;

    @CommandLine.Mixin
    VerboseMixin verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (threads != null) {
            DjlRuntime.setIntraOpThreads(threads);
        }
        BatchJobOptions options = new BatchJobOptions(prompts, out, jobId, images, seed, bootstrapServers, promptsTopic,
                resultsTopic, Duration.ofSeconds(timeoutSeconds), decoding.toConfig(out.resolve("images")));
        BatchReport report = new BatchJob(options, spec.commandLine().getOut(), spec.commandLine().getErr()).run();
        if (!report.complete()) {
            spec.commandLine().getErr().printf("batch: error: %d of %d lines have no result yet; run the same command"
                    + " again to finish the job%n", report.missing().size(), report.lines());
            spec.commandLine().getErr().flush();
            return CliErrors.FAILED;
        }
        return 0;
    }
}
