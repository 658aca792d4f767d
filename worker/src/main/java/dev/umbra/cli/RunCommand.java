package dev.umbra.cli;

import dev.umbra.batch.BatchPolicy;
import dev.umbra.kafka.WorkerConfig;
import dev.umbra.kafka.WorkerProcess;
import dev.umbra.model.RuntimeOptions;
import dev.umbra.worker.WorkerLimits;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code run}: a worker on any Kafka cluster, until SIGTERM or SIGINT, then a clean stop. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Runs a worker: reads PromptRequests from the prompts topic, publishes ImageResults to the results",
            "topic and unreadable records to the dead-letter topic. The topics must exist. Stops cleanly on",
            "SIGTERM (in-flight work answered, offsets committed)."
        })
final class RunCommand implements Callable<Integer> {

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]", required = true,
            description = "The Kafka cluster.")
    String bootstrapServers;

    @Option(names = "--prompts-topic", paramLabel = "TOPIC", defaultValue = WorkerConfig.DEFAULT_PROMPTS_TOPIC,
            description = "Default: ${DEFAULT-VALUE}.")
    String promptsTopic;

    @Option(names = "--results-topic", paramLabel = "TOPIC", defaultValue = WorkerConfig.DEFAULT_RESULTS_TOPIC,
            description = "Default: ${DEFAULT-VALUE}.")
    String resultsTopic;

    @Option(names = "--dead-letter-topic", paramLabel = "TOPIC", defaultValue = WorkerConfig.DEFAULT_DEAD_LETTER_TOPIC,
            description = "Default: ${DEFAULT-VALUE}.")
    String deadLetterTopic;

    @Option(names = "--group-id", paramLabel = "ID", defaultValue = WorkerConfig.DEFAULT_GROUP_ID,
            description = "Consumer group (default: ${DEFAULT-VALUE}).")
    String groupId;

    @Option(names = "--worker-id", paramLabel = "ID",
            description = "Reported in every result (default: host name and process id).")
    String workerId;

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
            description = "Extra Kafka client property, repeatable; prefix consumer., producer. or admin. for one client.")
    Map<String, String> kafkaProperties = Map.of();

    @Option(names = "--model", paramLabel = "DIR",
            description = "Model folder holding tokenizer/, text_encoder/ and prior/ (default: the embedded tiny model).")
    Path model;

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, gpu or gpu:N (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--dtype", defaultValue = "auto", description = "auto (fp16 on GPU, fp32 on CPU), float32 or float16.")
    String dtype;

    @Option(names = "--pad-token-id", paramLabel = "ID", defaultValue = "0",
            description = "Padding id: 0 (Kandinsky, Karlo) or 49407 (openai/clip-vit-large-patch14). Default: ${DEFAULT-VALUE}.")
    long padTokenId;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "" + BatchPolicy.DEFAULT_MAX_BATCH_ROWS,
            description = "Most rows (images) per inference batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--max-wait-ms", paramLabel = "N", defaultValue = "" + BatchPolicy.DEFAULT_MAX_BATCH_DELAY_MILLIS,
            description = "Longest a request waits for others to fill its batch (default: ${DEFAULT-VALUE}).")
    long maxWaitMs;

    @Option(names = "--max-in-flight-rows", paramLabel = "N",
            description = "Rows accepted but unanswered above which fetching pauses (default: 4 batches).")
    Integer maxInFlightRows;

    @Option(names = "--max-prompt-chars", paramLabel = "N", defaultValue = "" + WorkerLimits.DEFAULT_MAX_PROMPT_CHARS,
            description = "Default: ${DEFAULT-VALUE}.")
    int maxPromptChars;

    @Option(names = "--max-images-per-request", paramLabel = "N",
            defaultValue = "" + WorkerLimits.DEFAULT_MAX_IMAGES_PER_REQUEST, description = "Default: ${DEFAULT-VALUE}.")
    int maxImagesPerRequest;

    @Option(names = "--verbose", description = "Print stack traces of errors.")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        WorkerConfig.Builder config = WorkerConfig.builder(bootstrapServers)
                .promptsTopic(promptsTopic)
                .resultsTopic(resultsTopic)
                .deadLetterTopic(deadLetterTopic)
                .groupId(groupId)
                .workerId(workerId)
                .batchPolicy(new BatchPolicy(batchSize, maxWaitMs))
                .limits(new WorkerLimits(maxPromptChars, maxImagesPerRequest))
                .kafkaProperties(kafkaProperties);
        if (maxInFlightRows != null) {
            config.maxInFlightRows(maxInFlightRows);
        }
        WorkerProcess.runUntilShutdown(config.build(), model, new RuntimeOptions(device, dtype, padTokenId));
        return 0;
    }
}
