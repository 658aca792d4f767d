package dev.umbra.cli;

import dev.umbra.model.DjlRuntime;
import dev.umbra.model.RuntimeOptions;
import picocli.CommandLine.Option;

/** How to run the model: the options every command that loads one shares. */
final class RuntimeOptionsMixin {

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, gpu or gpu:N (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--dtype", defaultValue = "auto", description = "auto (fp16 on GPU, fp32 on CPU), float32 or float16.")
    String dtype;

    @Option(names = "--pad-token-id", paramLabel = "ID", defaultValue = "" + RuntimeOptions.DEFAULT_PAD_TOKEN_ID,
            description = "Padding id: 0 (Kandinsky, Karlo) or 49407 (openai/clip-vit-large-patch14). Default: ${DEFAULT-VALUE}.")
    long padTokenId;

    @Option(names = "--threads", paramLabel = "N",
            description = "libtorch's intra-op threads (default: one per core); for run with --inference-lanes left"
                    + " to it, the cores all lanes share. On a shared host or under a container CPU limit, give the"
                    + " cores the process may really use: libtorch's threads spin while they wait for each other, and"
                    + " a batch can take ten times longer when they compete for fewer cores.")
    Integer threads;

    RuntimeOptions toRuntimeOptions() {
        if (threads != null) {
            DjlRuntime.setIntraOpThreads(threads);
        }
        return new RuntimeOptions(device, dtype, padTokenId);
    }
}
