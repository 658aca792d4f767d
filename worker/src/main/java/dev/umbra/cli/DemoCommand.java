package dev.umbra.cli;

import dev.umbra.http.HttpOptions;
import dev.umbra.kafka.demo.DemoOptions;
import dev.umbra.kafka.demo.DemoReport;
import dev.umbra.kafka.demo.DemoRun;
import dev.umbra.model.DjlRuntime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code demo}: the whole pipeline in one process, on an embedded Kafka broker and the embedded default model. */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Starts an embedded Kafka broker and a worker on the embedded default model, sends N prompt requests",
            "(prompts of the shapes world's grammar, or --prompts), collects every result into DIR/results.jsonl,",
            "writes every picture to DIR/images/<request>/<index>.png and prints a summary (latency, batches,",
            "decode time, pool utilization, diversity). Exit code 0 only when every request got its result in time."
        })
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--threads", paramLabel = "N",
            description = "libtorch's intra-op threads (default: one per core); see run --help.")
    Integer threads;

    @Option(names = "--count", paramLabel = "N", defaultValue = "" + DemoOptions.DEFAULT_COUNT,
            description = "Requests to send (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--prompts", paramLabel = "FILE",
            description = "UTF-8 prompts, one per line, used in turn (default: prompts of the shapes world's grammar).")
    Path prompts;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "umbra-demo-out",
            description = "Folder for results.jsonl and images/ (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--images", paramLabel = "N", defaultValue = "1",
            description = "num_images of each request (default: ${DEFAULT-VALUE}).")
    int images;

    @CommandLine.Mixin
    BatchingMixin batching;

    @CommandLine.Mixin
    DecoderMixin decoding;

    @Option(names = "--timeout-s", paramLabel = "N", defaultValue = "300",
            description = "Longest to wait for all results once the requests are sent (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "0",
            description = "Serve the live gallery, /metrics and /health on this port while the demo runs (default: 0,"
                    + " any free one, printed); -1 for no HTTP.")
    int httpPort;

    @Option(names = "--http-host", paramLabel = "HOST", defaultValue = HttpOptions.DEFAULT_HOST,
            description = "Address to bind HTTP to (default: ${DEFAULT-VALUE}).")
    String httpHost;

    @CommandLine.Mixin
    LoggingMixin logging;

    @CommandLine.Mixin
    VerboseMixin verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (threads != null) {
            DjlRuntime.setIntraOpThreads(threads);
        }
        DemoOptions options = new DemoOptions(count, prompts, out, images, batching.toPolicy(),
                batching.latencyTarget(), decoding.toConfig(out.resolve("images")), Duration.ofSeconds(timeoutSeconds),
                httpPort < 0 ? null : new HttpOptions(httpHost, httpPort));
        DemoReport report = new DemoRun(options, spec.commandLine().getOut(), spec.commandLine().getErr()).run();
        if (!report.complete()) {
            spec.commandLine().getErr().printf("demo: error: %d of %d requests got no result within %d s%n",
                    report.missing().size(), report.requested(), timeoutSeconds);
            spec.commandLine().getErr().flush();
            return CliErrors.FAILED;
        }
        return 0;
    }
}
