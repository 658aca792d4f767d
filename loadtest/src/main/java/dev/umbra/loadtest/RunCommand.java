package dev.umbra.loadtest;

import dev.umbra.loadtest.kafka.KafkaSettings;
import dev.umbra.loadtest.kafka.KafkaTransport;
import dev.umbra.loadtest.load.Arrivals;
import dev.umbra.loadtest.load.LoadDriver;
import dev.umbra.loadtest.load.LoadPlan;
import dev.umbra.loadtest.load.LoadShape;
import dev.umbra.loadtest.load.Prompts;
import dev.umbra.loadtest.load.RateStep;
import dev.umbra.loadtest.load.RequestFactory;
import dev.umbra.loadtest.measure.Measurements;
import dev.umbra.loadtest.measure.RequestIds;
import dev.umbra.loadtest.measure.RunSummary;
import dev.umbra.loadtest.pipe.PassThrough;
import dev.umbra.loadtest.report.JsonReport;
import dev.umbra.loadtest.report.Report;
import dev.umbra.loadtest.report.RunChart;
import dev.umbra.loadtest.report.RunSettings;
import dev.umbra.loadtest.report.TerminalReport;
import dev.umbra.loadtest.report.TimelineCsv;
import dev.umbra.schemas.EventCodec;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code run}: the load generator. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Sends PromptRequests and measures the ImageResults that come back.",
            "",
            "Open loop (--rate, or --ramp with --step) or closed loop (--concurrency). Latency runs from each"
                    + " request's intended send time (its created_at) to its result's arrival. Writes report.json,"
                    + " timeline.csv and chart.png to --out. Exit code 0 when every request sent was answered, 1"
                    + " when some were lost or the run failed, 2 for bad options.",
            ""
        })
final class RunCommand implements Callable<Integer> {

    static final String REPORT_JSON = "report.json";
    static final String TIMELINE_CSV = "timeline.csv";
    static final String CHART_PNG = "chart.png";
    /** Non-interactive output (a file, CI): a progress line every this many seconds instead of every second. */
    private static final int LOG_PROGRESS_EVERY_SECONDS = 5;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    KafkaOptions kafka;

    @Option(names = "--rate", paramLabel = "PER_SECOND",
            description = "Open loop at this many requests per second for --duration.")
    Double rate;

    @Option(names = "--ramp", paramLabel = "RATE", split = ",",
            description = "Open loop through these rates, each for --step: e.g. 50,100,200,400.")
    List<Double> ramp;

