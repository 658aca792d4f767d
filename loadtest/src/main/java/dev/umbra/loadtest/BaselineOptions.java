package dev.umbra.loadtest;

import dev.umbra.loadtest.kafka.KafkaSettings;
import dev.umbra.loadtest.pipe.BaselineResults;
import dev.umbra.loadtest.pipe.PassThrough;
import java.lang.management.ManagementFactory;
import picocli.CommandLine.Option;

/** How the baseline pass-through answers, shared by {@code baseline} and {@code run --baseline}. */
final class BaselineOptions {

    @Option(names = "--group-id", paramLabel = "ID", defaultValue = PassThrough.Config.DEFAULT_GROUP_ID,
            description = "The baseline's consumer group (default: ${DEFAULT-VALUE}).")
    String groupId;

    @Option(names = "--worker-id", paramLabel = "ID",
            description = "worker_id of the baseline's results (default: umbra-baseline-<pid>).")
    String workerId;

    @Option(names = "--embedding-dim", paramLabel = "N", defaultValue = "" + BaselineResults.DEFAULT_EMBEDDING_DIM,
            description = "Floats per image embedding of a result (default: ${DEFAULT-VALUE}, the embedded shapes"
                    + " model's; Kandinsky 2.2's is 1280).")
    int embeddingDim;

    @Option(names = "--result-bytes", paramLabel = "N", defaultValue = "0",
            description = "Pad every result to exactly N encoded bytes: take result_bytes.mean from a run against"
                    + " the worker (0, the default: the results' natural size).")
    int resultBytes;

    PassThrough.Config config(KafkaSettings kafka, String promptsTopic, String resultsTopic) {
        String id = workerId != null ? workerId : "umbra-baseline-" + ManagementFactory.getRuntimeMXBean().getPid();
        return new PassThrough.Config(kafka, promptsTopic, resultsTopic, groupId, id, embeddingDim, resultBytes);
    }
}
