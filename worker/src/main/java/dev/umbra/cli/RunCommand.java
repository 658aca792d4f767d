package dev.umbra.cli;

import dev.umbra.config.ConfigDefaults;
import dev.umbra.http.OpsServer;
import dev.umbra.kafka.DecodeConfig;
import dev.umbra.kafka.Delivery;
import dev.umbra.kafka.WorkerConfig;
import dev.umbra.kafka.WorkerProcess;
import dev.umbra.kafka.WorkerRole;
import dev.umbra.worker.WorkerLimits;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code run}: a worker on any Kafka cluster, until SIGTERM or SIGINT, then a clean stop. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Runs a worker: reads PromptRequests from the prompts topic, runs the prior and the decoder pool,",
            "publishes ImageResults (with PNGs) to the results topic and unreadable records to the dead-letter",
            "topic. The topics must exist. Stops cleanly on SIGTERM (in-flight work answered, offsets committed)."
        })
final class RunCommand implements Callable<Integer> {

    /** Read by {@link ConfigDefaults}, which gives the other options their values from the file. */
    @Option(names = ConfigDefaults.CONFIG_OPTION, paramLabel = "FILE",
            description = "A YAML (.yaml, .yml) or properties (.properties) file giving any of these options, keyed by"
                    + " name without dashes (batch-size: 32). Precedence: command line, environment variables"
                    + " (UMBRA_BATCH_SIZE), this file, defaults. See docs/configuration.md.")
    Path config;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]", required = true,
            description = "The Kafka cluster.")
    String bootstrapServers;

    @Option(names = "--prompts-topic", paramLabel = "TOPIC", defaultValue = WorkerConfig.DEFAULT_PROMPTS_TOPIC,
            description = "Where PromptRequests are read (default: ${DEFAULT-VALUE}).")
    String promptsTopic;

    @Option(names = "--results-topic", paramLabel = "TOPIC", defaultValue = WorkerConfig.DEFAULT_RESULTS_TOPIC,
            description = "Where ImageResults are written, keyed by request id (default: ${DEFAULT-VALUE}).")
    String resultsTopic;

    @Option(names = "--dead-letter-topic", paramLabel = "TOPIC", defaultValue = WorkerConfig.DEFAULT_DEAD_LETTER_TOPIC,
            description = "Where records that cannot be read are kept (default: ${DEFAULT-VALUE}).")
    String deadLetterTopic;

    @Option(names = "--role", paramLabel = "ROLE", defaultValue = "all", converter = RoleConverter.class,
            description = "all: prior and decoders in one process (default); prior: the prior only, handing OK"
                    + " answers to the embeddings topic; decoder: the decoder pool only, reading the embeddings"
                    + " topic. Scale each role apart, each in its own consumer group.")
    WorkerRole role;

    @Option(names = "--embeddings-topic", paramLabel = "TOPIC", defaultValue = WorkerConfig.DEFAULT_EMBEDDINGS_TOPIC,
            description = "Between the prior and decoder roles (default: ${DEFAULT-VALUE}).")
    String embeddingsTopic;

    @Option(names = "--group-id", paramLabel = "ID",
            description = "Consumer group (default: " + WorkerConfig.DEFAULT_GROUP_ID + ", or "
                    + WorkerConfig.DEFAULT_DECODER_GROUP_ID + " for --role decoder).")
    String groupId;

    @Option(names = "--worker-id", paramLabel = "ID",
            description = "Reported in every result (default: host name and process id).")
    String workerId;

    @Option(names = "--reply-topics", paramLabel = "REGEX", defaultValue = WorkerConfig.DEFAULT_REPLY_TOPICS,
            description = "Request-reply: the reply topics a request may name (the whole name must match; default:"
                    + " ${DEFAULT-VALUE}). Others are answered REJECTED on the results topic.")
    String replyTopics;

    @Option(names = "--inference-lanes", paramLabel = "N",
            description = "Batches the prior may run at once (default: 2 on a CPU with 2 cores or more to use, each"
                    + " with half of them (--threads, else all cores) as libtorch threads; 1 on a GPU). A batch starts"
                    + " on another core while one runs instead of waiting behind it.")
    Integer inferenceLanes;

    @Option(names = "--delivery", paramLabel = "MODE", defaultValue = "at-least-once",
            converter = DeliveryConverter.class,
            description = "at-least-once (default: after a crash or rebalance some answers come twice) or exactly-once"
                    + " (answers and consumed offsets committed in one transaction per batch: a read_committed reader"
                    + " sees each answer once).")
    Delivery delivery;

    @Option(names = "--transactional-id", paramLabel = "ID",
            description = "With --delivery exactly-once: the producer's transactional.id (default: umbra- and the"
                    + " worker id). Give a restarted worker its predecessor's id so that what it left open is aborted"
                    + " at once.")
    String transactionalId;

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
            description = "Extra Kafka client property, repeatable; prefix consumer., producer. or admin. for one client.")
    Map<String, String> kafkaProperties = Map.of();

    @Option(names = "--model", paramLabel = "DIR",
            description = "Model folder holding tokenizer/, text_encoder/ and prior/, and decoder/ and image_encoder/ for"
                    + " pictures (default: the embedded shapes model); null (or null:E) for a model that computes"
                    + " nothing, to measure the serving layer alone.")
    Path model;

    @CommandLine.Mixin
    RuntimeOptionsMixin runtime;

    @CommandLine.Mixin
    BatchingMixin batching;

    @CommandLine.Mixin
    DecoderMixin decoding;

    @Option(names = "--max-in-flight-rows", paramLabel = "N",
            description = "Rows accepted but unanswered above which fetching pauses (default: 4 batches).")
    Integer maxInFlightRows;

    @Option(names = "--max-prompt-chars", paramLabel = "N", defaultValue = "" + WorkerLimits.DEFAULT_MAX_PROMPT_CHARS,
            description = "Longer prompts are answered REJECTED (default: ${DEFAULT-VALUE}).")
    int maxPromptChars;

    @Option(names = "--max-images-per-request", paramLabel = "N",
            defaultValue = "" + WorkerLimits.DEFAULT_MAX_IMAGES_PER_REQUEST,
            description = "Requests for more images are answered REJECTED (default: ${DEFAULT-VALUE}).")
    int maxImagesPerRequest;

    @CommandLine.Mixin
    HttpMixin http;

    @CommandLine.Mixin
    LoggingMixin logging;

    @CommandLine.Mixin
    VerboseMixin verbose;

    @Override
    public Integer call() throws Exception {
        WorkerConfig.Builder config = WorkerConfig.builder(bootstrapServers)
                .promptsTopic(promptsTopic)
                .resultsTopic(resultsTopic)
                .deadLetterTopic(deadLetterTopic)
                .role(role)
                .embeddingsTopic(embeddingsTopic)
                .groupId(groupId)
                .workerId(workerId)
                .batchPolicy(batching.toPolicy())
                .latencyTarget(batching.latencyTarget())
                .limits(new WorkerLimits(maxPromptChars, maxImagesPerRequest))
                .kafkaProperties(kafkaProperties)
                .replyTopics(replyTopics)
                .delivery(delivery)
                .inferenceLanes(inferenceLanes == null ? 0 : inferenceLanes)
                .transactionalId(transactionalId);
        if (maxInFlightRows != null) {
            config.maxInFlightRows(maxInFlightRows);
        }
        WorkerConfig built = config.build();
        // HTTP starts first, so that probes answer (not ready) while the model loads.
        OpsServer ops = http.options().isPresent() ? OpsServer.start(http.options().get(), built) : null;
        try {
            WorkerProcess.runUntilShutdown(built, decoding.toConfig(DecodeConfig.DEFAULT_IMAGE_DIR), model,
                    runtime.toRuntimeOptions(), process -> {
                        if (ops != null) {
                            ops.bind(process);
                        }
                    });
        } finally {
            if (ops != null) {
                ops.close();
            }
        }
        return 0;
    }

    static final class DeliveryConverter implements CommandLine.ITypeConverter<Delivery> {
        @Override
        public Delivery convert(String value) {
            try {
                return Delivery.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static final class RoleConverter implements CommandLine.ITypeConverter<WorkerRole> {
        @Override
        public WorkerRole convert(String value) {
            try {
                return WorkerRole.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