    @Option(names = "--step", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long each rate of --ramp lasts.")
    Duration step;

    @Option(names = "--concurrency", paramLabel = "N",
            description = "Closed loop: N requests outstanding, the next sent as soon as one is answered.")
    Integer concurrency;

    @Option(names = "--duration", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long --rate or --concurrency lasts, warm-up not included (default: 30s).")
    Duration duration;

    @Option(names = "--arrivals", paramLabel = "KIND", converter = ArrivalsConverter.class,
            description = "Open loop: constant (evenly spaced, the default) or poisson (exponential gaps).")
    Arrivals arrivals;

    @Option(names = "--warmup", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "0s",
            description = "Load before the measured part, at the first rate (or the concurrency), left out of the"
                    + " figures (default: ${DEFAULT-VALUE}).")
    Duration warmup;

    @Option(names = "--max-outstanding", paramLabel = "N",
            description = "Open loop: a request due while N are unanswered is not sent and counts as dropped, so"
                    + " that a stalled worker cannot make the tool eat memory (default: "
                    + LoadShape.OpenLoop.DEFAULT_MAX_OUTSTANDING + ").")
    Integer maxOutstanding;

    @Option(names = "--grace", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "10s",
            description = "After the last send, how long to wait for answers; what is still unanswered is lost"
                    + " (closed loop: also the longest one request may hold its slot) (default: ${DEFAULT-VALUE}).")
    Duration grace;

    @Option(names = "--settle", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "1s",
            description = "Once everything is answered, how long to keep listening for duplicates"
                    + " (default: ${DEFAULT-VALUE}).")
    Duration settle;

    @Option(names = "--images", paramLabel = "N", defaultValue = "1",
            description = "num_images of every request (default: ${DEFAULT-VALUE}).")
    int images;

    @Option(names = "--prompts", paramLabel = "FILE",
            description = "One prompt per line, taken in turn (default: prompts of the shapes world,"
                    + " \"a red circle\", \"a blue square to the left of a green triangle\").")
    Path promptsFile;

    @Option(names = "--model", paramLabel = "NAME",
            description = "The model name requests ask for (default: none, the worker's).")
    String model;

    @Option(names = "--seed", paramLabel = "N",
            description = "Seed of the Poisson gaps and of the shapes-world prompts (default: drawn, and reported).")
    Long seed;

    @Option(names = "--run-id", paramLabel = "ID",
            description = "Prefix of the request ids (default: lt-<UTC time>-<random>); results of other ids are"
                    + " ignored.")
    String runId;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "umbra-loadtest-out",
            description = "Where report.json, timeline.csv and chart.png go (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--max-wait-ms", paramLabel = "MS",
            description = "The worker's --max-wait-ms: adds the line \"p99 bound\", whether the measured p99 is"
                    + " within MS + 3 x (p50 compute + p50 decode), the compute and decode times the worker's own"
                    + " (from the results). Meant for a run at half the sustainable rate (default: no bound).")
    Double maxWaitMs;

    @Option(names = "--baseline",
            description = "Run the baseline pass-through in this process for the run's length, instead of a worker"
                    + " (see the baseline command; its options below).")
    boolean baseline;

    @CommandLine.Mixin
    BaselineOptions baselineOptions;

    @CommandLine.Mixin
    VerboseOption verbose;

    @Override
    public Integer call() throws Exception {
        LoadPlan plan = plan();
        KafkaSettings settings = kafka.settings();
        List<String> prompts = promptsFile == null ? Prompts.shapesWorld(plan.seed()) : Prompts.fromFile(promptsFile);
        RequestIds ids = new RequestIds(runId != null ? runId
                : RequestIds.newRunId(ZonedDateTime.now(), new SplittableRandom()));
        RequestFactory requests = new RequestFactory(ids, prompts, images, model);
        Files.createDirectories(out);
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        EventCodec codec = new EventCodec();

        // Ctrl-C or SIGTERM ends sending; the answers still due get their grace period, and the JVM waits (in this
        // hook) until the reports are written.
        CountDownLatch reported = new CountDownLatch(1);
        AtomicReference<LoadDriver> current = new AtomicReference<>();
        AtomicBoolean stopRequested = new AtomicBoolean();
        Thread hook = new Thread(() -> {
            stopRequested.set(true);
            LoadDriver driver = current.get();
            if (driver != null) {
                driver.stop();
            }
            await(reported, plan.grace().plus(plan.settle()).plusSeconds(30));
        }, "umbra-loadtest-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            RunSummary summary;
            Instant[] started = new Instant[1];
            try (PassThrough pipe = baseline ? PassThrough.start(
                    baselineOptions.config(settings, kafka.promptsTopic, kafka.resultsTopic), codec,
                    kafka.setupTimeout) : null;
                    KafkaTransport transport = new KafkaTransport(settings, kafka.promptsTopic, kafka.resultsTopic,
                            codec, kafka.setupTimeout)) {
                LoadDriver driver = new LoadDriver(plan, requests, transport);
                current.set(driver);
                if (stopRequested.get()) {
                    driver.stop(); // the signal came while the clients were being made
                }
                stderr.println(describe(plan, ids) + " -> " + kafka.bootstrapServers);
                stderr.flush();
                ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "umbra-loadtest-progress");
                    t.setDaemon(true);
                    return t;
                });
                try {
                    summary = driver.run(m -> {
                        started[0] = Instant.now();
                        startProgress(progress, m, stderr);
                    });
                } finally {
                    progress.shutdownNow();
                    progress.awaitTermination(1, TimeUnit.SECONDS);
                }
                if (System.console() != null) {
                    stderr.println();
                }
            }
            if (maxWaitMs != null && summary.worker() != null) {
                summary = summary.withWorker(summary.worker().withBound(maxWaitMs, summary.latency().p99()));
            }
            Report report = new Report(LoadTestCommand.Version.name(), started[0].toString(), settings(plan),
                    summary);
            JsonReport.write(report, out.resolve(REPORT_JSON));
            TimelineCsv.write(summary.timeline(), out.resolve(TIMELINE_CSV));
            RunChart.write(summary, describe(plan, ids), out.resolve(CHART_PNG));
            TerminalReport.summary(stdout, describe(plan, ids), summary);
            stdout.println("  reports      " + out.resolve(REPORT_JSON) + ", " + out.resolve(TIMELINE_CSV) + ", "
                    + out.resolve(CHART_PNG));
            stdout.flush();
            long lost = summary.measured().lost() + summary.warmup().lost();
            if (lost > 0) {
                stderr.println("run: " + lost + " of " + (summary.measured().sent() + summary.warmup().sent())
                        + " requests were never answered within the grace period");
                stderr.flush();
                return LoadTestCommand.FAILED;
            }
            return LoadTestCommand.OK;
        } finally {
            reported.countDown();
            removeHook(hook);
        }
    }

    /** Checks the options against each other and makes the plan; every refusal is one line and exit code 2. */
    LoadPlan plan() {
        int given = (rate != null ? 1 : 0) + (ramp != null ? 1 : 0) + (concurrency != null ? 1 : 0);
        if (given != 1) {
            throw usage(given == 0 ? "give one of --rate, --ramp (with --step) or --concurrency"
                    : "--rate, --ramp and --concurrency exclude each other: give one");
        }
        requireNotNegative("--warmup", warmup);
        requireNotNegative("--grace", grace);
        requireNotNegative("--settle", settle);
        if (maxWaitMs != null && !(maxWaitMs >= 0 && Double.isFinite(maxWaitMs))) {
            throw usage("--max-wait-ms must be a number of milliseconds, 0 or more (got " + maxWaitMs + ")");
        }
        if (images < 1) {
            throw usage("--images must be at least 1 (got " + images + ")");
        }
        long planSeed = seed != null ? seed : new SplittableRandom().nextLong();
        LoadShape shape;
        if (concurrency != null) {
            if (concurrency < 1) {
                throw usage("--concurrency must be at least 1 (got " + concurrency + ")");
            }
            if (arrivals != null || maxOutstanding != null || step != null) {
                throw usage("--arrivals, --max-outstanding and --step belong to the open loop (--rate, --ramp),"
                        + " not to --concurrency");
            }
            shape = new LoadShape.ClosedLoop(concurrency, positive("--duration", durationOrDefault()));
        } else {
            List<RateStep> steps = new ArrayList<>();
            if (rate != null) {
                if (step != null) {
                    throw usage("--step goes with --ramp; --rate lasts --duration");
                }
                steps.add(new RateStep(positiveRate("--rate", rate), positive("--duration", durationOrDefault())));
            } else {
                if (step == null) {
                    throw usage("--ramp needs --step, how long each rate lasts");
                }
                if (duration != null) {
                    throw usage("--ramp lasts its steps (rates x --step): --duration does not apply");
                }
                positive("--step", step);
                for (Double r : ramp) {
                    steps.add(new RateStep(positiveRate("--ramp", r), step));
                }
            }
            int guard = maxOutstanding != null ? maxOutstanding : LoadShape.OpenLoop.DEFAULT_MAX_OUTSTANDING;
            if (guard < 1) {
                throw usage("--max-outstanding must be at least 1 (got " + guard + ")");
            }
            shape = new LoadShape.OpenLoop(steps, arrivals != null ? arrivals : Arrivals.CONSTANT, guard);
        }
        return new LoadPlan(shape, warmup, grace, settle, planSeed);
    }

    private Duration durationOrDefault() {
        return duration != null ? duration : Duration.ofSeconds(30);
    }

    private double positiveRate(String option, Double value) {
        if (value == null || !(value > 0) || value.isInfinite()) {
            throw usage(option + " must be a positive number of requests per second (got " + value + ")");
        }
        return value;
    }

    private Duration positive(String option, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw usage(option + " must be longer than zero (got " + human(d) + ")");
        }
        return d;
    }

    private void requireNotNegative(String option, Duration d) {
        if (d.isNegative()) {
            throw usage(option + " must not be negative (got " + human(d) + ")");
        }
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    private RunSettings settings(LoadPlan plan) {
        boolean open = plan.shape() instanceof LoadShape.OpenLoop;
        LoadShape.OpenLoop o = open ? (LoadShape.OpenLoop) plan.shape() : null;
        return new RunSettings(
                open ? "open" : "closed",
                open ? o.arrivals().cliName() : null,
                open ? o.steps().stream().map(RateStep::perSecond).toList() : List.of(),
                open ? o.steps().get(0).duration().toNanos() / 1e9 : 0,
                open ? 0 : ((LoadShape.ClosedLoop) plan.shape()).concurrency(),
                plan.shape().duration().toNanos() / 1e9,
                plan.warmup().toNanos() / 1e9,
                plan.grace().toNanos() / 1e9,
                open ? o.maxOutstanding() : 0,
                images,
                promptsFile == null ? "shapes-world" : promptsFile.toString(),
                model,
                plan.seed(),
                kafka.bootstrapServers,
                kafka.promptsTopic,
                kafka.resultsTopic,
                baseline);
    }

    /** "run lt-...: open loop, constant arrivals, 100/s for 30 s (+5 s warm-up)". */
    static String describe(LoadPlan plan, RequestIds ids) {
        String load;
        if (plan.shape() instanceof LoadShape.OpenLoop o) {
            String rates = o.steps().size() == 1
                    ? rate(o.steps().get(0).perSecond()) + "/s for " + human(o.duration())
                    : "ramp " + String.join(", ", o.steps().stream().map(s -> rate(s.perSecond())).toList())
                            + " /s, " + human(o.steps().get(0).duration()) + " each";
            load = "open loop, " + o.arrivals().cliName() + " arrivals, " + rates;
        } else {
            LoadShape.ClosedLoop c = (LoadShape.ClosedLoop) plan.shape();
            load = "closed loop, " + c.concurrency() + " outstanding, for " + human(c.duration());
        }
        return "run " + ids.runId() + ": " + load
                + (plan.warmup().isZero() ? "" : " (+" + human(plan.warmup()) + " warm-up)");
    }

    private static String rate(double r) {
        return r == Math.rint(r) ? Long.toString((long) r) : String.format(Locale.ROOT, "%.2f", r);
    }

    static String human(Duration d) {
        double s = d.toNanos() / 1e9;
        return s == Math.rint(s) ? (long) s + " s" : String.format(Locale.ROOT, "%.3f s", s);
    }

    private static void startProgress(ScheduledExecutorService progress, Measurements m, PrintWriter err) {
        boolean interactive = System.console() != null;
        long[] ticks = {0};
        progress.scheduleAtFixedRate(() -> {
            ticks[0]++;
            String line = TerminalReport.progressLine(m.progress(System.nanoTime()));
            if (interactive) {
                err.print("\r" + line + "   ");
                err.flush();
            } else if (ticks[0] % LOG_PROGRESS_EVERY_SECONDS == 0) {
                err.println(line);
                err.flush();
            }
        }, 1, 1, TimeUnit.SECONDS);
    }

    private static void await(CountDownLatch latch, Duration timeout) {
        try {
            latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down (Ctrl-C): the hook is running and waits for us
        }
    }

    static final class ArrivalsConverter implements CommandLine.ITypeConverter<Arrivals> {
        @Override
        public Arrivals convert(String value) {
            try {
                return Arrivals.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
